"""The wall watching itself: /healthz (the process answers), /readyz (ready when it can serve a
screen: the store and the state database answer; a cache that is away is reported as degraded,
the wall answering from each process's own cache meanwhile) and /metrics (Prometheus text:
requests and their latency by kind, query-cache hits, misses and errors, the cache degraded).

Under gunicorn every worker counts into files in PROMETHEUS_MULTIPROC_DIR (set by `gdwall
serve` before the workers start), and /metrics adds them up, whichever worker answers.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from wall.read import cache
from wall.state import StateDB
from wall.store import Store

log = logging.getLogger(__name__)


_made: dict = {}
_making = threading.Lock()


def metrics() -> dict:
    """Created on first use (so PROMETHEUS_MULTIPROC_DIR, set before the workers start,
    counts), once: the first requests of a worker arrive on several threads at once."""
    if not _made:
        with _making:
            if not _made:
                _made.update(_create())
    return _made


def _create() -> dict:
    return {
        "requests": Counter("gdwall_requests", "HTTP requests answered", ["kind", "status"]),
        "latency": Histogram(
            "gdwall_request_seconds",
            "Time to answer, by kind of request",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        ),
        "cache": Counter("gdwall_query_cache", "Query-cache lookups by outcome", ["outcome"]),
        "degraded": Gauge(
            "gdwall_cache_degraded",
            "1 while the shared cache (Redis) does not answer and each process uses its own",
            multiprocess_mode="max",
        ),
    }


def count_cache(outcome: str) -> None:
    metrics()["cache"].labels(outcome).inc()


def kind_of(path: str) -> str:
    """Few label values: what kind of request, never the URL itself."""
    if path.endswith("/_dash-update-component"):
        return "callback"
    if path.endswith("/_dash-layout"):
        return "layout"
    if path.startswith(("/assets/", "/_dash-component-suites/")):
        return "asset"
    if path.startswith(("/export/", "/bulletins/download/", "/admin/")):
        return "download"
    if path in ("/healthz", "/readyz", "/metrics"):
        return "ops"
    return "page"


def _registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return DEFAULT_REGISTRY


def install(server: Flask, state: StateDB, store: Store) -> None:
    cache.observe(count_cache)

    @server.after_request
    def counted(response: Response) -> Response:
        if "request_started" in g:  # set by wall/logs.py with the request id
            kind = kind_of(request.path)
            try:
                m = metrics()
                m["requests"].labels(kind, str(response.status_code)).inc()
                m["latency"].labels(kind).observe(time.perf_counter() - g.request_started)
            except Exception:  # counting must never cost a request its answer
                log.exception("request not counted")
        return response

    @server.route("/healthz", endpoint="healthz")
    def healthz():
        return Response("ok\n", mimetype="text/plain")

    @server.route("/readyz", endpoint="readyz")
    def readyz():
        cache_ok = cache_answers()
        checks = {"store": store.ping()}
        try:
            with state.connection() as conn:
                conn.execute("SELECT 1").fetchone()
            checks["state"] = True
        except Exception:
            checks["state"] = False
        lines = [f"{k} {'ok' if v else 'down'}" for k, v in checks.items()]
        if not checks["store"] and store.problem:
            lines[0] += f": {store.problem}"
        lines.append(f"cache {'ok' if cache_ok else 'degraded'}")
        return Response(
            "".join(line + "\n" for line in lines),
            status=200 if all(checks.values()) else 503,
            mimetype="text/plain",
        )

    @server.route("/metrics", endpoint="metrics")
    def prometheus():
        cache_answers()
        return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def cache_answers() -> bool:
    """Whether the shared cache answers; recorded in gdwall_cache_degraded."""
    ok = cache.current().ping()
    try:
        metrics()["degraded"].set(0 if ok else 1)
    except Exception:  # counting must never cost an answer
        log.exception("cache state not recorded")
    return ok
