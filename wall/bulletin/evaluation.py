"""The evaluation model behind the bulletins: every city node scored against the plan over a
period, from the same store and progress events the wall reads. Each formula is written out
in `FORMULAS` (the bulletin's appendix prints them) and its weights are configuration.

- migration rate = systems migrated ÷ systems planned for migration, as of the period's end;
- resource utilization (云资源整体使用率) = allocated ÷ total, the mean of vCPU, memory and
  storage, per day, averaged over the days of the period with data; CPU utilization is shown
  beside it and does not score;
- within a year of going live: the same two figures over the 30 days ending on the first
  anniversary of going live, against ≥ 50 % and ≥ 60 %;
- security platform deployed within six months of going live, or not;
- availability = samples up ÷ samples observed; completeness = days with data ÷ days the node
  was live in the period. Days without data are never counted as down.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, Field

from wall.core.chinatime import CHINA, day_start, deadline_end, format_cn_date
from wall.core.links import LinksFile, in_use
from wall.core.plan.models import Node, Plan, Tier
from wall.core.progress import Progress
from wall.read import queries
from wall.read.judge import Judge, State
from wall.store import Resolution, Store
from wall.store.tracing import figure

FORMULAS = [
    ("迁移率", "已迁移业务系统数 ÷ 计划迁移业务系统数（截至评估期末）"),
    ("云资源整体使用率", "（已分配vCPU÷vCPU总量 + 已分配内存÷内存总量 + 已分配存储÷存储总量）÷ 3，按日计算，取评估期内有数据各日的平均"),
    ("CPU利用率", "主机CPU实测利用率的评估期平均（仅展示，不计分）"),
    ("上线一年内指标（附件第6项）", "各地市节点于其上线一周年之日考核：该日的迁移上云率≥50%，且截至该日30天的云资源整体使用率均值≥60%；此前某日两项均已达到即为提前达成；一周年之日仍未达到为未达成（注明哪项未达到）"),
    ("安全运营平台（附件第4项）", "节点上线（珠三角为统一展示对接）后6个月内完成部署并与省平台对接，最迟2020年12月31日（全部省市一体化）；实施步骤三（一）（二）所列“10个、14个地市”两个时间节点一并列出，不作评分依据"),
    ("省级计算能力（二（一）、附件第1项）", "省级各数据中心vCPU总量之和；2019年新增量 = 2019年末总量 − 2019年初总量，对照17000核判定"),
    ("信息技术应用创新（附件第7项、三（一））", "方案两处日期并列：附件第7项 2019年8月31日完成试点测试部署，实施步骤三（一）2019年12月底前完成；以进度记录（证据）判定"),
    ("等保2.0、共享共用、行业云（二（一）（二）（三））", "方案未设数值的事项，以有证据的进度记录判定并注明依据；无记录为无法判断"),
    ("两地三中心（二（一））", "名美、东涌两个数据中心均已建成即具备容灾能力；两中心当前是否在线为运行状态，另行展示，不作判定"),
    ("进度判定", "有数量目标的，到期前以方案起始日至截止日的直线为进度线：不低于进度线为进度正常，低于为进度滞后；到期未达成为逾期未完成，此后达成为逾期完成"),
    ("可用率", "云平台在线样本数 ÷ 观测样本数；无数据时段不计为不可用"),
    ("外网可用率", "节点至省中心政务外网链路的探测应答次数 ÷ 探测次数（不计入得分）"),
    ("数据完整率", "有数据的天数 ÷ 评估期内节点已上线的天数"),
    ("停机时长", "各小时离线样本数 ÷ 观测样本数之和（小时）；连续有离线样本的小时计为一次中断；无数据的小时不计"),
    ("得分", "迁移率÷50%（封顶1）×权重 + 使用率÷60%（封顶1）×权重 + 可用率×权重 + 安全平台（是1否0）×权重"),
]  # fmt: skip


class Weights(BaseModel):
    """How the score is made (configuration; the appendix prints them)."""

    model_config = {"extra": "forbid"}

    migration: float = Field(35, ge=0)
    utilization: float = Field(35, ge=0)
    availability: float = Field(15, ge=0)
    security: float = Field(15, ge=0)

    @property
    def total(self) -> float:
        return self.migration + self.utilization + self.availability + self.security


class MastheadConfig(BaseModel):
    model_config = {"extra": "forbid"}
    issuer: str = Field(min_length=1)
    mark: str = Field(min_length=1)
    number: str = Field(min_length=1)
    copy_to: str = Field(min_length=1)
    printed_by: str = Field(min_length=1)


class BulletinConfig(BaseModel):
    """wall/bulletin/bulletin.yaml (or GDWALL_BULLETIN_CONFIG): weights and the masthead."""

    model_config = {"extra": "forbid"}
    schema_version: int = Field(1, ge=1, le=1)
    kind: str = Field("bulletin", pattern="^bulletin$")
    weights: Weights = Field(default_factory=Weights)
    masthead: MastheadConfig


DEFAULT_BULLETIN_CONFIG = Path(__file__).with_name("bulletin.yaml")


def load_bulletin_config(path: Path | None = None) -> BulletinConfig:
    """Read the bulletin configuration; ConfigError naming file, line and field."""
    from wall.core.configfile import load_yaml, parse_model

    return parse_model(load_yaml(path or DEFAULT_BULLETIN_CONFIG), BulletinConfig)


class PeriodError(ValueError):
    """A period that cannot be evaluated; the message says why."""


@dataclass(frozen=True)
class Period:
    label: str  # as given: 2020-06, 2020-Q2, 2020, 2020-01-01..2020-03-31
    first: date
    last: date  # inclusive
    kind: str = "days"  # month, quarter, year or days: what the label named

    @property
    def start(self) -> datetime:
        return day_start(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return deadline_end(self.last)

    @property
    def title(self) -> str:
        return f"{format_cn_date(self.first)}至{format_cn_date(self.last)}"

    @property
    def name(self) -> str:
        """As a Chinese document names it: 2026年11月, 2026年第三季度, 2026年, or its days."""
        year = f"{self.first.year}年"
        if self.kind == "month":
            return f"{year}{self.first.month}月"
        if self.kind == "quarter":
            return f"{year}第{'一二三四'[(self.first.month - 1) // 3]}季度"
        return year if self.kind == "year" else self.title


def period_name(label: str) -> str:
    """A period's label, as given or as its files name it (FROM_TO), by its Chinese name
    (Period.name); a label that is no period, as given."""
    try:
        return parse_period(label.replace("_", ".."), date.max).name
    except PeriodError:
        return label


def parse_period(text: str, today: date) -> Period:
    """2020-06 (a month), 2020-Q2 (a quarter), 2020 (a year) or FROM..TO (days)."""
    text = (text or "").strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"月份无效：{text}")
        first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        kind = "month"
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text, re.IGNORECASE):
        year, q = int(m[1]), int(m[2])
        first = date(year, 3 * q - 2, 1)
        last = date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
        kind = "quarter"
    elif m := re.fullmatch(r"(\d{4})", text):
        first, last = date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
        kind = "year"
    elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
        try:
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as exc:
            raise PeriodError(f"日期无效：{text}（{exc}）") from None
        if last < first:
            raise PeriodError(f"起始日期晚于结束日期：{text}")
        kind = "days"
    else:
        raise PeriodError(
            f"评估期格式无效：{text!r}（可用 2020-06、2020-Q2、2020 或 2020-01-01..2020-03-31）"
        )
    if first > today:
        raise PeriodError(f"评估期 {text} 尚未开始")
    return Period(text, first, min(last, today), kind)


@dataclass(frozen=True)
class CityScore:
    node: Node
    live_at: datetime | None
    migration_rate: float | None
    utilization: float | None
    cpu_util: float | None
    availability: float | None
    completeness: float | None
    year_due: date | None  # the first anniversary of going live (the day)
    year_rate: float | None  # over the 30 days ending on it, if it falls in or before the period
    year_utilization: float | None
    year_met: bool | None  # None: not yet a year
    security_at: datetime | None
    security_on_time: bool | None  # None: not yet due
    score: float | None  # None: not live by the period's end
    rank: int | None = None
    # 电子政务外网: the share of probes of the node's own extranet link that answered over the
    # period (beside the cloud's availability; not in the score, which the plan's weights set)
    network_availability: float | None = None


def _ratio_by_day(store: Store, node: str, start: datetime, end: datetime) -> pd.Series:
    """Each China day's 云资源整体使用率 of a node (from the days' last values)."""
    parts = {}
    for f in queries.ALLOCATION_FIELDS:
        roll = store.rollup(
            "capacity", f, start, end, Resolution.daily, nodes=[node], stats=("last",)
        )
        parts[f] = roll.set_index("time")["last"] if not roll.empty else pd.Series(dtype=float)
    frame = pd.DataFrame(parts)
    if frame.empty:
        return pd.Series(dtype=float)
    ratios = [frame[a] / frame[t] for a, t in queries.ALLOCATION]
    return (sum(ratios) / len(ratios)).dropna()


def _mean(
    store: Store, measurement: str, field: str, node: str, start, end
) -> tuple[float | None, int]:
    """(mean of every sample in [start, end), days with data) from daily rollups."""
    roll = store.rollup(
        measurement, field, start, end, Resolution.daily, nodes=[node], stats=("count", "sum")
    )
    if roll.empty or roll["count"].sum() == 0:
        return None, 0
    return float(roll["sum"].sum() / roll["count"].sum()), int((roll["count"] > 0).sum())


def _rate(store: Store, node: str, asof: datetime) -> float | None:
    counts = queries.counters(store, "migration", queries.MIGRATION_FIELDS, asof)
    mine = counts[counts["node"] == node] if not counts.empty else counts
    planned = mine["systems_planned"].sum() if not mine.empty else 0
    return float(mine["systems_migrated"].sum() / planned) if planned else None


def _link_availability(store: Store, link: str, start, end) -> float | None:
    """The share of a link's probes that answered in [start, end), from its daily rollups
    (that link's own series, not the other links of its node)."""
    roll = store.rollup("link", "up", start, end, Resolution.daily, stats=("count", "sum"),
                        by=("node", "link"))  # fmt: skip
    mine = roll[roll["link"] == link] if not roll.empty else roll
    if mine.empty or mine["count"].sum() == 0:
        return None
    return float(mine["sum"].sum() / mine["count"].sum())


def score_cities(
    store: Store,
    plan: Plan,
    progress: Progress,
    period: Period,
    weights: Weights | None = None,
    links: LinksFile | None = None,
) -> list[CityScore]:
    """Every city node scored over the period, ranked by score (nodes not live: unranked),
    with its extranet link's availability beside (the links file's own link of the node)."""
    weights = weights or Weights()
    own_link = {k.node: k.id for k in (links or in_use()).links if k.site is None}
    rate_t = plan.target("city-migration-rate").value
    util_t = plan.target("city-utilization").value
    end_instant = period.end - timedelta(seconds=1)
    judge = Judge(plan, progress, store, end_instant)
    out = []
    for node in plan.nodes_of(Tier.city):
        live = progress.live_at(node, end_instant)
        if live is None:
            out.append(CityScore(node, None, *([None] * 12)))
            continue
        from_ = max(period.start, day_start(live.astimezone(CHINA).date()))
        at = f"cities/{node.id}"
        with figure(f"{at}/migration_rate"):
            rate = _rate(store, node.id, end_instant)
        with figure(f"{at}/utilization"):
            days = _ratio_by_day(store, node.id, from_, period.end)
        util = float(days.mean()) if not days.empty else None
        with figure(f"{at}/cpu_util"):
            cpu, _ = _mean(store, "usage", "cpu_util", node.id, from_, period.end)
        with figure(f"{at}/availability"):  # and completeness: the same read
            avail, observed = _mean(store, "health", "up", node.id, from_, period.end)
        network = None
        if node.id in own_link:
            with figure(f"{at}/network_availability"):
                network = _link_availability(store, own_link[node.id], from_, period.end)
        live_days = (period.end - from_).days or 1
        completeness = min(observed / live_days, 1.0) if observed else 0.0
        year = judge.city_year(node)  # 附件第6项, decided by the judge alone
        year_due = year.due
        decided = year.state in (State.met_on_time, State.missed)
        year_rate = year.value("rate") if decided else None
        year_util = year.value("utilization_30d") if decided else None
        year_met = {State.met_on_time: True, State.missed: False}.get(year.state)
        sec = judge.security(node)  # 附件第4项: six months after going live, by 2020-12-31
        security = sec.met_at
        on_time = {State.met_on_time: True, State.met_late: False, State.overdue: False}.get(
            sec.state
        )
        score = (
            (
                weights.migration * min((rate or 0) / rate_t, 1)
                + weights.utilization * min((util or 0) / util_t, 1)
                + weights.availability * (avail or 0)
                + weights.security * (1 if on_time else 0)
            )
            * 100
            / weights.total
        )
        out.append(CityScore(node, live, rate, util, cpu, avail, completeness, year_due, year_rate,
                             year_util, year_met, security, on_time, round(score, 2),
                             network_availability=network))  # fmt: skip
    ranked = sorted((c for c in out if c.score is not None), key=lambda c: (-c.score, c.node.id))
    ranks = {c.node.id: i for i, c in enumerate(ranked, start=1)}
    return [
        CityScore(**{**c.__dict__, "rank": ranks.get(c.node.id)})
        for c in sorted(out, key=lambda c: (ranks.get(c.node.id, 99), c.node.id))
    ]


@dataclass(frozen=True)
class ServiceQuality:
    """A provider's service over the period (the inputs to settlement, 结算办法): availability
    over every sample of its live nodes, data completeness, and security events by severity."""

    provider: str
    provider_id: str
    nodes: list[str]
    availability: float | None
    completeness: float | None
    events: dict[str, float]  # severity → events in the period
    downtime_h: float | None = None  # hours down (each hour: its share of samples down)
    outages: int | None = None  # runs of consecutive hours with samples down
    open_high: float = 0  # high-severity incidents still open at the period's end

    def cells(self) -> tuple:
        """The row every format writes (numbers as numbers; None where not measured)."""
        return (self.provider, "、".join(self.nodes), self.availability, self.completeness,
                None if self.downtime_h is None else round(self.downtime_h, 1), self.outages,
                self.open_high, *(self.events.get(s, 0) for s in ("high", "medium", "low")))  # fmt: skip


QUALITY_HEAD = ["服务方", "节点", "可用率", "数据完整率", "停机时长(小时)", "中断次数", "期末未关闭高危事件",
                "高危事件", "中危事件", "低危事件"]  # fmt: skip


def _downtime(hourly: pd.DataFrame) -> tuple[float, int]:
    """(hours down, outages) from a node's hourly up rollups: an hour counts its share of
    samples down; an outage is a run of such hours (an hour without data ends none)."""
    hours = hourly[hourly["count"] > 0].sort_values("time")
    share = (hours["count"] - hours["sum"]) / hours["count"]
    down = hours["time"][share > 0]
    starts = (down.diff() != pd.Timedelta(hours=1)).sum() if not down.empty else 0
    return float(share.sum()), int(starts)


def service_quality(
    store: Store, plan: Plan, progress: Progress, period: Period
) -> list[ServiceQuality]:
    """Per provider of the province's and the city nodes (the ones the province pays for)."""
    end_instant = period.end - timedelta(seconds=1)
    out = []
    for provider in plan.providers:
        nodes = [
            n
            for n in plan.nodes
            if n.provider == provider.id and n.tier in (Tier.province, Tier.city)
        ]
        up = count = observed = live_days = outages = 0
        downtime: float | None = None
        events: dict[str, float] = {}
        names, ids = [], []
        for node in nodes:
            live = progress.live_at(node, end_instant)
            if live is None:
                continue
            names.append(node.name)
            ids.append(node.id)
            from_ = max(period.start, day_start(live.astimezone(CHINA).date()))
            with figure(f"quality/{provider.id}/availability"):  # and completeness
                roll = store.rollup("health", "up", from_, period.end, Resolution.daily,
                                    nodes=[node.id], stats=("count", "sum"))  # fmt: skip
            if not roll.empty:
                up += roll["sum"].sum()
                count += roll["count"].sum()
                observed += int((roll["count"] > 0).sum())
            live_days += (period.end - from_).days or 1
            with figure(f"quality/{provider.id}/downtime"):
                hourly = store.rollup("health", "up", from_, period.end, Resolution.hourly,
                                      nodes=[node.id], stats=("count", "sum"))  # fmt: skip
            if not hourly.empty:  # hourly rollups are kept for years, not for ever
                hours, runs = _downtime(hourly)
                downtime, outages = (downtime or 0) + hours, outages + runs
            with figure(f"quality/{provider.id}/events"):
                sec = store.rollup("security", "events", from_, period.end, Resolution.daily,
                                   nodes=[node.id], stats=("sum",), by=("node", "severity"))  # fmt: skip
            for sev, n in sec.groupby("severity")["sum"].sum().items() if not sec.empty else []:
                events[str(sev)] = events.get(str(sev), 0) + float(n)
        if not names:
            continue
        with figure(f"quality/{provider.id}/open_high"):
            open_now = store.counters("security", ["open_incidents"], end_instant)
        open_high = 0.0
        if not open_now.empty:
            mine = open_now[open_now["node"].isin(ids) & (open_now["severity"] == "high")]
            open_high = float(mine["open_incidents"].sum())
        out.append(ServiceQuality(provider.name, provider.id, names, float(up / count) if count else None,
                                  min(observed / live_days, 1.0) if live_days else None, events,
                                  downtime, outages if downtime is not None else None, open_high))  # fmt: skip
    return out
