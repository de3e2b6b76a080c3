"""The sources file: which source feeds which nodes — the only place that says so.

Validated on load with file, line and field for every problem, and cross-checked against
the plan registry so that a source can never feed a node the plan does not have.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from wall.core.configfile import ConfigError, Problem, YamlDocument, load_yaml, parse_model
from wall.core.plan.models import NodeId, Plan

SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# the source types a sources file may name: the built-in ones, and those registered at run time
# (collectors.registry.register adds to it)
SOURCE_TYPES: set[str] = {"prometheus", "exposition", "http_json", "inventory", "simulator",
                          "blackbox", "snmp"}  # fmt: skip


# PromQL label matchers as operators write them: {job="meizhou", instance=~"10\.44\..*"}
_MATCHERS = re.compile(r"""^\{\s*[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*"""
                       r"""(,\s*[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*)*,?\s*\}$""")  # fmt: skip


def matchers(text: str) -> str:
    """PromQL label matchers ({job="x", instance=~"…"}), checked; a ValueError says why."""
    text = text.strip()
    if not _MATCHERS.match(text):
        raise ValueError(f'not PromQL label matchers like {{job="meizhou"}}: {text!r}')
    return text


class NodeRegex(BaseModel):
    r"""Series belong to the node whose id a label's value holds: `pattern` matches the whole
    value, its group `node` is the node id (e.g. label instance, pattern
    `(?P<node>city-[a-z]+)\.gov:9100`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _one_node_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if "node" not in compiled.groupindex:
            raise ValueError("the pattern needs a group (?P<node>…) holding the node id")
        return value

    def matcher_for(self, node: str) -> str:
        """The PromQL matcher selecting this node's series: the pattern with its node group
        replaced by the node id itself."""
        start = self.pattern.index("(?P<node>")
        depth, end, i = 0, start, start
        while i < len(self.pattern):  # the group's closing parenthesis, escapes skipped
            ch = self.pattern[i]
            if ch == "\\":
                i += 2
                continue
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                end = i
                break
            i += 1
        regex = self.pattern[:start] + re.escape(node) + self.pattern[end + 1 :]
        escaped = regex.replace("\\", "\\\\").replace('"', '\\"')
        return f'{{{self.label}=~"{escaped}"}}'


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SourceName
    type: str = Field(description="A source type: prometheus, exposition, http_json, …")
    url: str | None = None
    mapping: str | None = None
    nodes: list[NodeId] = Field(min_length=1)
    interval_s: float = Field(60.0, gt=0)
    timeout_s: float = Field(10.0, gt=0)
    node_label: str | None = Field(
        None, description="Label carrying the node id in Prometheus (default: the mapping's)."
    )
    node_match: dict[NodeId, Annotated[str, AfterValidator(matchers)]] | None = Field(
        None, description='Per node, the PromQL label matchers of its series: {job="meizhou"}.'
    )
    node_regex: NodeRegex | None = Field(
        None, description="A label and a regular expression whose group `node` is the node id."
    )

    def node_matchers(self) -> dict[str, str] | None:
        """Per node, the label matchers of its series, when the source says it so (node_match,
        node_regex); None when a label carries the node id."""
        if self.node_match is not None:
            return {n: m for n, m in self.node_match.items() if n in self.nodes}
        if self.node_regex is not None:
            return {n: self.node_regex.matcher_for(n) for n in self.nodes}
        return None

    links_file: Path | None = Field(
        None, description="blackbox, snmp: the links file it probes or reads (default: shipped)."
    )
    loss_window_s: float = Field(
        300.0, gt=0, description="blackbox: the window a link's loss is the share of failures in."
    )
    auth_header_env: str | None = Field(
        None, description="Environment variable holding the Authorization header (never inline)."
    )
    ca_file: Path | None = Field(
        None,
        description="CA bundle (PEM) that signs the source's certificate, for https URLs; "
        "without it the system's bundle. Certificates are always verified.",
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SOURCE_TYPES:
            raise ValueError(
                f"unknown source type {value!r} (known: {', '.join(sorted(SOURCE_TYPES))})"
            )
        return value


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    kind: Literal["sources"]
    sources: list[Source]


def check_sources(doc: YamlDocument, sources: SourcesFile, plan: Plan | None) -> list[Problem]:
    """Return every problem that types alone do not catch, including references to the plan."""
    problems: list[Problem] = []
    seen: set[str] = set()
    node_ids = {n.id for n in plan.nodes} if plan else None
    for i, source in enumerate(sources.sources):
        if source.name in seen:
            problems.append(
                doc.problem(("sources", i, "name"), f"duplicate source {source.name!r}")
            )
        seen.add(source.name)
        if source.timeout_s > source.interval_s:
            problems.append(
                doc.problem(("sources", i, "timeout_s"), "longer than the source's interval_s")
            )
        if source.type != "simulator" and not source.url:
            problems.append(doc.problem(("sources", i, "url"), f"a {source.type} source needs url"))
        ways = [w for w in ("node_label", "node_match", "node_regex") if getattr(source, w)]
        if len(ways) > 1:
            problems.append(doc.problem(("sources", i, ways[1]),
                                        f"say how series belong to nodes one way: {' or '.join(ways)}"))  # fmt: skip
        for node in source.node_match or {}:
            if node not in source.nodes:
                problems.append(doc.problem(("sources", i, "node_match", node),
                                            f"node {node!r} is not among the source's nodes"))  # fmt: skip
        for way in ways:
            if source.type not in ("prometheus", "exposition"):
                problems.append(doc.problem(("sources", i, way),
                                            f"{way} is for prometheus and exposition sources"))  # fmt: skip
        if source.links_file is not None and source.type not in ("blackbox", "snmp"):
            problems.append(doc.problem(("sources", i, "links_file"),
                                        "links_file is for blackbox and snmp sources"))  # fmt: skip
        elif source.links_file is not None and not source.links_file.is_file():
            problems.append(
                doc.problem(("sources", i, "links_file"), f"no such file: {source.links_file}")
            )
        if source.ca_file is not None and not source.ca_file.is_file():
            problems.append(
                doc.problem(("sources", i, "ca_file"), f"no such file: {source.ca_file}")
            )
        if node_ids is not None:
            for j, node in enumerate(source.nodes):
                if node not in node_ids:
                    problems.append(
                        doc.problem(("sources", i, "nodes", j), f"node {node!r} is not in the plan")
                    )
    return problems


def load_sources(path: str | Path, plan: Plan | None = None) -> SourcesFile:
    """Load a sources file; with a plan, also check every node it names exists."""
    doc = load_yaml(path)
    sources = parse_model(doc, SourcesFile)
    problems = check_sources(doc, sources, plan)
    if problems:
        raise ConfigError(problems)
    return sources


def shard_of(node_id: str, count: int) -> int:
    """The shard (1..count) a node belongs to: a stable hash of its id, the same in every
    process and on every host."""
    import zlib

    return zlib.crc32(node_id.encode("utf-8")) % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """ "K/N" → (K, N), 1 ≤ K ≤ N."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"shard must be K/N, e.g. 1/2: {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"shard {text!r}: K must be between 1 and N")
    return k, n


def shard_sources(sources: list[Source], index: int, count: int) -> list[Source]:
    """The part of the sources one of `count` collector processes pulls: every source keeps
    only the nodes of shard `index` (a source feeding nodes of several shards is pulled by
    each, for its own nodes), so no node is collected twice and none is missed."""
    out = []
    for s in sources:
        mine = [n for n in s.nodes if shard_of(n, count) == index]
        if mine:
            out.append(s.model_copy(update={"nodes": mine}))
    return out
