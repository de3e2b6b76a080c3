"""A collector process's own endpoints: /healthz (it answers), /readyz (its store answers and
collection is not paused) and /metrics (Prometheus text: attempts by source and outcome, the
last attempt's duration and samples, what is buffered and spooled). The compose health check
and the province's Prometheus use them."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from collectors.runner import Runner


class _RunnerMetrics:
    def __init__(self, runner: Runner):
        self.runner = runner

    def collect(self):
        r = self.runner
        attempts = CounterMetricFamily(
            "gdwall_collector_attempts", "Collection attempts by source and outcome",
            labels=["source", "outcome"],
        )  # fmt: skip
        for (source, ok), n in sorted(r.outcomes.items()):
            attempts.add_metric([source, "ok" if ok else "failed"], n)
        yield attempts
        duration = GaugeMetricFamily(
            "gdwall_collector_last_duration_seconds",
            "The last attempt's duration",
            labels=["source"],
        )
        points = GaugeMetricFamily(
            "gdwall_collector_last_points", "Samples the last attempt produced", labels=["source"]
        )
        up = GaugeMetricFamily("gdwall_collector_last_ok", "1 if the last attempt succeeded",
                               labels=["source"])  # fmt: skip
        for source, a in sorted(r.last.items()):
            duration.add_metric([source], a.duration_ms / 1000)
            points.add_metric([source], a.points)
            up.add_metric([source], 1 if a.ok else 0)
        yield from (duration, points, up)
        stats = r.writer.spool.stats()
        yield GaugeMetricFamily("gdwall_collector_spool_bytes", "Bytes waiting in the spool",
                                value=stats.bytes)  # fmt: skip
        yield GaugeMetricFamily("gdwall_collector_spool_batches", "Files waiting in the spool",
                                value=stats.batches)  # fmt: skip
        yield GaugeMetricFamily("gdwall_collector_buffered_samples", "Samples held for the next write",
                                value=r.writer.buffered)  # fmt: skip
        yield GaugeMetricFamily("gdwall_collector_paused", "1 while collection waits for the store",
                                value=1 if r.paused else 0)  # fmt: skip


class OpsServer:
    def __init__(self, runner: Runner, host: str = "127.0.0.1", port: int = 9108):
        registry = CollectorRegistry()
        registry.register(_RunnerMetrics(runner))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/healthz":
                    self._answer(200, b"ok\n")
                elif self.path == "/readyz":
                    store_ok = runner.writer.store.ping()
                    ready = store_ok and not runner.paused
                    body = f"store {'ok' if store_ok else 'down'}\npaused {runner.paused}\n"
                    self._answer(200 if ready else 503, body.encode())
                elif self.path == "/metrics":
                    self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)
                else:
                    self._answer(404, b"not found\n")

            def _answer(self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet: the collector logs what matters
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"

    def start(self) -> OpsServer:
        threading.Thread(target=self.server.serve_forever, daemon=True, name="ops").start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
