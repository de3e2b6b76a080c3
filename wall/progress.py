"""Actual progress against the plan: dated events, and the states and milestone outcomes
they imply as of any date.

The plan says what should happen; these events say what did. Both are needed to show plan
versus actual, and neither is ever written into the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from wall.chinatime import deadline_end, now_utc, on_time, utc
from wall.plan.models import Milestone, Node, NodeState, Plan, Tier
from wall.state.db import StateConnection


class EventKind(StrEnum):
    node_building = "node_building"  # construction of a city node started
    node_live = "node_live"  # a city node's cloud service went live
    docking_stage = "docking_stage"  # a PRD or industry cloud reached displayed / interop
    security_platform = "security_platform"  # a node's security operations platform docked
    milestone_met = "milestone_met"  # a milestone recorded as met (for event milestones)


_KIND_TIERS = {
    EventKind.node_building: (Tier.city, Tier.province),
    EventKind.node_live: (Tier.city, Tier.province),
    EventKind.docking_stage: (Tier.prd, Tier.industry),
    EventKind.security_platform: (Tier.city, Tier.prd, Tier.province, Tier.industry),
}
DOCKING_STAGES = (NodeState.displayed, NodeState.interop)


class ProgressError(ValueError):
    """A progress event that contradicts the plan (unknown subject, wrong kind for a tier)."""


@dataclass(frozen=True)
class ProgressEvent:
    kind: EventKind
    subject: str  # a node id, or a milestone id for milestone_met
    occurred_at: datetime  # aware, UTC
    evidence: str
    recorded_by: str
    stage: NodeState | None = None  # docking_stage only
    origin: str = "manual"  # manual, simulator, import


def validate_event(plan: Plan, event: ProgressEvent) -> None:
    """Raise ProgressError unless the event fits the plan's nodes and milestones."""
    utc(event.occurred_at)
    if not event.evidence.strip():
        raise ProgressError("evidence is required: say how this is known (document, ticket…)")
    if not event.recorded_by.strip():
        raise ProgressError("recorded_by is required")
    if event.kind == EventKind.milestone_met:
        try:
            plan.milestone(event.subject)
        except KeyError as exc:
            raise ProgressError(str(exc.args[0])) from None
        return
    try:
        node = plan.node(event.subject)
    except KeyError as exc:
        raise ProgressError(str(exc.args[0])) from None
    tiers = _KIND_TIERS[event.kind]
    if node.tier not in tiers:
        raise ProgressError(f"{event.kind} does not apply to {node.tier} node {node.id}")
    if event.kind == EventKind.docking_stage and event.stage not in DOCKING_STAGES:
        raise ProgressError("a docking_stage event needs stage displayed or interop")
    if event.kind != EventKind.docking_stage and event.stage is not None:
        raise ProgressError(f"{event.kind} takes no stage")


def add_event(conn: StateConnection, plan: Plan, event: ProgressEvent) -> bool:
    """Record an event; return False if the identical event was already recorded."""
    validate_event(plan, event)
    with conn:
        cur = conn.execute(
            "INSERT INTO progress_events (kind, subject, stage, occurred_at, evidence,"
            " recorded_by, recorded_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                event.kind.value,
                event.subject,
                event.stage.value if event.stage else "",
                utc(event.occurred_at).isoformat(),
                event.evidence,
                event.recorded_by,
                now_utc().isoformat(),
                event.origin,
            ),
        )
    return cur.rowcount == 1


def list_events(conn: StateConnection, subject: str | None = None) -> list[ProgressEvent]:
    """Return recorded events in time order, optionally for one subject."""
    sql = (
        "SELECT kind, subject, stage, occurred_at, evidence, recorded_by, origin"
        " FROM progress_events"
    )
    args: tuple = ()
    if subject is not None:
        sql += " WHERE subject = ?"
        args = (subject,)
    rows = conn.execute(sql + " ORDER BY occurred_at, id", args).fetchall()
    return [
        ProgressEvent(
            kind=EventKind(kind),
            subject=subj,
            stage=NodeState(stage) if stage else None,
            occurred_at=datetime.fromisoformat(ts),
            evidence=evidence,
            recorded_by=by,
            origin=origin,
        )
        for kind, subj, stage, ts, evidence, by, origin in rows
    ]


class Progress:
    """The recorded events, indexed for questions asked as of an instant."""

    def __init__(self, plan: Plan, events: Iterable[ProgressEvent]):
        self.plan = plan
        self.events = sorted(events, key=lambda e: e.occurred_at)

    def digest(self, asof: datetime | None = None) -> str:
        """A hash of the events recorded by asof (what questions as of asof can depend on)."""
        text = "\n".join(
            f"{e.kind}|{e.subject}|{e.occurred_at.isoformat()}|{e.stage or ''}"
            for e in self.events
            if asof is None or e.occurred_at <= asof
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def _first(self, kind: EventKind, subject: str, asof: datetime, stage=None) -> datetime | None:
        for e in self.events:
            if e.occurred_at > asof:
                break
            if e.kind == kind and e.subject == subject and (stage is None or e.stage == stage):
                return e.occurred_at
        return None

    def live_at(self, node: Node, asof: datetime) -> datetime | None:
        """When the node went live (city/province) or first docked (PRD/industry), if by asof."""
        if node.live_before_plan:
            return datetime.combine(self.plan.period.start, datetime.min.time()).replace(
                tzinfo=asof.tzinfo
            )
        if node.tier in (Tier.city, Tier.province):
            return self._first(EventKind.node_live, node.id, asof)
        return self.reached_at(node, NodeState.displayed, asof)

    def reached_at(self, node: Node, state: NodeState, asof: datetime) -> datetime | None:
        """When the node first reached `state` or a later one in its tier's order, by asof."""
        order = node.states
        if state not in order:
            return None
        if node.tier in (Tier.city, Tier.province):
            if state == NodeState.planned:
                return datetime.min.replace(tzinfo=asof.tzinfo)
            live = self.live_at(node, asof)
            if state == NodeState.online:
                return live
            building = self._first(EventKind.node_building, node.id, asof)
            return min((t for t in (building, live) if t), default=None)
        if state == NodeState.not_docked:
            return datetime.min.replace(tzinfo=asof.tzinfo)
        later = order[order.index(state) :]
        times = [self._first(EventKind.docking_stage, node.id, asof, s) for s in later]
        return min((t for t in times if t), default=None)

    def state(self, node: Node, asof: datetime) -> NodeState:
        """The node's state at instant asof."""
        for candidate in reversed(node.states):
            if self.reached_at(node, candidate, asof) is not None:
                return candidate
        return node.states[0]

    def security_platform_at(self, node: Node, asof: datetime) -> datetime | None:
        """When the node's security operations platform was deployed, if by asof."""
        return self._first(EventKind.security_platform, node.id, asof)

    def milestone_met_at(self, milestone: Milestone, asof: datetime) -> datetime | None:
        """When a milestone was recorded as met, if by asof."""
        return self._first(EventKind.milestone_met, milestone.id, asof)


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
    from wall.chinatime import add_months, china_date

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
