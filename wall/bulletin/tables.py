"""The bulletin's tables as every format writes them (their column heads in one place), each
row made from the judge's verdicts."""

from __future__ import annotations

from datetime import datetime

from wall.core.chinatime import CHINA, format_cn_date
from wall.core.formats import compact_cities
from wall.core.plan.models import STATE_LABEL, NodeState, Plan, Tier
from wall.read import queries
from wall.read.judge import Judge, Verdict
from wall.store import Store

# the tables the bulletin's formats write: their heads, one place
MILESTONE_HEAD = [
    "序号",
    "工作任务",
    "方案出处",
    "计划完成",
    "状态",
    "完成日期/现状",
    "牵头部门",
    "配合部门",
]
PROVINCE_HEAD = ["指标（方案出处）", "目标", "截止", "期末数值", "状态", "说明"]
PRD_HEAD = ["自建云", "对接阶段", "展示对接", "计划对接", "对接状态", "安全平台对接", "安全平台期限",
            "安全平台状态", "云资源整体使用率"]  # fmt: skip
DEPARTMENT_HEAD = ["部门", "计划迁移", "已迁移", "迁移率"]


def _date(d) -> str:
    if d is None:
        return ""
    return format_cn_date(d.astimezone(CHINA).date() if isinstance(d, datetime) else d)


def milestone_row(v: Verdict) -> tuple:
    done = _date(v.met_at) or "；".join(x for x in (v.figure_text, v.reason) if x)
    return (v.seq, v.title, v.section, _date(v.due) or "持续", v.label, done,
            "、".join(compact_cities(u) for u in v.lead) or "—",
            "、".join(compact_cities(u) for u in v.cooperate) or "—")  # fmt: skip


def target_row(v: Verdict) -> tuple:
    note = "；".join(x for x in (v.reason, f"达标 {_date(v.met_at)}" if v.met_at else "") if x)
    return (f"{v.title}（{v.section}）", v.goal_text or "—", _date(v.due) or "持续",
            v.figure_text or "—", v.label, note)  # fmt: skip


def prd_row(node, verdicts, figures, judge: Judge) -> tuple:
    built, sec = verdicts.built[node.id], verdicts.security[node.id]
    docked = judge.progress.reached_at(node, NodeState.displayed, judge.asof)
    util = figures.utilization if figures is not None else None
    return (node.name, STATE_LABEL[judge.progress.state(node, judge.asof)], _date(docked) or "—",
            _date(node.deadline) or "—", built.label, _date(sec.met_at) or "—", _date(sec.due) or "—",
            sec.label, "—" if util is None else f"{util:.1%}")  # fmt: skip


def department_rows(store: Store, plan: Plan, end: datetime) -> list[tuple]:
    """The provincial departments' systems (二（六）: ≥400 by 2019, ≥1,000 by 2020) at the
    period's end, by department, summed over the provincial data centres."""
    counts = queries.counters(store, "migration", queries.MIGRATION_FIELDS, end)
    prov = {n.id for n in plan.nodes_of(Tier.province)}
    mine = counts[counts["node"].isin(prov)] if not counts.empty else counts
    if mine.empty:
        return []
    by = mine.groupby("dept")[["systems_planned", "systems_migrated"]].sum()
    rows = [(dept, int(r.systems_planned), int(r.systems_migrated),
             f"{r.systems_migrated / r.systems_planned:.1%}" if r.systems_planned else "—")
            for dept, r in by.iterrows()]  # fmt: skip
    total = by.sum()
    rows.append(("合计", int(total.systems_planned), int(total.systems_migrated),
                 f"{total.systems_migrated / total.systems_planned:.1%}" if total.systems_planned else "—"))  # fmt: skip
    return rows
