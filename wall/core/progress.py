"""Actual progress against the plan: dated events, and the states of the plan's nodes they
imply as of any date. (Their storage is wall.state.progress; what they mean for the plan's
milestones is the read layer's.)

The plan says what should happen; these events say what did. Both are needed to show plan
versus actual, and neither is ever written into the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from wall.core.chinatime import utc
from wall.core.plan.models import Milestone, Node, NodeState, Plan, Tier


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
