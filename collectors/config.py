"""The sources file: which source feeds which nodes — the only place that says so.

Validated on load with file, line and field for every problem, and cross-checked against
the plan registry so that a source can never feed a node the plan does not have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from wall.core.configfile import ConfigError, Problem, YamlDocument, load_yaml, parse_model
from wall.core.plan.models import NodeId, Plan

SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# the source types a sources file may name: the built-in ones, and those registered at run time
# (collectors.registry.register adds to it)
SOURCE_TYPES: set[str] = {"prometheus", "exposition", "http_json", "inventory", "simulator"}


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
