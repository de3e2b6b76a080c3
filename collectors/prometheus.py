"""Source type `prometheus`: PromQL against any Prometheus-compatible HTTP API (Prometheus,
Thanos, VictoriaMetrics, Nightingale) through prometheus-api-client, wrapped so that every
failure is a typed CollectError and never a bare exception or an exit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import requests
import urllib3
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from collectors.base import CollectError, ErrorKind, auth_headers, failure_kind
from collectors.config import Source
from collectors.mapping import load_mapping, promql_for
from wall.store import Sample


class PrometheusAdapter:
    """The few calls we make, with typed errors."""

    def __init__(self, source: Source):
        self.url = source.url or ""
        self.timeout_s = source.timeout_s
        session = requests.Session()
        # no netrc, proxy or CA-bundle lookups from the environment on every request (a
        # quarter of a query's time in the profile): the source's own settings say it all
        session.trust_env = False
        # certificates are always verified: against the source's CA bundle if it names one
        session.verify = str(source.ca_file) if source.ca_file else True
        # no retries inside the client: the runner retries with backoff and jitter, and a
        # hidden retry would multiply the source's timeout
        self._api = PrometheusConnect(url=self.url, headers=auth_headers(source) or None,
                                      session=session, timeout=self.timeout_s,
                                      retry=Retry(total=False))  # fmt: skip

    def query(self, promql: str, at: datetime) -> list[dict]:
        try:
            return self._api.custom_query(promql, params={"time": at.timestamp()})
        except PrometheusApiClientException as exc:
            raise CollectError(ErrorKind.http_error, f"{self.url}: {str(exc)[:300]}") from None
        except (ValueError, KeyError, TypeError) as exc:  # JSON that is not an answer
            raise CollectError(
                ErrorKind.malformed, f"{self.url}: unreadable answer ({str(exc)[:200]})"
            ) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            # with the client's retries off, urllib3 raises its own errors unwrapped
            kind = failure_kind(exc)
            if kind == ErrorKind.timeout:
                raise CollectError(
                    kind, f"{self.url} did not answer in {self.timeout_s}s"
                ) from None
            raise CollectError(kind, f"{self.url}: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    """A library's error in one line: its class and its message, without the pool's repr."""
    text = str(exc).split(": ", 1)[-1] if "pool" in str(exc) else str(exc)
    return f"{type(exc).__name__}: {text[:200]}"


class PrometheusCollector:
    def __init__(self, source: Source):
        self.source = source
        names = (source.mapping or "").split(",")
        self.mappings = [load_mapping(n.strip()) for n in names if n.strip()]
        if not self.mappings:
            raise ValueError(f"source {source.name!r}: a prometheus source needs a mapping")
        self.api = PrometheusAdapter(source)

    def queries(self) -> list[Query]:
        """Every mapped field's PromQL for this source: one query per field grouped by the
        node label, or, where the source gives each node's label matchers (node_match,
        node_regex), one per field and node over that node's series."""
        out = []
        per_node = self.source.node_matchers()
        for mapping in self.mappings:
            label = self.source.node_label or mapping.node_label
            for fm in mapping.fields:
                if not fm.promql:
                    continue
                if per_node is None:
                    out.append(
                        Query(fm.field, promql_for(mapping, fm, self.source.nodes, label), label)
                    )
                    continue
                for node, match in per_node.items():
                    out.append(Query(fm.field, promql_matching(fm, match), node=node))
        return out

    def collect(self, now: datetime) -> list[Sample]:
        queries = self.queries()
        fields = {}
        for q in queries:
            fields.setdefault(q.promql, q.field)
        results: dict[str, list] = {}
        for bundle in bundles(list(fields)):
            results.update(self._answer(bundle, fields, now))
        return samples_from_results(queries, results, self.source.nodes, now)

    def _answer(self, bundle: list[str], fields: dict[str, str], now: datetime) -> dict[str, list]:
        """The results of a bundle of queries, asked in one request; a bundle the source
        refuses is asked query by query, so the error names the field at fault."""
        if len(bundle) > 1:
            try:
                return unbundled(bundle, self.api.query(bundled(bundle), now))
            except CollectError as exc:
                if exc.kind != ErrorKind.http_error or "400" not in str(exc):
                    raise
        out = {}
        for promql in bundle:
            try:
                out[promql] = self.api.query(promql, now)
            except CollectError as exc:
                if exc.kind != ErrorKind.http_error:
                    raise
                raise CollectError(exc.kind, f"{fields[promql]} ({promql[:200]}): {exc}") from None
        return out

    def probe(self, now: datetime) -> dict[str, int]:
        """How many series each node's selection matches on the live source (check-config
        --probe): the node label's values, or each node's matchers."""
        per_node = self.source.node_matchers()
        if per_node is None:
            label = self.source.node_label or self.mappings[0].node_label
            nodes = "|".join(sorted(self.source.nodes))
            found = self.api.query(f'count by ({label}) ({{{label}=~"{nodes}"}})', now)
            counts = {item["metric"].get(label): int(float(item["value"][1])) for item in found}
            return {n: counts.get(n, 0) for n in self.source.nodes}
        out = {}
        for node, match in per_node.items():
            found = self.api.query(f"count({match})", now)
            out[node] = int(float(found[0]["value"][1])) if found else 0
        return out


