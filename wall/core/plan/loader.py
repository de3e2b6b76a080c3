"""Load a plan registry file and check what types alone cannot: references, codes, uniqueness."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from geo.cities import city_by_adcode, city_by_name
from wall.core.configfile import ConfigError, Problem, YamlDocument, load_yaml, parse_model
from wall.core.plan.models import TIER_PREFIX, Plan, Tier

DEFAULT_PLAN_PATH = Path(__file__).with_name("guangdong-2019.yaml")


def load_plan(path: str | Path = DEFAULT_PLAN_PATH) -> Plan:
    """Load and validate a plan registry; raise ConfigError listing every problem located."""
    doc = load_yaml(path)
    plan = parse_model(doc, Plan)
    problems = check_plan(doc, plan)
    if problems:
        raise ConfigError(problems)
    return plan


@lru_cache(maxsize=8)
def cached_plan(path: str | Path = DEFAULT_PLAN_PATH) -> Plan:
    """Load a plan once per process (the registry does not change while the app runs)."""
    return load_plan(path)


def _duplicates(doc: YamlDocument, section: str, ids: list[str]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for i, ident in enumerate(ids):
        if ident in seen:
            problems.append(
                doc.problem(
                    (section, i, "id"), f"duplicate id {ident!r} (first at item {seen[ident]})"
                )
            )
        else:
            seen[ident] = i
    return problems


def check_plan(doc: YamlDocument, plan: Plan) -> list[Problem]:
    """Return every cross-reference problem of a type-valid plan (empty when it is sound)."""
    problems: list[Problem] = []
    for section in ("providers", "nodes", "targets", "milestones"):
        problems += _duplicates(doc, section, [item.id for item in getattr(plan, section)])

    provider_ids = {p.id for p in plan.providers}
    node_ids = {n.id for n in plan.nodes}
    target_ids = {t.id for t in plan.targets}
    city_adcodes: dict[int, str] = {}

    if plan.period.end < plan.period.start:
        problems.append(doc.problem(("period", "end"), "the period ends before it starts"))

    for i, node in enumerate(plan.nodes):
        at = ("nodes", i)
        prefix = TIER_PREFIX[node.tier]
        if not node.id.startswith(prefix + "-"):
            problems.append(
                doc.problem(at + ("id",), f"a {node.tier} node's id must start with '{prefix}-'")
            )
        if node.provider not in provider_ids:
            problems.append(doc.problem(at + ("provider",), f"unknown provider {node.provider!r}"))
        if node.tier in (Tier.city, Tier.prd) and node.city is None:
            problems.append(doc.problem(at + ("city",), f"a {node.tier} node needs its city"))
        if node.city is not None:
            city = city_by_name(node.city)
            if city is None:
                problems.append(
                    doc.problem(
                        at + ("city",), f"unknown city {node.city!r}: not one of Guangdong's 21"
                    )
                )
            elif node.adcode is None:
                problems.append(
                    doc.problem(at + ("adcode",), f"missing; {city.name} is {city.adcode}")
                )
            elif node.adcode != city.adcode:
                problems.append(
                    doc.problem(
                        at + ("adcode",), f"{node.adcode} is not {city.name}'s code {city.adcode}"
                    )
                )
        elif node.adcode is not None and city_by_adcode(node.adcode) is None:
            problems.append(
                doc.problem(at + ("adcode",), f"{node.adcode} is not a Guangdong city's code")
            )
        if node.tier == Tier.city and node.adcode is not None:
            if node.adcode in city_adcodes:
                problems.append(
                    doc.problem(
                        at + ("adcode",),
                        f"adcode {node.adcode} already used by {city_adcodes[node.adcode]!r}",
                    )
                )
            city_adcodes.setdefault(node.adcode, node.id)

    milestone_ids = {m.id for m in plan.milestones}
    for i, milestone in enumerate(plan.milestones):
        at = ("milestones", i, "criterion")
        crit = milestone.criterion
        if crit.kind in ("target", "per_node") and crit.target not in target_ids:
            problems.append(doc.problem(at + ("target",), f"unknown target {crit.target!r}"))
        if crit.kind == "nodes":
            for j, node_id in enumerate(crit.nodes):
                if node_id not in node_ids:
                    problems.append(doc.problem(at + ("nodes", j), f"unknown node {node_id!r}"))
                elif crit.state not in plan.node(node_id).states:
                    problems.append(
                        doc.problem(at + ("state",), f"{node_id} never reaches state {crit.state}")
                    )
        if crit.kind == "count":
            have = len(plan.nodes_of(crit.tier))
            if crit.count > have:
                problems.append(
                    doc.problem(
                        at + ("count",), f"{crit.count} exceeds the {have} {crit.tier} nodes"
                    )
                )
        if crit.kind == "event" and crit.of is not None and crit.of not in milestone_ids:
            problems.append(doc.problem(at + ("of",), f"unknown milestone {crit.of!r}"))
        if crit.kind == "city_year":
            for j, target_id in enumerate(crit.targets):
                if target_id not in target_ids:
                    problems.append(
                        doc.problem(at + ("targets", j), f"unknown target {target_id!r}")
                    )
        if crit.kind in ("count", "security_count") and milestone.deadline is None:
            problems.append(
                doc.problem(("milestones", i, "deadline"), "required for this kind of milestone")
            )
    return problems
