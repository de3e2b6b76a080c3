"""Mapping files: which source metrics give which canonical field, as data, not code.

A mapping names, for each canonical field (`measurement.field`), the PromQL that computes it
per node from a Prometheus-compatible API, and the same computation over one node's
/metrics text for the exposition source type. Shipped mappings live in collectors/mappings/
and name the exporter version whose metric names they follow.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wall.core.configfile import ConfigError, load_yaml, parse_model
from wall.store.schema import numeric_target

MAPPINGS_DIR = Path(__file__).with_name("mappings")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Select(Strict):
    """Reduce the samples of one metric (optionally matched on labels and value)."""

    op: Literal["sum", "avg", "max", "min", "count"]
    metric: str
    match: dict[str, str] = Field(default_factory=dict)
    equals: float | None = None  # keep only samples with this value (count of zeros…)
    rate: bool = False  # per-series rate since the previous scrape, before reducing
    scale: float = 1.0


class Ratio(Strict):
    ratio: tuple[Expr, Expr]
    one_minus: bool = False
    scale: float = 1.0


Expr = Annotated[Select | Ratio, Field(union_mode="left_to_right")]
Ratio.model_rebuild()


class FieldMapping(Strict):
    field: str = Field(description="measurement.field of the canonical schema")
    promql: str | None = Field(None, description="PromQL with $by and $sel placeholders")
    exposition: Expr | None = None

    @field_validator("field")
    @classmethod
    def _known(cls, value: str) -> str:
        name, _, field = value.partition(".")
        numeric_target(name, field)
        return value


class Mapping(Strict):
    schema_version: Literal[1]
    kind: Literal["mapping"]
    name: str
    follows: str = Field(description="The exporter and version whose metric names this uses.")
    node_label: str = "node"
    fields: list[FieldMapping] = Field(min_length=1)


def load_mapping(name_or_path: str | Path) -> Mapping:
    """A shipped mapping by name (node_exporter) or any mapping file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = MAPPINGS_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            shipped = ", ".join(sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml")))
            raise ConfigError(
                [_problem(str(path), f"no mapping {name_or_path!r}; shipped: {shipped}")]
            )
    return parse_model(load_yaml(path), Mapping)


def _problem(path: str, message: str):
    from wall.core.configfile import Problem

    return Problem(path, None, "", message)


# -- evaluating exposition expressions over parsed /metrics samples

Samples = list[tuple[str, dict[str, str], float]]  # (metric name, labels, value)
Counters = dict[tuple, tuple[float, float]]  # series key -> (time, value) of the last scrape


def _series_key(name: str, labels: dict[str, str]) -> tuple:
    return (name, *sorted(labels.items()))


def evaluate(
    expr: Expr, samples: Samples, now: float, previous: Counters, seen: Counters
) -> float | None:
    """The expression's value, or None when the samples do not determine it (yet)."""
    if isinstance(expr, Ratio):
        num = evaluate(expr.ratio[0], samples, now, previous, seen)
        den = evaluate(expr.ratio[1], samples, now, previous, seen)
        if num is None or den is None or den == 0:
            return None
        value = num / den
        return ((1 - value) if expr.one_minus else value) * expr.scale
    values: list[float] = []
    for name, labels, value in samples:
        if name != expr.metric or any(labels.get(k) != v for k, v in expr.match.items()):
            continue
        if expr.equals is not None and value != expr.equals:
            continue
        if expr.rate:
            key = _series_key(name, labels)
            seen[key] = (now, value)
            before = previous.get(key)
            if before is None or now <= before[0] or value < before[1]:
                continue  # first sight or a counter reset: no rate yet
            value = (value - before[1]) / (now - before[0])
        if math.isfinite(value):
            values.append(value)
    if expr.op == "count":
        return float(len(values)) * expr.scale
    if not values:
        return None
    reduce = {"sum": sum, "max": max, "min": min, "avg": lambda v: sum(v) / len(v)}[expr.op]
    return reduce(values) * expr.scale


def promql_for(
    mapping: Mapping, field: FieldMapping, nodes: Iterable[str], node_label: str | None = None
) -> str:
    """The field's PromQL for these nodes: $by is the node label, $sel selects the nodes."""
    label = node_label or mapping.node_label
    alternatives = "|".join(sorted(nodes))
    return (field.promql or "").replace("$by", label).replace("$sel", f'{label}=~"{alternatives}"')
