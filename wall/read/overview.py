"""The plan-versus-actual view of the province as of an instant, computed once per refresh.

Pure data: panels draw it, tests check it. Metrics from the store join it in the store issue;
until then every figure here comes from the plan and the recorded progress events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wall.core.plan.models import Milestone, Node, NodeState, Plan, Tier
from wall.core.progress import Progress
from wall.read.milestones import MilestoneOutcome, TargetReached, evaluate_milestone
from wall.read.queries import Figure


@dataclass(frozen=True)
class NodeView:
    node: Node
    state: NodeState
    live_at: datetime | None
    late: bool  # reached the state the plan asks for after its deadline, or not yet and overdue
    done: bool  # has reached the state the plan asks for


@dataclass(frozen=True)
class Overview:
    plan: Plan
    asof: datetime
    nodes: list[NodeView]
    milestones: list[MilestoneOutcome]
    figures: dict[str, Figure]  # provincial figures by metric: vcpu_total, systems_migrated

    def count(self, tier: Tier, *states: NodeState) -> int:
        """How many nodes of a tier are in one of the given states."""
        return sum(1 for v in self.nodes if v.node.tier == tier and v.state in states)

    def total(self, tier: Tier) -> int:
        """How many nodes the plan has in a tier."""
        return sum(1 for v in self.nodes if v.node.tier == tier)


def _done_state(node: Node) -> NodeState:
    return NodeState.online if node.tier in (Tier.city, Tier.province) else NodeState.displayed


def build_overview(
    plan: Plan,
    progress: Progress,
    asof: datetime,
    figures: dict[str, Figure] | None = None,
    target_reached: TargetReached | None = None,
    milestones: Callable[[Milestone], bool] | None = None,
) -> Overview:
    """Evaluate every node's state and every milestone (or those `milestones` keeps) as of an
    instant (metrics, when the caller has them, decide the milestones that are targets)."""
    from wall.core.chinatime import deadline_end

    views = []
    for node in plan.nodes:
        state = progress.state(node, asof)
        reached = progress.reached_at(node, _done_state(node), asof)
        late = node.deadline is not None and (
            (reached is None and asof >= deadline_end(node.deadline))
            or (reached is not None and reached >= deadline_end(node.deadline))
        )
        views.append(NodeView(node, state, progress.live_at(node, asof), late, reached is not None))
    outcomes = [
        evaluate_milestone(progress, m, asof, target_reached)
        for m in plan.milestones
        if milestones is None or milestones(m)
    ]
    return Overview(plan, asof, views, outcomes, figures or {})


def concerns(milestone: Milestone, node: Node, plan: Plan) -> bool:
    """Whether a milestone of the plan is about this node (by name, tier or target scope)."""
    c = milestone.criterion
    if c.kind == "nodes":
        return node.id in c.nodes
    if c.kind == "count":
        return c.tier == node.tier
    if c.kind == "per_node":
        return node.tier in c.tiers
    if c.kind == "target":
        return node.tier in plan.target(c.target).scope
    return False
