"""Source type `exposition`: scrape a /metrics endpoint directly (no Prometheus in between)
and map its samples onto canonical fields with a mapping file's `exposition` expressions.

One endpoint belongs to one node. Counters are turned into rates between two scrapes, so
rate fields appear from the second collection on.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client.parser import text_string_to_metric_families

from collectors.base import CollectError, ErrorKind, http_client, http_get
from collectors.config import Source
from collectors.mapping import Counters, Samples, evaluate, load_mapping
from wall.store import Sample


def parse_exposition(text: str) -> Samples:
    """Parse Prometheus text format; raise CollectError(malformed) on anything it is not."""
    try:
        return [
            (s.name, dict(s.labels), float(s.value))
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]
    except Exception as exc:  # the parser raises ValueError, TypeError, IndexError…
        raise CollectError(ErrorKind.malformed, f"not Prometheus text format: {exc}") from None


def samples_from(
    mappings, node: str, parsed: Samples, now: datetime, previous: Counters, seen: Counters
) -> list[Sample]:
    """Canonical samples of one node from parsed /metrics samples (one per measurement)."""
    fields: dict[str, dict[str, float]] = {}
    t = now.timestamp()
    for mapping in mappings:
        for fm in mapping.fields:
            if fm.exposition is None:
                continue
            value = evaluate(fm.exposition, parsed, t, previous, seen)
            if value is not None:
                name, _, field = fm.field.partition(".")
                fields.setdefault(name, {})[field] = value
    return [Sample.make(name, {"node": node}, values, now) for name, values in fields.items()]


class ExpositionCollector:
    def __init__(self, source: Source):
        if len(source.nodes) != 1:
            raise ValueError(
                f"source {source.name!r}: an exposition endpoint feeds exactly one node"
            )
        self.source = source
        names = (source.mapping or "").split(",")
        self.mappings = [load_mapping(n.strip()) for n in names if n.strip()]
        self._counters: Counters = {}
        self._client = http_client(source)

    def collect(self, now: datetime) -> list[Sample]:
        response = http_get(self._client, self.source.url or "")
        parsed = parse_exposition(response.text)
        seen: Counters = {}
        out = samples_from(self.mappings, self.source.nodes[0], parsed, now, self._counters, seen)
        self._counters = seen
        if not out and not seen:
            raise CollectError(ErrorKind.mapping, "the endpoint exposes none of the mapped metrics")
        return out