@dataclass(frozen=True)
class Query:
    """One PromQL query of a mapped field: its results carry the node in `label`, or all
    belong to `node`."""

    field: str
    promql: str
    label: str | None = None
    node: str | None = None


def promql_matching(fm, match: str) -> str:
    """A field's PromQL over one node's series: its selectors gain the node's matchers and
    its grouping by the node label becomes a grouping over everything."""
    inner = match.strip()[1:-1].strip().rstrip(",")
    return (fm.promql or "").replace("$by", "").replace("$sel", inner)


# One request per field and source made a province-wide cycle 390 HTTP round trips through
# one Prometheus; a bundle asks many fields at once, each result series marked with its
# query's index. Bundles stay short enough for the request line of any proxy in between.
BUNDLE_LABEL = "gdwall_query"
BUNDLE_MAX_CHARS = 3000


def bundles(promqls: list[str], max_chars: int = BUNDLE_MAX_CHARS) -> list[list[str]]:
    """The queries in order, grouped so that each group's bundled PromQL stays short."""
    out: list[list[str]] = []
    size = 0
    for promql in promqls:
        cost = len(promql) + 50
        if out and size + cost <= max_chars:
            out[-1].append(promql)
            size += cost
        else:
            out.append([promql])
            size = cost
    return out


def bundled(promqls: list[str]) -> str:
    """One PromQL expression answering all of promqls: each result marked by its index."""
    return " or ".join(
        f'label_replace(({q}), "{BUNDLE_LABEL}", "{i}", "", "")' for i, q in enumerate(promqls)
    )


def unbundled(promqls: list[str], answer: list[dict]) -> dict[str, list]:
    """A bundle's answer split back into each query's results, without the marker."""
    out: dict[str, list] = {q: [] for q in promqls}
    for item in answer:
        try:
            metric = dict(item["metric"])
            index = int(metric.pop(BUNDLE_LABEL))
            out[promqls[index]].append({**item, "metric": metric})
        except (KeyError, IndexError, TypeError, ValueError):
            raise CollectError(
                ErrorKind.malformed, f"unexpected result item {item!r:.200}"
            ) from None
    return out


def samples_from_results(
    queries: list[Query], results: dict[str, list], nodes, now: datetime
) -> list[Sample]:
    """Canonical samples from Prometheus instant-query results (one list per PromQL)."""
    values: dict[tuple[str, str], dict[str, float]] = {}
    wanted = set(nodes)
    for q in queries:
        name, _, field = q.field.partition(".")
        for item in results.get(q.promql, []):
            try:
                node = q.node or item["metric"][q.label]
                value = float(item["value"][1])
            except (KeyError, IndexError, TypeError, ValueError):
                raise CollectError(
                    ErrorKind.malformed, f"unexpected result item {item!r:.200}"
                ) from None
            if node in wanted and math.isfinite(value):
                values.setdefault((name, node), {})[field] = value
    if not values:
        labels = sorted({q.label for q in queries if q.label})
        hint = (f" (no series carries the label {' or '.join(labels)}: say how series belong to "
                "nodes with node_match or node_regex, or --match)") if labels else ""  # fmt: skip
        raise CollectError(
            ErrorKind.mapping, f"no mapped series for {', '.join(sorted(wanted))}{hint}"
        )
    return [
        Sample.make(name, {"node": node}, fields, now)
        for (name, node), fields in sorted(values.items())
    ]
