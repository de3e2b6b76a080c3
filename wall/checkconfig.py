"""Validate configuration files of every kind, cross-checking those that refer to each other."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from collectors.config import load_sources
from wall.core.configfile import ConfigError, Problem, load_yaml
from wall.core.plan.loader import DEFAULT_PLAN_PATH, load_plan
from wall.core.plan.models import Plan

KINDS = ("plan", "sources")


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
    for path, kind in kinds.items():
        if kind != "sources":
            continue
        try:
            sources = load_sources(path, plan)
        except ConfigError as exc:
            problems += exc.problems
            continue
        against = f"checked against plan {plan.id}" if plan else "plan not checked"
        summaries.append(f"{path}: {len(sources.sources)} sources, {against}")
    return summaries, problems
