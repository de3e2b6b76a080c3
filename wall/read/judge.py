"""The plan's judge: every target, deadline and milestone of 粤办函〔2019〕288号 decided as of an
instant, in one place. The wall's tiles and milestone table, the map, the node, province and
PRD pages, the alerts and every bulletin format take their verdicts from here; nothing else
compares a figure with a plan target or a deadline.

A verdict says the state, the figure, the due date, where the plan says it (附件第N项, 三（一）,
二（一）…) and who leads and cooperates. The rules, as the plan states them:

- a count or a provincial figure due later is on track when it stands at or above a straight
  line from the plan's start to the target on its due date, behind below it; met on time or
  late; overdue when due and not met (it can still be met, late);
- a one-off target whose moment has passed unmet is missed: the 2019 increment of vCPU (二（一）:
  the end of 2019 against its start, ≥ 17,000), and each city's one-year targets (附件第6项):
  on the first anniversary of its going live, the migration rate ≥ 50 % and the 30-day mean of
  云资源整体使用率 ending that day ≥ 60 % (a node that reaches both earlier has met them early);
- a city or PRD node's security operations platform (附件第4项) is due six months after the
  node goes live, and at the latest on 2020-12-31 (all 省市一体化); the implementation steps'
  dates (三（一）10 cities by 2019-12-31, 三（二）all 14 by 2020-06-30; 一、工作目标 the seven PRD
  clouds by 2020-06-30) are checkpoints, shown beside it;
- where the plan sets no number, the verdict rests on a dated progress event with evidence,
  and says so; without evidence it is unknown, with the reason.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property

import pandas as pd

from wall.core.chinatime import CHINA, add_months, day_start, deadline_end, format_cn_date, on_time
from wall.core.formats import format_cn_number, percent
from wall.core.links import LinksFile, in_use
from wall.core.plan.models import Milestone, Node, NodeState, Plan, Target, Tier
from wall.core.progress import Progress
from wall.read import queries
from wall.store import Store


class State(StrEnum):
    not_due = "not_due"  # due later (a single event, or a node not live yet)
    on_track = "on_track"  # due later, at or above the straight line to the target
    behind = "behind"  # due later, below that line
    met_on_time = "met_on_time"
    met_late = "met_late"
    overdue = "overdue"  # due, not met, still open
    missed = "missed"  # a one-off whose moment has passed unmet
    unmet = "unmet"  # a continuing requirement not met now (no date)
    ongoing = "ongoing"  # a continuing task without a date or a number
    unknown = "unknown"  # cannot be decided: the reason says why


STATE_LABEL = {
    State.not_due: "未到期",
    State.on_track: "进度正常",
    State.behind: "进度滞后",
    State.met_on_time: "按期完成",
    State.met_late: "逾期完成",
    State.overdue: "逾期未完成",
    State.missed: "未达成",
    State.unmet: "未满足",
    State.ongoing: "持续推进",
    State.unknown: "无法判断",
}
# the provincial platform's own targets (二（一）, 二（六）, 附件第1、6项), in the order the
# province page and the bulletin list them
PROVINCE_TARGETS = ("prov-vcpu", "prov-vcpu-added-2019", "prov-migrated-2019", "prov-migrated-2020",
                    "identity-eseal", "mlps-2")  # fmt: skip
MET = (State.met_on_time, State.met_late)
BAD = (State.overdue, State.missed, State.unmet)


@dataclass(frozen=True)
class Verdict:
    """What the plan asks and where it stands as of the judge's instant."""

    id: str
    seq: str
    title: str
    section: str
    state: State
    due: date | None = None
    figure: float | None = None
    figure_text: str = ""  # the figure as shown: "9/14", "11.9万 vCPU", "迁移率 42.0%…"
    goal_text: str = ""  # what the plan asks: "≥9万 vCPU", "10 个"
    met_at: datetime | None = None
    reason: str = ""  # why unknown, which part failed, how far behind
    lead: tuple[str, ...] = ()
    cooperate: tuple[str, ...] = ()
    checkpoint: bool = False
    node_id: str | None = None
    parts: tuple[Verdict, ...] = field(default=(), repr=False)  # per node (4, 6c)
    values: tuple[tuple[str, float | None], ...] = ()  # the figures behind it, by name

    def value(self, name: str) -> float | None:
        return dict(self.values).get(name)

    @property
    def label(self) -> str:
        return STATE_LABEL[self.state]

    @property
    def met(self) -> bool:
        return self.state in MET

    @property
    def bad(self) -> bool:
        return self.state in BAD

    @property
    def late_since(self) -> datetime | None:
        """When an overdue or missed verdict became so, from the plan's deadlines (not when
        the wall first noticed): the end of its due day (China); for a per-node row, the
        start of its lateness without a break: from its earliest part late now, back through
        parts late before and met late after it began. None for any other verdict."""
        if self.state not in (State.overdue, State.missed):
            return None
        if not self.parts:
            return deadline_end(self.due) if self.due is not None else None
        start = min((s for p in self.parts if (s := p.late_since) is not None), default=None)
        was_late = [(deadline_end(p.due), p.met_at) for p in self.parts
                    if p.state == State.met_late and p.due is not None and p.met_at is not None]  # fmt: skip
        while start is not None:
            earlier = [began for began, ended in was_late if began < start <= ended]
            if not earlier:
                break
            start = min(earlier)
        return start


