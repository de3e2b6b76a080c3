"""The links file: the government extranet (电子政务外网) links the wall watches, as data.

Each link runs from a provincial centre to a plan node, or to a 梅州 county site that is not a
plan node (the 网随云动 demonstration, 重点任务（五）); it names its carrier, its contracted
bandwidth, the probe targets at its far end (what the blackbox exporter probes from the
centre), the router interface that carries it where one is readable over SNMP, and the plan
milestones it counts for (市县两级政务外网改造, 全部梅州政务外网改造). Validated on load with file,
line and field for every problem, and cross-checked against the plan registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from wall.core.configfile import ConfigError, Problem, YamlDocument, load_yaml, parse_model
from wall.core.plan.models import NodeId, Plan, Tier

LinkId = Annotated[str, StringConstraints(pattern=r"^link-[a-z0-9]+(-[a-z0-9]+)*$")]
LINKS_FILE = Path(__file__).with_name("plan") / "links.yaml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Probe(Strict):
    """One target the blackbox exporter probes at the link's far end, with one of its
    modules (TCP and HTTP: ICMP needs raw sockets an unprivileged exporter lacks)."""

    target: str = Field(min_length=1, description="host:port for tcp_connect, a URL for http")
    module: str = Field("tcp_connect", pattern=r"^[A-Za-z0-9_]+$")


class Interface(Strict):
    """The router interface carrying the link, read by the snmp exporter."""

    router: str = Field(min_length=1, description="the router's address for the snmp exporter")
    if_index: int = Field(gt=0, description="IF-MIB ifIndex of the interface")
    snmp_module: str = Field("if_mib", pattern=r"^[A-Za-z0-9_]+$")


class Link(Strict):
    id: LinkId
    name: str = Field(min_length=1, description="as the wall shows it: 省中心—梅州 …")
    source: NodeId = Field(description="the provincial centre the link starts from")
    node: NodeId = Field(description="the plan node at the far end, or the city of a county site")
    site: str | None = Field(None, description="a county site that is not a plan node (梅县区 …)")
    carrier: str = Field(min_length=1)
    mbps: float = Field(gt=0, description="contracted bandwidth, Mbit/s")
    probes: list[Probe] = Field(min_length=1)
    interface: Interface | None = None
    milestones: list[str] = Field(default_factory=list, description="plan milestones it counts for")

    @property
    def label(self) -> str:
        return self.site or self.name


class LinksFile(Strict):
    schema_version: Literal[1]
    kind: Literal["links"]
    links: list[Link]

    def of_node(self, node: str) -> list[Link]:
        return [link for link in self.links if link.node == node]

    def for_milestone(self, milestone_id: str) -> list[Link]:
        return [link for link in self.links if milestone_id in link.milestones]


def check_links(doc: YamlDocument, links: LinksFile, plan: Plan | None) -> list[Problem]:
    """Every problem that types alone do not catch, references to the plan included."""
    problems: list[Problem] = []
    seen: set[str] = set()
    nodes = {n.id: n for n in plan.nodes} if plan else None
    milestones = {m.id for m in plan.milestones} if plan else None
    for i, link in enumerate(links.links):
        if link.id in seen:
            problems.append(doc.problem(("links", i, "id"), f"duplicate link {link.id!r}"))
        seen.add(link.id)
        targets = [p.target for p in link.probes]
        for j, target in enumerate(targets):
            if target in targets[:j]:
                problems.append(doc.problem(("links", i, "probes", j, "target"),
                                            f"target {target!r} probed twice"))  # fmt: skip
        if nodes is None:
            continue
        if link.source not in nodes:
            problems.append(doc.problem(("links", i, "source"), f"node {link.source!r} is not in the plan"))  # fmt: skip
        elif nodes[link.source].tier != Tier.province:
            problems.append(doc.problem(("links", i, "source"),
                                        f"{link.source!r} is not a provincial centre"))  # fmt: skip
        if link.node not in nodes:
            problems.append(doc.problem(("links", i, "node"), f"node {link.node!r} is not in the plan"))  # fmt: skip
        for j, milestone in enumerate(link.milestones):
            if milestones is not None and milestone not in milestones:
                problems.append(doc.problem(("links", i, "milestones", j),
                                            f"milestone {milestone!r} is not in the plan"))  # fmt: skip
    return problems


def load_links(path: str | Path | None = None, plan: Plan | None = None) -> LinksFile:
    """Load a links file (the shipped one by default); with a plan, check what it names."""
    doc = load_yaml(path or LINKS_FILE)
    links = parse_model(doc, LinksFile)
    problems = check_links(doc, links, plan)
    if problems:
        raise ConfigError(problems)
    return links


# the links file this process uses (the settings' GDWALL_LINKS_FILE, or the shipped one): the
# wall's map, pages and judge and the bulletins read the same links
_in_use: LinksFile | None = None


def use(links: LinksFile | None) -> None:
    """Have this process use these links (None: the shipped file)."""
    global _in_use
    _in_use = links


def in_use() -> LinksFile:
    """The links this process uses (the shipped file until use() says otherwise)."""
    global _in_use
    if _in_use is None:
        _in_use = load_links()
    return _in_use
