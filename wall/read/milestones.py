"""The plan's milestones decided as of an instant, from the progress events (and the store's
metrics, where a milestone is a target they measure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from wall.core.chinatime import deadline_end, on_time
from wall.core.plan.models import Milestone
from wall.core.progress import Progress


class MilestoneStatus(StrEnum):
    done_on_time = "done_on_time"
    done_late = "done_late"
    overdue = "overdue"  # open past its deadline
    open = "open"
    ongoing = "ongoing"  # the plan gives no deadline
    unknown = "unknown"  # needs metrics the caller could not provide


MILESTONE_STATUS_LABEL = {
    MilestoneStatus.done_on_time: "按期完成",
    MilestoneStatus.done_late: "逾期完成",
    MilestoneStatus.overdue: "逾期未完成",
    MilestoneStatus.open: "进行中",
    MilestoneStatus.ongoing: "持续推进",
    MilestoneStatus.unknown: "暂无数据",
}


@dataclass(frozen=True)
class MilestoneOutcome:
    milestone: Milestone
    status: MilestoneStatus
    done_at: datetime | None
    detail: str


class NotMeasured(LookupError):
    """No metric measures this target: progress events decide it."""


# Given a target and an instant, return when the metric first met the target (by then), or
# None if it has not; raise NotMeasured for targets no metric carries, LookupError when the
# data to decide is missing.
TargetReached = Callable[[str, datetime], datetime | None]


def evaluate_milestone(
    progress: Progress,
    milestone: Milestone,
    asof: datetime,
    target_reached: TargetReached | None = None,
) -> MilestoneOutcome:
    """Decide a milestone's status as of an instant from events (and metrics, if given)."""
    plan, crit = progress.plan, milestone.criterion
    done_at: datetime | None = None
    detail = ""
    if crit.kind == "ongoing":
        return MilestoneOutcome(milestone, MilestoneStatus.ongoing, None, "持续推进，无截止日期")
    if crit.kind == "event" or (crit.kind == "target" and target_reached is None):
        done_at = progress.milestone_met_at(milestone, asof)
        if crit.kind == "target" and done_at is None:
            return MilestoneOutcome(milestone, MilestoneStatus.unknown, None, "需要指标数据")
    elif crit.kind == "target":
        try:
            done_at = target_reached(crit.target, asof)
        except NotMeasured:
            # a target no metric carries (e-seal deployed…) is met when it is recorded as met
            done_at = progress.milestone_met_at(milestone, asof)
        except LookupError as exc:
            return MilestoneOutcome(milestone, MilestoneStatus.unknown, None, str(exc))
    elif crit.kind == "nodes":
        times = [progress.reached_at(plan.node(n), crit.state, asof) for n in crit.nodes]
        reached = sum(t is not None for t in times)
        detail = f"{reached}/{len(times)}"
        done_at = max(times) if all(times) else None
    elif crit.kind == "count":
        nodes = plan.nodes_of(crit.tier)
        times = sorted(t for n in nodes if (t := progress.reached_at(n, crit.state, asof)))
        detail = f"{len(times)}/{crit.count}"
        done_at = times[crit.count - 1] if len(times) >= crit.count else None
    elif crit.kind == "per_node":
        return _per_node(progress, milestone, asof)
    return _outcome(milestone, done_at, asof, detail)


def _outcome(milestone: Milestone, done_at, asof: datetime, detail: str) -> MilestoneOutcome:
    deadline = milestone.deadline
    if done_at is not None:
        late = deadline is not None and not on_time(done_at, deadline)
        status = MilestoneStatus.done_late if late else MilestoneStatus.done_on_time
    elif deadline is not None and asof >= deadline_end(deadline):
        status = MilestoneStatus.overdue
    else:
        status = MilestoneStatus.open
    return MilestoneOutcome(milestone, status, done_at, detail)


def _per_node(progress: Progress, milestone: Milestone, asof: datetime) -> MilestoneOutcome:
    """Per-node milestones: each node's own deadline is months after it went live."""
    from wall.core.chinatime import add_months, china_date

    plan = progress.plan
    target = plan.target(milestone.criterion.target)
    nodes = [n for n in plan.nodes if n.tier in milestone.criterion.tiers]
    if target.metric != "security_platform":
        # Utilization and migration rate need the store's metrics (the evaluation model).
        return MilestoneOutcome(milestone, MilestoneStatus.unknown, None, "需要指标数据")
    months = target.within_months_of_live or 0
    done, late, overdue = [], [], []
    for node in nodes:
        live = progress.live_at(node, asof)
        deployed = progress.security_platform_at(node, asof)
        due: date | None = add_months(china_date(live), months) if live else None
        if milestone.deadline is not None:
            due = min(due, milestone.deadline) if due else milestone.deadline
        if deployed is not None:
            (late if due and not on_time(deployed, due) else done).append(deployed)
        elif due is not None and asof >= deadline_end(due):
            overdue.append(node.id)
    detail = f"{len(done) + len(late)}/{len(nodes)}"
    if overdue:
        return MilestoneOutcome(milestone, MilestoneStatus.overdue, None, detail)
    if len(done) + len(late) == len(nodes):
        finished = max(done + late)
        status = MilestoneStatus.done_late if late else MilestoneStatus.done_on_time
        return MilestoneOutcome(milestone, status, finished, detail)
    return MilestoneOutcome(milestone, MilestoneStatus.open, None, detail)
