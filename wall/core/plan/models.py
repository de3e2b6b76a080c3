"""Typed models of the plan registry (one YAML file per plan, see guangdong-2019.yaml)."""

from __future__ import annotations

import functools
import hashlib
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

NodeId = Annotated[str, StringConstraints(pattern=r"^(prov|city|prd|ind)-[a-z0-9]+(-[a-z0-9]+)*$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(StrEnum):
    province = "province"  # 省级政务云: the provincial platform's data centres
    city = "city"  # 省统筹地市节点: the 14 province-managed city nodes
    prd = "prd"  # 珠三角自建: the Pearl River Delta cities' own clouds, docked to the province
    industry = "industry"  # 特色行业云: sector clouds docked case by case


TIER_PREFIX = {Tier.province: "prov", Tier.city: "city", Tier.prd: "prd", Tier.industry: "ind"}
TIER_LABEL = {
    Tier.province: "省级政务云",
    Tier.city: "省统筹地市节点",
    Tier.prd: "珠三角自建云",
    Tier.industry: "特色行业云",
}


class NodeState(StrEnum):
    planned = "planned"
    building = "building"
    online = "online"
    not_docked = "not_docked"
    displayed = "displayed"
    interop = "interop"


STATE_LABEL = {
    NodeState.planned: "规划中",
    NodeState.building: "建设中",
    NodeState.online: "已上线",
    NodeState.not_docked: "未对接",
    NodeState.displayed: "统一展示",
    NodeState.interop: "资源互通",
}

# States a tier's nodes move through, in order; a node's state is the last one reached.
TIER_STATES: dict[Tier, tuple[NodeState, ...]] = {
    Tier.province: (NodeState.planned, NodeState.building, NodeState.online),
    Tier.city: (NodeState.planned, NodeState.building, NodeState.online),
    Tier.prd: (NodeState.not_docked, NodeState.displayed, NodeState.interop),
    Tier.industry: (NodeState.not_docked, NodeState.displayed, NodeState.interop),
}


class Provider(Strict):
    id: Slug
    name: Text
    named_in_plan: bool = Field(
        description="True when the plan document names this party; False for parties the plan "
        "leaves to local selection, whose real names are a deployment fact to fill in."
    )


class Node(Strict):
    id: NodeId
    tier: Tier
    name: Text
    city: Text | None = None
    adcode: int | None = None
    provider: Slug
    deadline: date | None = Field(
        None, description="City nodes: built by this day; PRD and industry clouds: docked by."
    )
    pilot: bool = False
    live_before_plan: bool = Field(
        False, description="Already serving when the plan was issued (the provincial centres)."
    )
    note: str | None = None

    @property
    def states(self) -> tuple[NodeState, ...]:
        return TIER_STATES[self.tier]


class Target(Strict):
    id: Slug
    title: Text
    section: str = Field("", description="Where the plan says it: 二（一）, 附件第1项…")
    metric: Ident = Field(description="What measures it, as named by the query layer.")
    scope: list[Tier] = Field(min_length=1)
    op: Literal[">=", "<=", "=="] = ">="
    value: float | None = Field(None, description="None for yes/no targets (deployed or not).")
    unit: str | None = None
    since: date | None = None
    deadline: date | None = None
    within_months_of_live: int | None = Field(None, ge=1, le=120)
    note: str | None = None


class TargetCriterion(Strict):
    kind: Literal["target"]
    target: Slug


class NodesCriterion(Strict):
    kind: Literal["nodes"]
    nodes: list[NodeId] = Field(min_length=1)
    state: NodeState


class CountCriterion(Strict):
    kind: Literal["count"]
    tier: Tier
    state: NodeState
    count: int = Field(ge=1)


class PerNodeCriterion(Strict):
    kind: Literal["per_node"]
    tiers: list[Tier] = Field(min_length=1)
    target: Slug


class EventCriterion(Strict):
    """Met when a progress event records it (of: another milestone's event decides it, e.g. a
    checkpoint of the same task with its own date)."""

    kind: Literal["event"]
    of: Slug | None = None


class SecurityCountCriterion(Strict):
    """At least `count` nodes of the tiers with their security operations platform (docked:
    and docked to the province's platform too)."""

    kind: Literal["security_count"]
    tiers: list[Tier] = Field(min_length=1)
    count: int = Field(ge=1)
    docked: bool = False


class CityYearCriterion(Strict):
    """Each node of its tier judged on the first anniversary of its going live, against the
    targets named (all must hold)."""

    kind: Literal["city_year"]
    targets: list[Slug] = Field(min_length=1)


class DisasterRecoveryCriterion(Strict):
    """两地三中心: every provincial data centre online (and, seen live, answering)."""

    kind: Literal["disaster_recovery"]


class LinksCriterion(Strict):
    """Met when every extranet link the links file marks for the milestone has answered probes
    on `days` days (a link without probes counts by the milestone's progress event, the
    evidence where no probe exists)."""

    kind: Literal["links"]
    days: int = Field(7, ge=1, le=365)


class OngoingCriterion(Strict):
    kind: Literal["ongoing"]


Criterion = Annotated[
    TargetCriterion
    | NodesCriterion
    | CountCriterion
    | PerNodeCriterion
    | EventCriterion
    | OngoingCriterion
    | SecurityCountCriterion
    | CityYearCriterion
    | DisasterRecoveryCriterion
    | LinksCriterion,
    Field(discriminator="kind"),
]


class Milestone(Strict):
    id: Slug
    seq: Text = Field(description="The row of the plan's attachment, e.g. 2a, or the step.")
    title: Text
    section: Text = Field(description="Where the plan says it: 附件第2项, 三（一）, 二（一）…")
    deadline: date | None = None
    criterion: Criterion
    lead: list[Text] = Field(default_factory=list, description="牵头部门, as the plan names them.")
    cooperate: list[Text] = Field(default_factory=list, description="配合部门 (none: none named).")
    checkpoint: bool = Field(
        False,
        description="A date of the implementation steps or a requirement of the body: shown, but "
        "the attachment's row of the same task sets the colour, the alert and the score.",
    )
    note: str | None = None


class Period(Strict):
    start: date
    end: date


class Plan(Strict):
    schema_version: Literal[1]
    kind: Literal["plan"]
    id: Slug
    title: Text
    document: Text
    issuer: Text
    period: Period
    providers: list[Provider] = Field(min_length=1)
    nodes: list[Node] = Field(min_length=1)
    targets: list[Target]
    milestones: list[Milestone]

    @functools.cached_property
    def cache_name(self) -> str:
        """Names this plan's content in query-cache keys (an edited plan is another plan)."""
        digest = hashlib.sha1(self.model_dump_json().encode(), usedforsecurity=False)
        return f"plan:{self.id}:{digest.hexdigest()[:12]}"

    def node(self, node_id: str) -> Node:
        """Return the node with this id; KeyError naming it if the plan has none."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(f"unknown node {node_id!r}")

    def nodes_of(self, tier: Tier) -> list[Node]:
        """Return the plan's nodes of one tier, in registry order."""
        return [n for n in self.nodes if n.tier == tier]

    def target(self, target_id: str) -> Target:
        """Return the target with this id; KeyError naming it if the plan has none."""
        for t in self.targets:
            if t.id == target_id:
                return t
        raise KeyError(f"unknown target {target_id!r}")

    def milestone(self, milestone_id: str) -> Milestone:
        """Return the milestone with this id; KeyError naming it if the plan has none."""
        for m in self.milestones:
            if m.id == milestone_id:
                return m
        raise KeyError(f"unknown milestone {milestone_id!r}")

    def provider(self, provider_id: str) -> Provider:
        """Return the provider with this id; KeyError naming it if the plan has none."""
        for p in self.providers:
            if p.id == provider_id:
                return p
        raise KeyError(f"unknown provider {provider_id!r}")
