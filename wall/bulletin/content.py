"""A bulletin's content: the evaluation model's tables for a period, read through a traced
store (wall/store/tracing.py: every figure names the reads it came from), with the rules and a
hash of the answers read. The formats (xlsx.py, docx.py, pdf.py, html.py) write it; make.py
is the one way to produce one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wall.bulletin.docx import Masthead
from wall.bulletin.evaluation import (
    FORMULAS,
    BulletinConfig,
    CityScore,
    Period,
    Weights,
    load_bulletin_config,
    score_cities,
    service_quality,
)
from wall.bulletin.sections import SECTIONS, SectionInputs
from wall.core.chinatime import CHINA, format_cn_date
from wall.core.plan.models import STATE_LABEL, Plan, Tier
from wall.core.progress import Progress
from wall.read import queries
from wall.read.milestones import MILESTONE_STATUS_LABEL
from wall.read.overview import build_overview
from wall.store import Store
from wall.store.tracing import TracedStore, figure

FORMATS = ("xlsx", "docx", "pdf", "html")


TRACE_HELP = (
    "trace[图表项] 列出得出该数字的读取编号，如 trace['cities/<节点>/migration_rate']；"
    "reads[] 给出每次读取的调用参数、存储实际执行的查询（InfluxQL 或 SQL）、行数及结果摘要 sha256；"
    "`gdwall bulletin-verify 本文件` 重新执行全部读取并核对结果是否一致。"
)


class BulletinError(ValueError):
    """A bulletin that cannot be produced; the message says why."""


@dataclass(frozen=True)
class Bulletin:
    period: Period
    weights: Weights
    cities: list[CityScore]
    milestones: list[tuple[str, str, str, str, str]]  # seq, title, deadline, status, done
    prd: list[tuple[str, str, str]]  # name, stage, deadline
    generated_at: datetime
    province: list[tuple[str, str, str, str, str]] = ()  # target, goal, deadline, value, status
    masthead: Masthead = field(default_factory=Masthead)
    quality: list = field(default_factory=list)  # ServiceQuality per provider
    reads: dict = field(default_factory=dict)  # TracedStore.record(): reads and trace
    inputs_sha256: str = ""
    sections: list = field(default_factory=list)  # (id, title, head, rows) of registered ones

    def figures(self) -> dict:
        """Every number of the bulletin, plain (for the JSON record and its hash)."""
        return {
            "period": {"label": self.period.label, "first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat()},
            "weights": self.weights.model_dump(),
            "cities": [
                {"node": c.node.id, "rank": c.rank, "score": c.score,
                 "migration_rate": c.migration_rate, "utilization": c.utilization,
                 "cpu_util": c.cpu_util, "availability": c.availability,
                 "completeness": c.completeness, "year_met": c.year_met,
                 "security_on_time": c.security_on_time}
                for c in self.cities
            ],
            "milestones": [list(m) for m in self.milestones],
            "prd": [list(p) for p in self.prd],
            "province": [list(p) for p in self.province],
            "quality": [
                {"provider": q.provider, "provider_id": q.provider_id, "nodes": q.nodes, "availability": q.availability,
                 "completeness": q.completeness, "events": q.events, "downtime_h": q.downtime_h,
                 "outages": q.outages, "open_high": q.open_high}
                for q in self.quality
            ],
            **({"sections": {sid: [list(r) for r in rows] for sid, _, _, rows in self.sections}}
               if self.sections else {}),
        }  # fmt: skip


def build(
    store: Store,
    plan: Plan,
    progress: Progress,
    period: Period,
    config: BulletinConfig | None = None,
) -> Bulletin:
    """The bulletin's tables, read through a TracedStore: the record names the reads behind
    every figure, and the inputs hash is the hash of their answers and the rules."""
    config = config or load_bulletin_config()
    weights = config.weights
    store = TracedStore(store)
    cities = score_cities(store, plan, progress, period, weights)
    if all(c.availability is None and c.utilization is None for c in cities):
        raise BulletinError(f"评估期 {period.label} 内没有任何指标数据")
    end = period.end - timedelta(seconds=1)

    def reached(target_id: str, when: datetime):
        with figure(f"milestones/target/{target_id}"):
            return queries.target_reached_at(store, plan, plan.target(target_id), when)

    ov = build_overview(plan, progress, end, target_reached=reached)
    province = province_rows(store, plan, end)
    milestones = [
        (o.milestone.seq, o.milestone.title,
         format_cn_date(o.milestone.deadline) if o.milestone.deadline else "持续",
         MILESTONE_STATUS_LABEL[o.status],
         format_cn_date(o.done_at.astimezone(CHINA).date()) if o.done_at else "")
        for o in ov.milestones
    ]  # fmt: skip
    prd = [
        (
            v.node.name,
            STATE_LABEL[v.state],
            format_cn_date(v.node.deadline) if v.node.deadline else "—",
        )
        for v in ov.nodes
        if v.node.tier == Tier.prd
    ]
    masthead = Masthead(**config.masthead.model_dump())
    quality = service_quality(store, plan, progress, period)
    inputs = SectionInputs(store, plan, progress, period, end)
    sections = []
    for s in SECTIONS.values():
        with figure(f"sections/{s.id}"):
            sections.append((s.id, s.title, list(s.head), [tuple(r) for r in s.rows(inputs)]))
    rules = {"period": [period.first.isoformat(), period.last.isoformat()],
             "weights": weights.model_dump(), "formulas": FORMULAS, "plan": plan.cache_name,
             "progress": progress.digest(end)}  # fmt: skip
    return Bulletin(period, weights, cities, milestones, prd, datetime.now(CHINA), province,
                    masthead, quality, store.record(), store.inputs_hash(rules), sections)  # fmt: skip


def province_rows(store: Store, plan: Plan, end: datetime) -> list[tuple[str, str, str, str, str]]:
    """The provincial targets as of the period's end: the figure, and when it was first met
    (on time or late) or not yet."""
    from wall.core.chinatime import deadline_end
    from wall.core.formats import format_cn_number

    rows = []
    for t in plan.targets:
        if (
            t.metric not in queries.PROVINCE_METRICS
            or t.value is None
            or Tier.province not in t.scope
        ):
            continue
        with figure(f"province/{t.id}"):
            now = queries.province_figure(
                store, plan, "vcpu_total" if t.metric == "vcpu_added" else t.metric, end
            )
        value = (
            "—"
            if now.value is None
            else f"{format_cn_number(now.value)}{'' if t.unit == 'vCPU' else ' '}{t.unit or ''}"
        )
        try:
            with figure(f"province/{t.id}"):
                met = queries.target_reached_at(store, plan, t, end)
        except LookupError as exc:
            status = str(exc) or "暂无数据"
        else:
            if met is None:
                status = "未达标"
            else:
                on_time = t.deadline is None or met < deadline_end(t.deadline)
                status = f"{'按期' if on_time else '逾期'}达标（{format_cn_date(met.astimezone(CHINA).date())}）"
        rows.append((t.title, f"≥{format_cn_number(t.value)} {t.unit or ''}".strip(),
                     format_cn_date(t.deadline) if t.deadline else "—", value, status))  # fmt: skip
    return rows
