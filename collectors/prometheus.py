"""Source type `prometheus`: PromQL against any Prometheus-compatible HTTP API (Prometheus,
Thanos, VictoriaMetrics, Nightingale) through prometheus-api-client, wrapped so that every
failure is a typed CollectError and never a bare exception or an exit."""

from __future__ import annotations

import math
from datetime import datetime

import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from collectors.base import CollectError, ErrorKind, auth_headers
from collectors.config import Source
from collectors.mapping import load_mapping, promql_for
from wall.store import Sample


class PrometheusAdapter:
    """The few calls we make, with typed errors."""

    def __init__(self, source: Source):
        self.url = source.url or ""
        self.timeout_s = source.timeout_s
        session = requests.Session()
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
        except requests.Timeout:
            raise CollectError(
                ErrorKind.timeout, f"{self.url} did not answer in {self.timeout_s}s"
            ) from None
        except requests.exceptions.SSLError as exc:
            raise CollectError(ErrorKind.tls, f"{self.url}: {exc}") from None
        except requests.ConnectionError as exc:
            raise CollectError(
                ErrorKind.unreachable, f"{self.url}: {exc.__class__.__name__}"
            ) from None
        except PrometheusApiClientException as exc:
            raise CollectError(ErrorKind.http_error, f"{self.url}: {str(exc)[:300]}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise CollectError(
                ErrorKind.malformed, f"{self.url}: unreadable answer ({exc})"
            ) from None
        except requests.RequestException as exc:
            raise CollectError(ErrorKind.unreachable, f"{self.url}: {exc}") from None


class PrometheusCollector:
    def __init__(self, source: Source):
        self.source = source
        names = (source.mapping or "").split(",")
        self.mappings = [load_mapping(n.strip()) for n in names if n.strip()]
        if not self.mappings:
            raise ValueError(f"source {source.name!r}: a prometheus source needs a mapping")
        self.api = PrometheusAdapter(source)

    def queries(self) -> list[tuple[str, str, str]]:
        """(measurement.field, node label, PromQL) of every mapped field, for this source."""
        out = []
        for mapping in self.mappings:
            label = self.source.node_label or mapping.node_label
            for fm in mapping.fields:
                if fm.promql:
                    out.append((fm.field, label, promql_for(mapping, fm, self.source.nodes, label)))
        return out

    def collect(self, now: datetime) -> list[Sample]:
        results = {promql: self.api.query(promql, now) for _, _, promql in self.queries()}
        return samples_from_results(self.queries(), results, self.source.nodes, now)


def samples_from_results(queries, results: dict[str, list], nodes, now: datetime) -> list[Sample]:
    """Canonical samples from Prometheus instant-query results (one list per PromQL)."""
    values: dict[tuple[str, str], dict[str, float]] = {}
    wanted = set(nodes)
    for target, label, promql in queries:
        name, _, field = target.partition(".")
        for item in results.get(promql, []):
            try:
                node = item["metric"][label]
                value = float(item["value"][1])
            except (KeyError, IndexError, TypeError, ValueError):
                raise CollectError(
                    ErrorKind.malformed, f"unexpected result item {item!r:.200}"
                ) from None
            if node in wanted and math.isfinite(value):
                values.setdefault((name, node), {})[field] = value
    if not values:
        raise CollectError(ErrorKind.mapping, f"no mapped series for {', '.join(sorted(wanted))}")
    return [
        Sample.make(name, {"node": node}, fields, now)
        for (name, node), fields in sorted(values.items())
    ]
