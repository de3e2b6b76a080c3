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
from wall.bulletin.tables import (
    department_rows,
    milestone_row,
    prd_row,
    target_row,
)
from wall.core.chinatime import CHINA
from wall.core.plan.models import Plan, Tier
from wall.core.progress import Progress
from wall.read import queries
from wall.read.judge import PROVINCE_TARGETS, Judge, Verdicts, judge_all, verdict_record
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
    milestones: list[tuple]  # MILESTONE_HEAD: the judge's verdict of each row of the plan
    prd: list[tuple]  # PRD_HEAD: docking and security against the deadlines
    generated_at: datetime
    province: list[tuple] = ()  # PROVINCE_HEAD: the provincial platform against its targets
    masthead: Masthead = field(default_factory=Masthead)
    quality: list = field(default_factory=list)  # ServiceQuality per provider
    reads: dict = field(default_factory=dict)  # TracedStore.record(): reads and trace
    inputs_sha256: str = ""
    sections: list = field(default_factory=list)  # (id, title, head, rows) of registered ones
    departments: list = field(default_factory=list)  # DEPARTMENT_HEAD: provincial migration
    verdicts: Verdicts | None = None  # the judge's, as of the period's end

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
                 "network_availability": c.network_availability,
                 "completeness": c.completeness, "year_met": c.year_met,
                 "security_on_time": c.security_on_time}
                for c in self.cities
            ],
            "milestones": [list(m) for m in self.milestones],
            "prd": [list(p) for p in self.prd],
            "province": [list(p) for p in self.province],
            "departments": [list(d) for d in self.departments],
            **({"verdicts": verdict_record(self.verdicts)} if self.verdicts else {}),
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
    if not any(progress.live_at(n, period.end) for n in plan.nodes_of(Tier.city)):
        # what is missing is in the state database, not the store: say so
        raise BulletinError(
            f"评估期 {period.label} 结束前没有已上线的地市节点：状态数据库中没有任何进度记录"
            "（节点上线等），无法确定考核对象；用 gdwall progress add 记录，模拟省份用 gdwall "
            "backfill（同时写入进度记录）"
            if not progress.events
            else f"评估期 {period.label} 结束前没有已上线的地市节点（按已记录的进度），没有可考核的节点"
        )
    if all(c.availability is None and c.utilization is None for c in cities):
        raise BulletinError(f"评估期 {period.label} 内没有任何指标数据")
    end = min(period.end - timedelta(seconds=1), datetime.now(CHINA))  # a period under way: now
    judge = Judge(plan, progress, store, end)  # every verdict of the bulletin is the judge's
    with figure("verdicts"):
        verdicts = judge_all(judge)
    milestones = [milestone_row(v) for v in verdicts.milestones]
    province = [target_row(verdicts.targets[t]) for t in PROVINCE_TARGETS if t in verdicts.targets]
    province.append(target_row(verdicts.milestone("b1-disaster-recovery")))
    with figure("prd/figures"):
        shared = queries.node_figures(store, end)
    prd = [prd_row(n, verdicts, shared.get(n.id), judge) for n in plan.nodes_of(Tier.prd)]
    with figure("province/departments"):
        departments = department_rows(store, plan, end)
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
                    masthead, quality, store.record(), store.inputs_hash(rules), sections,
                    departments, verdicts)  # fmt: skip
