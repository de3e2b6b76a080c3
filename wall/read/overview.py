"""The plan-versus-actual view of the province as of an instant, computed once per refresh:
each node's state, and the judge's verdicts on every milestone, target and node.

Pure data: panels draw it, tests check it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wall.core.plan.models import Milestone, Node, NodeState, Plan, Tier
from wall.read.judge import Judge, Verdict, Verdicts, judge_all
from wall.read.queries import Figure


@dataclass(frozen=True)
class NodeView:
    node: Node
    state: NodeState
    live_at: datetime | None
    built: Verdict  # the node's own deadline (built / docked), from the judge

    @property
    def late(self) -> bool:
        """Reached the state the plan asks for after its deadline, or not yet and overdue."""
        return self.built.state.value in ("met_late", "overdue")

    @property
    def done(self) -> bool:
        """Has reached the state the plan asks for."""
        return self.built.met


@dataclass(frozen=True)
class Overview:
    plan: Plan
    asof: datetime
    nodes: list[NodeView]
    verdicts: Verdicts
    figures: dict[str, Figure]  # provincial figures by metric: vcpu_total, systems_migrated

    @property
    def milestones(self) -> list[Verdict]:
        return self.verdicts.milestones

    def count(self, tier: Tier, *states: NodeState) -> int:
        """How many nodes of a tier are in one of the given states."""
        return sum(1 for v in self.nodes if v.node.tier == tier and v.state in states)

    def total(self, tier: Tier) -> int:
        """How many nodes the plan has in a tier."""
        return sum(1 for v in self.nodes if v.node.tier == tier)


def build_overview(
    judge: Judge,
    figures: dict[str, Figure] | None = None,
    milestones: Callable[[Milestone], bool] | None = None,
    scope: Node | None = None,
) -> Overview:
    """Every node's state and the judge's verdicts (with a scope: that node's, and the
    milestones `milestones` keeps) as of the judge's instant."""
    plan, progress, asof = judge.plan, judge.progress, judge.asof
    verdicts = judge_all(judge, scope, milestones)
    views = [
        NodeView(n, progress.state(n, asof), progress.live_at(n, asof),
                 verdicts.built.get(n.id) or judge.built(n))
        for n in plan.nodes
    ]  # fmt: skip
    return Overview(plan, asof, views, verdicts, figures or {})


def concerns(milestone: Milestone, node: Node, plan: Plan) -> bool:
    """Whether a milestone of the plan is about this node (by name, tier or target scope)."""
    c = milestone.criterion
    if c.kind == "nodes":
        return node.id in c.nodes
    if c.kind == "count":
        return c.tier == node.tier
    if c.kind in ("per_node", "security_count"):
        return node.tier in c.tiers
    if c.kind == "city_year":
        return node.tier == Tier.city
    if c.kind == "target":
        return node.tier in plan.target(c.target).scope and plan.target(c.target).metric not in (
            "mlps_compliance",
        )
    return False
