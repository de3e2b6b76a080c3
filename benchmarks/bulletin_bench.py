"""Bulletin benchmark: time and peak memory to produce a quarterly bulletin in all four
formats over the backfilled history (the wall benchmark's data sets), on each store.

    .venv/bin/python -m benchmarks.bulletin_bench [--period 2020-Q2] [--skip-influx]

Each run is `gdwall bulletin` in its own process (its peak RSS is that process's). Goal:
under 15 s and under 500 MB. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks.store_bench import CACHE
from benchmarks.wall_bench import prepare
from tests.harness import servers as harness


def run(name: str, settings, period: str) -> None:
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "GDWALL_STORE_URL": settings.store_url}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "wall.cli", "bulletin", "--period", period, "--format",
             "xlsx,docx,pdf,html", "--out", out, "--data-dir", str(settings.data_dir)],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        took = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        sizes = ", ".join(
            f"{f.rsplit('.', 1)[1]} {os.path.getsize(os.path.join(out, f)) / 1024:.0f} KB"
            for f in sorted(os.listdir(out))
        )
        rss = f"{peak / 1024:.0f} MB" if peak > before else "≤ earlier run"
        print(
            f"{name:9} {period} in 4 formats: {took:5.1f} s, peak RSS {rss} (goal < 15 s, < 500 MB); {sizes}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--period", default="2020-Q2")
    parser.add_argument("--skip-influx", action="store_true")
    args = parser.parse_args()
    embedded = prepare(
        "embedded", f"sqlite:///{CACHE}/wall-embedded/metrics.db", CACHE / "wall-embedded"
    )
    run("embedded", embedded, args.period)
    if not args.skip_influx:
        influx = harness.influxdb(CACHE / "influxdb").start()
        try:
            url = influx.url.replace("http://", "influxdb://") + "/wall"
            run("influxdb", prepare("influxdb", url, CACHE / "wall-influx"), args.period)
        finally:
            influx.stop()


if __name__ == "__main__":
    main()
