"""Collector benchmark: a province-wide collection cycle, with a quarter of the sources
hanging; and the default backfill since 2019 into each store beside its raw bulk rate.

    .venv/bin/python -m benchmarks.collect_bench [--skip-backfill]

Starts its own Prometheus and influxd (Debian's) on 127.0.0.1; prints figures and ratios.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from flask import Flask
from werkzeug.serving import make_server

from benchmarks.store_bench import raw_ingest, usage_chunks
from collectors.config import Source
from collectors.prometheus import PrometheusCollector
from collectors.runner import Runner
from collectors.simulator.model import Province
from collectors.simulator.server import QuietHandler
from tests.harness import servers as harness
from wall.core.plan import load_plan
from wall.store import open_store
from wall.store.lineprotocol import batch_lines
from wall.store.spool import BufferedWriter, Spool

TIMEOUT_S = 2.0
SCRAPE_S = 5.0  # a real province scrapes every 15-60 s; 5 s keeps rate() windows full


def hanging_server() -> tuple[str, threading.Event]:
    release = threading.Event()
    app = Flask("hang")
    app.add_url_rule("/<path:anything>", "hang", lambda anything: (release.wait(60), "")[1])
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", release


def cycle_section(tmp: Path) -> None:
    province = Province(load_plan())
    now = np.array([int(time.time())])
    nodes = [n for n, s in province.nodes.items() if province.reporting(s, now)[0]]
    # the simulated province in its own process, as a real province's exporters are: in this
    # one it would compete with the collectors for the interpreter and fail Prometheus' scrapes
    port = harness.free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "wall.cli", "simulate", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    target = f"127.0.0.1:{port}"
    jobs = [harness.scrape_job(n, target, {"node": n}, f"/nodes/{n}/metrics") for n in nodes]
    prom = harness.prometheus(tmp / "prom", jobs, interval_s=SCRAPE_S).start()
    influx = harness.influxdb(tmp / "influx").start()
    hang_url, release = hanging_server()
    try:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # every target scraped at least twice (for rate())
            r = httpx.get(f"{prom.url}/api/v1/query", params={"query": "count(up == 1)"}).json()
            if r["data"]["result"] and int(r["data"]["result"][0]["value"][1]) == len(nodes):
                break
            time.sleep(0.5)
        time.sleep(2 * SCRAPE_S + 0.5)
        store = open_store(influx.url.replace("http://", "influxdb://") + "/cycle")
        mapping = "openstack_exporter,node_exporter"

        def sources(hanging: int) -> list[Source]:
            return [
                Source(
                    name=f"p-{n}",
                    type="prometheus",
                    url=hang_url if i < hanging else prom.url,
                    mapping=mapping,
                    nodes=[n],
                    timeout_s=TIMEOUT_S,
                    interval_s=60,
                )
                for i, n in enumerate(nodes)
            ]

        fields = len(PrometheusCollector(sources(0)[0]).queries())
        print(f"\n== one collection cycle: {len(nodes)} nodes, one Prometheus source each, "
              f"{fields} fields per node")  # fmt: skip
        for hanging in (0, len(nodes) // 4):
            runner = Runner(
                sources(hanging), BufferedWriter(store, Spool(tmp / f"spool{hanging}")), retries=0
            )
            runner.run_once()  # warm-up: connections, first writes
            times = []
            asked = harness.queries_answered(prom.url)
            for _ in range(3):
                t = time.perf_counter()
                attempts = runner.run_once()
                times.append(time.perf_counter() - t)
            runner.close()
            ok = sum(a.ok for a in attempts)
            errors = {a.error for a in attempts if a.error}
            if errors:
                print("errors:", sorted(errors)[:3])
            asked = (harness.queries_answered(prom.url) - asked) / 3
            best = min(times)
            label = (
                f"{hanging} hanging until their {TIMEOUT_S:g} s timeout"
                if hanging
                else "all answering"
            )
            extra = f" = {best / TIMEOUT_S:.2f}x the timeout (goal ≤ 1.10x)" if hanging else ""
            print(f"{label:38} cycle {best * 1000:7.0f} ms, {ok}/{len(nodes)} sources ok, "
                  f"{asked:.0f} queries to Prometheus{extra}")  # fmt: skip
    finally:
        release.set()
        time.sleep(0.5)  # let the released attempts write before the servers go
        prom.stop()
        influx.stop()
        sim.terminate()
        sim.wait(10)


BACKFILL = """
import json, resource, sys, time
from datetime import UTC, datetime
from collectors.simulator.backfill import backfill
from collectors.simulator.model import Province
from wall.core.plan import load_plan
from wall.store import open_store
store = open_store(sys.argv[1])
t = time.perf_counter()
lines = backfill(store, Province(load_plan()), datetime(2019, 1, 1, tzinfo=UTC))
took = time.perf_counter() - t
print(json.dumps({"lines": lines, "seconds": took, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def backfill_section(tmp: Path) -> None:
    influx = harness.influxdb(tmp / "influx-bf").start()
    try:
        batches = list(
            usage_chunks(30, int(time.time()) - 6 * 86400, int(time.time()) - 86400, 60, seed=5)
        )
        lines = [x for b in batches for x in batch_lines(b)]
        raw = raw_ingest(influx.url, lines, 1, "raw")
        embedded_store = open_store(f"sqlite:///{tmp}/raw.db")
        t = time.perf_counter()
        for b in batches:
            embedded_store.write(b, complete_buckets=True)
        embedded_bulk = sum(len(b) for b in batches) / (time.perf_counter() - t)
        print(
            "\n== default backfill since 2019-01-01 (27 nodes; daily, then hourly, then 2 days at one minute)"
        )
        for name, url, reference, ref_label in (
            (
                "embedded",
                f"sqlite:///{tmp}/backfill.db",
                embedded_bulk,
                "its bulk write of one-minute usage batches",
            ),
            (
                "influxdb",
                influx.url.replace("http://", "influxdb://") + "/backfill",
                raw,
                "raw HTTP line protocol, 1 writer",
            ),
        ):
            out = subprocess.run(
                [sys.executable, "-c", BACKFILL, url],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rate = r["lines"] / r["seconds"]
            print(f"{name:9} {r['lines']:,} lines in {r['seconds']:.1f} s = {rate:,.0f} lines/s; "
                  f"{rate / reference:.0%} of {ref_label} ({reference:,.0f}/s); peak RSS {r['peak_mb']:.0f} MB")  # fmt: skip
    finally:
        influx.stop()


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-backfill", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gdwall-bench-") as tmp:
        cycle_section(Path(tmp))
        if not args.skip_backfill:
            backfill_section(Path(tmp))


if __name__ == "__main__":
    main()
