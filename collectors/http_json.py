"""Source type `http_json`: a cloud management platform's REST API, mapped declaratively
from JSON paths to canonical fields (for the Pearl River Delta cities' own clouds).

The URL may hold `{node}`, so one source can serve several clouds of the same platform; the
Authorization header comes from the environment variable the source names, never the file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from collectors.base import CollectError, ErrorKind, http_client, http_get
from collectors.config import Source
from collectors.mapping import MAPPINGS_DIR
from wall.core.configfile import load_yaml, parse_model
from wall.store import Sample
from wall.store.schema import numeric_target

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class JsonField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="dotted path, list items as [0]: compute.vcpu.total")
    scale: float = 1.0
    values: dict[str, float] | None = Field(None, description="text values to numbers")


class JsonMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    kind: Literal["json_mapping"]
    name: str
    follows: str
    fields: dict[str, JsonField] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _known(cls, fields: dict[str, JsonField]) -> dict[str, JsonField]:
        for key in fields:
            name, field, tags = parse_target(key)
            try:
                numeric_target(name, field, frozenset(tags))
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return fields


_TARGET = re.compile(r"^(\w+)\.(\w+)(?:\[(.*)\])?$")


def parse_target(key: str) -> tuple[str, str, dict[str, str]]:
    """measurement.field, or measurement.field[tag=value,…] for measurements tagged by more
    than the node (security.events[severity=high])."""
    match = _TARGET.match(key)
    if not match:
        raise ValueError(f"{key!r}: expected measurement.field or measurement.field[tag=value]")
    name, field, inner = match.groups()
    tags = dict(part.split("=", 1) for part in inner.split(",")) if inner else {}
    return name, field, tags


def load_json_mapping(name_or_path: str | Path) -> JsonMapping:
    path = Path(name_or_path)
    if not path.suffix:
        path = MAPPINGS_DIR / f"{name_or_path}.yaml"
    return parse_model(load_yaml(path), JsonMapping)


def lookup(document: Any, path: str) -> Any:
    """The value at a dotted path, or None where the path does not lead anywhere."""
    value = document
    for key, index in _STEP.findall(path):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = (
                value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
            )
        if value is None:
            return None
    return value


def to_number(raw: Any, spec: JsonField) -> float | None:
    """A finite number from JSON: numbers, numeric text (full-width digits too), mapped words."""
    if spec.values is not None and isinstance(raw, str):
        return spec.values.get(raw.strip())
    if isinstance(raw, int | float):  # bool is an int: True counts as 1
        number = float(raw)
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").rstrip("%")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    number *= spec.scale
    return number if math.isfinite(number) else None


def samples_from_json(
    mapping: JsonMapping, document: Any, node: str, now: datetime
) -> list[Sample]:
    """Canonical samples of one node from one JSON answer."""
    if not isinstance(document, dict):
        raise CollectError(
            ErrorKind.malformed, f"expected a JSON object, got {type(document).__name__}"
        )
    fields: dict[tuple, dict[str, float]] = {}
    for key, spec in mapping.fields.items():
        value = to_number(lookup(document, spec.path), spec)
        if value is not None:
            name, field, tags = parse_target(key)
            fields.setdefault((name, *sorted(tags.items())), {})[field] = value
    if not fields:
        raise CollectError(ErrorKind.mapping, "none of the mapped paths holds a number")
    return [
        Sample.make(name, {"node": node, **dict(tags)}, values, now)
        for (name, *tags), values in fields.items()
    ]


class HttpJsonCollector:
    def __init__(self, source: Source):
        self.source = source
        self.mapping = load_json_mapping(source.mapping or "cmp_v1")
        self._client = http_client(source, Accept="application/json")

    def collect(self, now: datetime) -> list[Sample]:
        out: list[Sample] = []
        for node in self.source.nodes:
            url = (self.source.url or "").replace("{node}", node)
            response = http_get(self._client, url)
            try:
                document = response.json()
            except ValueError:
                raise CollectError(ErrorKind.malformed, f"{url}: not JSON") from None
            out += samples_from_json(self.mapping, document, node, now)
        return out
