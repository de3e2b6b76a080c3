"""Source type `exposition`: scrape a /metrics endpoint directly (no Prometheus in between)
and map its samples onto canonical fields with a mapping file's `exposition` expressions.

An endpoint belongs to one node, or, where the source says how its series belong to nodes
(node_label, node_match, node_regex: a Prometheus /federate endpoint, an exporter of many
hosts), to several. Counters are turned into rates between two scrapes, so rate fields
appear from the second collection on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def label_selector(matchers: str) -> Callable[[dict[str, str]], bool]:
    """PromQL label matchers ({job="meizhou", instance=~"10\\.44\\..*"}) as a predicate over
    a series' labels, with Prometheus' semantics: regexes match the whole value, and a missing
    label is the empty string."""
    tests: list[tuple[str, Callable[[str], bool]]] = []
    for label, op, quoted in _MATCHER.findall(matchers):
        value = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), quoted)
        if op in ("=~", "!~"):
            pattern, want = re.compile(value), op == "=~"
            tests.append((label, lambda v, p=pattern, w=want: bool(p.fullmatch(v)) == w))
        else:
            want = op == "="
            tests.append((label, lambda v, x=value, w=want: (v == x) == w))
    return lambda labels: all(test(labels.get(label, "")) for label, test in tests)


def node_selectors(source: Source) -> dict[str, Callable[[dict[str, str]], bool]] | None:
    """Per node, which of the endpoint's series are its: by node_label, node_match or
    node_regex; None when the whole endpoint is the source's one node."""
    per_node = source.node_matchers()
    if per_node is not None:
        return {node: label_selector(m) for node, m in per_node.items()}
    if source.node_label:
        label = source.node_label
        return {node: (lambda labels, n=node: labels.get(label) == n) for node in source.nodes}
    return None


class ExpositionCollector:
    def __init__(self, source: Source):
        self.selectors = node_selectors(source)
        if self.selectors is None and len(source.nodes) != 1:
            raise ValueError(
                f"source {source.name!r}: an exposition endpoint feeds one node, unless "
                "node_label, node_match or node_regex says which series are whose"
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
        if self.selectors is None:
            out = samples_from(self.mappings, self.source.nodes[0], parsed, now, self._counters, seen)  # fmt: skip
        else:
            out = []
            for node, selects in self.selectors.items():
                mine = [s for s in parsed if selects(s[1])]
                out += samples_from(self.mappings, node, mine, now, self._counters, seen)
        self._counters = seen
        if not out and not seen:
            raise CollectError(ErrorKind.mapping, "the endpoint exposes none of the mapped metrics")
        return out

    def probe(self, now: datetime) -> dict[str, int]:
        """How many of the endpoint's series each node's selection matches (check-config
        --probe); the whole endpoint for a source of one node."""
        parsed = parse_exposition(http_get(self._client, self.source.url or "").text)
        if self.selectors is None:
            return {self.source.nodes[0]: len(parsed)}
        return {node: sum(1 for s in parsed if selects(s[1])) for node, selects in self.selectors.items()}  # fmt: skip