def _day(when: datetime | None) -> date | None:
    return when.astimezone(CHINA).date() if when is not None else None


def _once(method):
    """A verdict decided once per judge: a target or a node's row is asked by several
    milestones, the targets, the map and the pages alike."""

    @functools.wraps(method)
    def decide(self, subject):
        key = (method.__name__, subject if isinstance(subject, str) else subject.id)
        verdict = self._decided.get(key)
        if verdict is None:
            verdict = self._decided[key] = method(self, subject)
        return verdict

    return decide


class Judge:
    """Decides the plan as of one instant: built once per request from the plan, the progress
    events and the store (its reads go through the cached query layer). Nothing it decides
    depends on whether a node answers this minute, so the wall and a bulletin made for the
    same instant agree."""

    def __init__(self, plan: Plan, progress: Progress, store: Store | None, asof: datetime,
                 links: LinksFile | None = None):  # fmt: skip
        self.plan = plan
        self.progress = progress
        self.store = store
        self.asof = asof
        self.links = links or in_use()
        self.start = day_start(plan.period.start)
        self._decided: dict[tuple[str, str], Verdict] = {}

    # -- the plan's parts

    @cached_property
    def milestones(self) -> list[Verdict]:
        """Every row of the plan's milestones (the attachment's, the steps' checkpoints and the
        body's requirements), in the registry's order."""
        return [self.milestone(m) for m in self.plan.milestones]

    def milestone(self, m: Milestone) -> Verdict:
        crit = m.criterion
        base = dict(id=m.id, seq=m.seq, title=m.title, section=m.section, due=m.deadline,
                    lead=tuple(m.lead), cooperate=tuple(m.cooperate), checkpoint=m.checkpoint)  # fmt: skip
        if crit.kind == "target":
            t = self.target(crit.target)
            return replace(t, **base)
        if crit.kind == "nodes":
            nodes = [self.plan.node(n) for n in crit.nodes]
            return self._count(base, nodes, crit.state, len(nodes))
        if crit.kind == "count":
            return self._count(base, self.plan.nodes_of(crit.tier), crit.state, crit.count)
        if crit.kind == "security_count":
            return self._security_count(base, crit)
        if crit.kind == "per_node":
            nodes = [n for n in self.plan.nodes if n.tier in crit.tiers]
            return self._aggregate(base, tuple(self.security(n) for n in nodes))
        if crit.kind == "city_year":
            nodes = [n for n in self.plan.nodes if n.tier == Tier.city]
            return self._aggregate(base, tuple(self.city_year(n) for n in nodes))
        if crit.kind == "event":
            return self._event(base, self.progress.milestone_met_at(
                self.plan.milestone(crit.of or m.id), self.asof))  # fmt: skip
        if crit.kind == "disaster_recovery":
            return self._disaster_recovery(base)
        if crit.kind == "links":
            return self._links(base, m, crit.days)
        return self._industry(base)  # ongoing

    @cached_property
    def targets(self) -> dict[str, Verdict]:
        return {t.id: self.target(t.id) for t in self.plan.targets}

    @_once
    def target(self, target_id: str) -> Verdict:
        t = self.plan.target(target_id)
        base = dict(id=t.id, seq="", title=t.title, section=t.section, due=t.deadline,
                    goal_text=self._goal(t))  # fmt: skip
        if t.metric in queries.PROVINCE_METRICS and t.value is not None:
            return self._figure(base, t)
        if t.metric in ("migration_rate", "resource_utilization"):
            parts = tuple(self.city_year(n) for n in self.plan.nodes_of(Tier.city))
            return self._aggregate(base, parts)
        if t.metric == "security_platform":
            parts = tuple(self.security(n) for n in self.plan.nodes if n.tier in t.scope)
            return self._aggregate(base, parts)
        # no stored metric measures it: the progress event of a milestone naming it decides
        events = [
            at
            for m in self.plan.milestones
            if m.criterion.kind == "target" and m.criterion.target == t.id
            if (at := self.progress.milestone_met_at(m, self.asof)) is not None
        ]
        return self._event(base, min(events) if events else None)

    # -- one node

    @_once
    def built(self, node: Node) -> Verdict:
        """A node's own deadline: a city node built, a PRD cloud docked (displayed), by the
        day the plan names for it."""
        done_state = (
            NodeState.online if node.tier in (Tier.city, Tier.province) else NodeState.displayed
        )
        reached = self.progress.reached_at(node, done_state, self.asof)
        base = dict(id=f"built/{node.id}", seq="", title=f"{node.name}建成或对接", section="附件第2项",
                    due=node.deadline, node_id=node.id)  # fmt: skip
        if node.deadline is None:
            state = State.met_on_time if reached else State.ongoing
            return Verdict(**base, state=state, met_at=reached)
        return Verdict(**base, state=self._by_deadline(reached, node.deadline), met_at=reached)

    @_once
    def security(self, node: Node) -> Verdict:
        """附件第4项: the node's security operations platform, due six months after it went
        live (a PRD cloud: first docked) and at the latest on the row's own date (2020-12-31,
        all 省市一体化)."""
        target = self.plan.target("security-platform")
        cap = target.deadline
        live = self.progress.live_at(node, self.asof)
        due = add_months(_day(live), target.within_months_of_live or 6) if live else cap
        if cap is not None and due is not None:
            due = min(due, cap)
        deployed = self.progress.security_platform_at(node, self.asof)
        base = dict(id=f"security/{node.id}", seq="4", title=f"{node.name}安全运营平台",
                    section=target.section, due=due, node_id=node.id, met_at=deployed,
                    goal_text="上线6个月内部署并与省平台对接，最迟2020年12月31日")  # fmt: skip
        state = self._by_deadline(deployed, due)
        reason = "节点尚未上线" if live is None and state == State.not_due else ""
        return Verdict(**base, state=state, reason=reason,
                       figure_text=f"已部署 {format_cn_date(_day(deployed))}" if deployed else "未部署")  # fmt: skip

    @_once
    def city_year(self, node: Node) -> Verdict:
        """附件第6项: on the first anniversary of going live, the migration rate ≥ 50 % and the
        30-day mean of 云资源整体使用率 ending that day ≥ 60 %; met early when both held on an
        earlier day; missed (saying which failed) when the day passed without."""
        rate_t = self.plan.target("city-migration-rate")
        util_t = self.plan.target("city-utilization")
        live = self.progress.live_at(node, self.asof)
        base = dict(id=f"year/{node.id}", seq="6c", title=f"{node.name}上线一年内迁移率与资源使用率",
                    section=rate_t.section, node_id=node.id,
                    goal_text=f"迁移率≥{rate_t.value:.0%}，云资源整体使用率≥{util_t.value:.0%}")  # fmt: skip
        if live is None:
            return Verdict(**base, state=State.not_due, reason="节点尚未上线")
        due = add_months(_day(live), rate_t.within_months_of_live or 12)
        today = _day(self.asof)
        series = self.year_series(node, _day(live), min(due, today), due)
        base["due"] = due
        if series.empty:
            return Verdict(**base, state=State.unknown, reason="无指标数据")
        both = series[
            (series["rate"] >= rate_t.value) & (series["utilization_30d"] >= util_t.value)
        ]
        first_met = both["day"].iloc[0] if not both.empty else None
        last = series.iloc[-1]
        text = (f"迁移率 {percent(_num(last['rate']))}，"
                f"使用率 {percent(_num(last['utilization_30d']))}")  # fmt: skip
        figures = dict(figure_text=text, figure=_num(last["utilization_30d"]),
                       values=(("rate", _num(last["rate"])),
                               ("utilization_30d", _num(last["utilization_30d"]))))  # fmt: skip
        if first_met is not None:
            met_at = deadline_end(first_met) - timedelta(microseconds=1)
            early = "（提前达成）" if first_met < due else ""
            return Verdict(**base, **figures, state=State.met_on_time, met_at=met_at,
                           reason=f"{first_met} 达成{early}")  # fmt: skip
        if self.asof < deadline_end(due):
            left = (due - today).days
            return Verdict(
                **base, **figures, state=State.not_due, reason=f"距上线一周年尚余 {left} 天"
            )
        if last["day"] != due or pd.isna(last["rate"]) or pd.isna(last["utilization_30d"]):
            return Verdict(
                **base, **figures, state=State.unknown, reason="上线一周年之日无指标数据"
            )
        failed = []
        if last["rate"] < rate_t.value:
            failed.append(f"迁移率 {percent(last['rate'])} 低于 {rate_t.value:.0%}")
        if last["utilization_30d"] < util_t.value:
            failed.append(
                f"云资源整体使用率 {percent(last['utilization_30d'])} 低于 {util_t.value:.0%}"
            )
        return Verdict(**base, **figures, state=State.missed, reason="；".join(failed))

    def utilization_floor(self, node: Node) -> float | None:
        """The 云资源整体使用率 the plan asks of a node (二（六）, 附件第6项: a city node's, 60 %),
        or None where it asks none (the provincial platform, the PRD clouds)."""
        target = self.plan.target("city-utilization")
        return target.value if node.tier in target.scope else None

    def year_series(
        self, node: Node, first: date, last: date, due: date | None = None
    ) -> pd.DataFrame:
        """The node's one-year figures per day from first to last. Read up to its due date
        (or today, whichever is first) once and cut at last: every as-of day of a replay
        shares one read instead of making its own."""
        if self.store is None or last < first:
            return pd.DataFrame(columns=["day", "rate", "utilization_30d"])
        upto = max(last, min(due, datetime.now(CHINA).date())) if due else last
        series = queries.city_year_series(self.store, node.id, first, upto)
        return series if upto == last else series[series["day"] <= last].reset_index(drop=True)

    # -- the rules

    def _by_deadline(self, done: datetime | None, due: date | None) -> State:
        if done is not None:
            return State.met_on_time if due is None or on_time(done, due) else State.met_late
        if due is not None and self.asof >= deadline_end(due):
            return State.overdue
        return State.not_due

    def _pace(self, figure: float, start_value: float, goal: float, due: date) -> State:
        """On track at or above the straight line from the plan's start to the goal on its
        due date; behind below it."""
        span = (deadline_end(due) - self.start).total_seconds()
        done = min(max((self.asof - self.start).total_seconds() / span, 0.0), 1.0)
        return (
            State.on_track if figure >= start_value + (goal - start_value) * done else State.behind
        )

    def _count(self, base: dict, nodes: list[Node], state: NodeState, count: int) -> Verdict:
        times = sorted(t for n in nodes if (t := self.progress.reached_at(n, state, self.asof)))
        met_at = times[count - 1] if len(times) >= count else None
        verdict = Verdict(**base, state=State.not_due, figure=float(len(times)),
                          figure_text=f"{len(times)}/{count}", goal_text=f"{count} 个",
                          met_at=met_at)  # fmt: skip
        return self._counted(verdict, met_at, len(times), count)

    def _counted(self, v: Verdict, met_at, figure: float, goal: float) -> Verdict:
        if v.due is None:  # a continuing requirement without a date
            return replace(v, state=State.met_on_time if met_at else State.ongoing)
        state = self._by_deadline(met_at, v.due)
        if state == State.not_due and v.due is not None and goal > 1:
            state = self._pace(figure, 0.0, goal, v.due)
        return replace(v, state=state)

    def _security_count(self, base: dict, crit) -> Verdict:
        nodes = [n for n in self.plan.nodes if n.tier in crit.tiers]
        times = []
        for n in nodes:
            t = self.progress.security_platform_at(n, self.asof)
            if t is not None and crit.docked:
                docked = self.progress.reached_at(n, NodeState.displayed, self.asof)
                t = max(t, docked) if docked else None
            if t is not None:
                times.append(t)
        times.sort()
        met_at = times[crit.count - 1] if len(times) >= crit.count else None
        v = Verdict(**base, state=State.not_due, figure=float(len(times)),
                    figure_text=f"{len(times)}/{crit.count}", goal_text=f"{crit.count} 个", met_at=met_at)  # fmt: skip
        return self._counted(v, met_at, len(times), crit.count)

    def _aggregate(self, base: dict, parts: tuple[Verdict, ...]) -> Verdict:
        """A per-node row: missed or overdue if any node is, met when all are (late if any
        was), else open; the figure counts the nodes by state."""
        counts: dict[State, int] = {}
        for p in parts:
            counts[p.state] = counts.get(p.state, 0) + 1
        text = " · ".join(
            f"{STATE_LABEL[s]} {n}"
            for s, n in sorted(counts.items(), key=lambda kv: list(State).index(kv[0]))
        )
        met = [p for p in parts if p.met]
        if counts.get(State.missed):
            state = State.missed
        elif counts.get(State.overdue):
            state = State.overdue
        elif len(met) == len(parts):
            state = State.met_late if counts.get(State.met_late) else State.met_on_time
        elif counts.get(State.unknown) and not counts.get(State.not_due):
            state = State.unknown
        else:
            state = State.not_due
        met_at = (
            max((p.met_at for p in met if p.met_at), default=None)
            if len(met) == len(parts)
            else None
        )
        base = {**base, "goal_text": base.get("goal_text") or f"{len(parts)} 个节点"}
        return Verdict(**base, state=state, figure=float(len(met)), figure_text=text,
                       met_at=met_at, parts=parts)  # fmt: skip

    def _event(self, base: dict, done: datetime | None) -> Verdict:
        due = base.get("due")
        if due is None and done is None:
            return Verdict(**base, state=State.unknown, reason="尚无完成的进度记录（证据）")
        state = self._by_deadline(done, due)
        text = f"已完成 {format_cn_date(_day(done))}" if done else "未完成"
        return Verdict(**base, state=state, met_at=done, figure_text=text,
                       reason="以进度记录（证据）为准")  # fmt: skip

    def _links(self, base: dict, m: Milestone, days: int) -> Verdict:
        """A network milestone by evidence: each link the links file marks for it counts once
        it has answered probes on `days` days (on the last of them); a link never probed
        counts by the milestone's progress event. Met when every link counts."""
        links = self.links.for_milestone(m.id)
        event = self.progress.milestone_met_at(m, self.asof)
        if not links:
            return self._event(base, event)
        answered: dict[str, list[datetime]] = {}
        if self.store is not None:
            end = day_start(self.asof.astimezone(CHINA).date() + timedelta(days=1))
            answered = queries.link_answer_days(self.store, end)
        counted, missing, by_event = [], [], []
        for link in links:
            seen = [d for d in answered.get(link.id, []) if d <= self.asof]
            if len(seen) >= days:
                counted.append(seen[days - 1])  # the China day it reached them
            elif not seen and event is not None:  # no probe: the progress report is evidence
                by_event.append(link)
                counted.append(event)
            else:
                missing.append(link)
        n, total = len(links) - len(missing), len(links)
        text = f"{n}/{total} 条链路" + (f"（{len(by_event)} 条据进度记录）" if by_event else "")
        done = max(counted) if not missing else None
        state = self._by_deadline(done, base.get("due"))
        reason = (f"链路探测应答满 {days} 天计入；未满：" + "、".join(k.label for k in missing[:4])
                  + ("等" if len(missing) > 4 else "")) if missing else f"每条链路探测应答满 {days} 天"  # fmt: skip
        return Verdict(**base, state=state, met_at=done, figure=float(n), figure_text=text,
                       goal_text=f"{total} 条链路", reason=reason)  # fmt: skip

    def _figure(self, base: dict, t: Target) -> Verdict:
        """A provincial figure (vCPU, systems migrated) against its target; the 2019 increment
        is the end of 2019 against its start, decided once."""
        if self.store is None:
            return Verdict(**base, state=State.unknown, reason="无指标数据")
        since = day_start(t.since or self.plan.period.start)
        daily = queries.province_daily(self.store, self.plan, t.metric, since,
                                       self.asof + timedelta(seconds=1))  # fmt: skip
        if daily.empty:
            return Verdict(**base, state=State.unknown, reason="暂无指标数据")
        first_day = daily.index[0].to_pydatetime()
        if t.metric == "vcpu_added":  # the growth from the start of the year, not a level
            if first_day > since + timedelta(days=1):
                return Verdict(**base, state=State.unknown,
                               reason=f"数据始于 {_day(first_day)}，无法计算 {since.astimezone(CHINA).year} 年增量")  # fmt: skip
            end = deadline_end(t.deadline) if t.deadline else self.asof
            daily = daily[daily.index < end] - daily.iloc[0]
        value = float(daily.iloc[-1])
        shown = dict(figure=value, figure_text=f"{format_cn_number(value)} {t.unit or ''}".strip())
        reached = daily[daily >= t.value]
        met_at = reached.index[0].to_pydatetime() if not reached.empty else None
        if met_at is not None and met_at == first_day and first_day > since + timedelta(days=1):
            # met on the first day with data, later than the period's start: when exactly it
            # was met cannot be told; on time if even that day was
            if t.deadline is not None and not on_time(first_day, t.deadline):
                return Verdict(**base, **shown, state=State.unknown,
                               reason=f"数据始于 {_day(first_day)}，无法判断达标日期")  # fmt: skip
            return Verdict(**base, **shown, state=State.met_on_time, met_at=first_day,
                           reason=f"不晚于 {_day(first_day)}（数据始于此日）")  # fmt: skip
        v = Verdict(**base, **shown, state=State.not_due, met_at=met_at)
        if (
            t.metric == "vcpu_added"
            and met_at is None
            and t.deadline
            and self.asof >= deadline_end(t.deadline)
        ):
            return replace(v, state=State.missed,
                           reason=f"{t.deadline.year}年增加 {format_cn_number(value)}，不足 {format_cn_number(t.value)}")  # fmt: skip
        state = self._by_deadline(met_at, t.deadline)
        if state == State.not_due and t.deadline is not None:
            start_value = 0.0 if t.metric == "vcpu_added" else float(daily.iloc[0])
            state = self._pace(value, start_value, t.value, t.deadline)
        return replace(v, state=state)

    def _disaster_recovery(self, base: dict) -> Verdict:
        """两地三中心 (二（一）): the capability is built when every provincial centre is. Whether
        both answer right now is an operational signal (the province page shows it beside
        this verdict), not the plan's question: a bulletin and the wall give one answer."""
        centres = self.plan.nodes_of(Tier.province)
        offline = [n.name for n in centres if self.progress.state(n, self.asof) != NodeState.online]
        if offline:
            return Verdict(**base, state=State.unmet, reason=f"{'、'.join(offline)} 未建成")
        return Verdict(**base, state=State.met_on_time, figure_text="两中心均已建成",
                       reason=f"{'、'.join(n.name for n in centres)}均已建成")  # fmt: skip

    def _industry(self, base: dict) -> Verdict:
        """特色行业云 (一事一议): which have docked, each on its recorded evidence."""
        parts = tuple(self.built(n) for n in self.plan.nodes_of(Tier.industry))
        docked = sum(p.met for p in parts)
        return Verdict(**base, state=State.ongoing, figure=float(docked),
                       figure_text=f"已对接 {docked}/{len(parts)}", reason="一事一议，以对接记录为准",
                       parts=parts)  # fmt: skip

    def _goal(self, t: Target) -> str:
        if t.value is None:
            return ""
        if t.unit == "ratio":
            return f"≥{t.value:.0%}"
        return f"≥{format_cn_number(t.value)} {t.unit or ''}".strip()


