"""Validate configuration files of every kind, cross-checking those that refer to each other."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from collectors.config import load_sources
from wall.core.configfile import ConfigError, Problem, load_yaml
from wall.core.links import load_links
from wall.core.plan.loader import DEFAULT_PLAN_PATH, load_plan
from wall.core.plan.models import Plan

KINDS = ("plan", "sources", "links")


def probe_sources(paths: Sequence[str | Path], now=None) -> list[str]:
    """For each prometheus and exposition source of the sources files, how many series each node's
    selection (node label, node_match, node_regex) matches on the live source: one line per
    node, `0 series` where it matches none, the failure's kind where the source fails."""
    from datetime import UTC, datetime

    from collectors.base import CollectError
    from collectors.exposition import ExpositionCollector
    from collectors.prometheus import PrometheusCollector

    probes = {"prometheus": PrometheusCollector, "exposition": ExpositionCollector}

    now = now or datetime.now(UTC)
    lines = []
    for raw in paths:
        path = Path(raw)
        doc = load_yaml(path)
        if not isinstance(doc.data, dict) or doc.data.get("kind") != "sources":
            continue
        for source in load_sources(path).sources:
            if source.type not in probes:
                continue
            try:
                counts = probes[source.type](source).probe(now)
            except CollectError as exc:
                lines.append(f"{source.name}: FAILED — {exc}")
                continue
            for node, n in counts.items():
                flag = "ok " if n else "NONE"
                lines.append(f"{flag} {source.name} {node}: {n} series")
    return lines


def check_files(paths: Sequence[str | Path]) -> tuple[list[str], list[Problem]]:
    """Check every file; return (one summary line per valid file, every problem found).

    Plans are read first, so that sources files are checked against the plan given beside
    them, or against the default plan when none is.
    """
    kinds: dict[Path, str] = {}
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        try:
            doc = load_yaml(path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
        if kind not in KINDS:
            problems.append(
                doc.problem(("kind",), f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
            )
            continue
        kinds[path] = kind

    summaries: list[str] = []
    plan: Plan | None = None
    for path, kind in kinds.items():
        if kind != "plan":
            continue
        try:
            plan = load_plan(path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        summaries.append(
            f"{path}: plan {plan.id}: {len(plan.nodes)} nodes, {len(plan.targets)} targets, "
            f"{len(plan.milestones)} milestones"
        )
    if plan is None and not any(k == "plan" for k in kinds.values()):
        plan = load_plan(DEFAULT_PLAN_PATH)
    # the files that refer to the plan: each loaded and counted the same way
    readers = {
        "sources": (load_sources, lambda f: f.sources),
        "links": (load_links, lambda f: f.links),
    }
    for path, kind in kinds.items():
        if kind not in readers:
            continue
        load, items = readers[kind]
        try:
            loaded = load(path, plan)
        except ConfigError as exc:
            problems += exc.problems
            continue
        against = f"checked against plan {plan.id}" if plan else "plan not checked"
        summaries.append(f"{path}: {len(items(loaded))} {kind}, {against}")
    return summaries, problems