def _num(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


@dataclass(frozen=True)
class Verdicts:
    """Every verdict a screen or page shows, decided once per request."""

    milestones: list[Verdict]
    targets: dict[str, Verdict]
    built: dict[str, Verdict]  # each node's own deadline (built / docked)
    security: dict[str, Verdict]  # city and PRD nodes (附件第4项)
    year: dict[str, Verdict]  # city nodes' one-year targets (附件第6项)
    next_target: dict[str, Verdict] = field(default_factory=dict)  # per provincial metric

    def milestone(self, milestone_id: str) -> Verdict:
        return next(v for v in self.milestones if v.id == milestone_id)


def judge_all(judge: Judge, scope: Node | None = None, wanted=None) -> Verdicts:
    """The verdicts of the whole plan (or, with a scope, of one node and the milestones that
    concern it: `wanted(milestone)`)."""
    plan = judge.plan
    nodes = [scope] if scope is not None else plan.nodes
    milestones = [judge.milestone(m) for m in plan.milestones if wanted is None or wanted(m)]
    targets = {} if scope is not None else judge.targets
    return Verdicts(
        milestones=milestones,
        targets=targets,
        next_target=_next_targets(plan, targets, judge.asof),
        built={n.id: judge.built(n) for n in nodes},
        security={n.id: judge.security(n) for n in nodes if n.tier in (Tier.city, Tier.prd)},
        year={n.id: judge.city_year(n) for n in nodes if n.tier == Tier.city},
    )


def _next_targets(plan: Plan, targets: dict[str, Verdict], asof: datetime) -> dict[str, Verdict]:
    """Per provincial metric, the target due next as of the instant (the 400 of 2019 before
    2020, the 1,000 of 2020 after), or the last one once all are past."""
    out: dict[str, Verdict] = {}
    for metric in ("vcpu_total", "systems_migrated"):
        dated = sorted((t for t in plan.targets if t.metric == metric and t.deadline and t.id in targets),
                       key=lambda t: t.deadline)  # fmt: skip
        if dated:
            due = next((t for t in dated if asof < deadline_end(t.deadline)), dated[-1])
            out[metric] = targets[due.id]
    return out


def verdict_record(verdicts: Verdicts) -> dict:
    """Every verdict as plain data (the bulletin's JSON record carries it): by id, the state,
    due date, figure and the day it was met."""

    def plain(v: Verdict) -> dict:
        return {"state": v.state.value, "due": v.due.isoformat() if v.due else None,
                "figure": v.figure_text, "met": _day(v.met_at).isoformat() if v.met_at else None}  # fmt: skip

    out = {v.id: plain(v) for v in verdicts.milestones}
    for group in (verdicts.targets, verdicts.security, verdicts.year, verdicts.built):
        out.update({v.id: plain(v) for v in group.values()})
    return out
