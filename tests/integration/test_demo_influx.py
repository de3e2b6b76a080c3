"""`gdwall demo --store influxdb://…`: the whole demo on a real InfluxDB — the backfilled
history, the simulated province collected every few seconds by the collector process, and
the wall reading them — so the chain can be tried on real servers with one command."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import _wall_process
from wall.store import open_store


def test_the_demo_runs_on_a_real_influxdb(influx_url, tmp_path):
    url = influx_url.replace("http://", "influxdb://") + f"/demo_{uuid.uuid4().hex[:8]}"
    since = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%d")
    for wall, data in _wall_process(tmp_path, "demo", "--since", since, "--interval-s", "2",
                                    "--store", url):  # fmt: skip
        store = open_store(url)
        try:
            # the backfilled history is in InfluxDB, not in an embedded file
            assert not (data / "metrics.db").exists()
            history = store.latest("capacity", ["vcpu_total"])
            assert len(history) >= 14
            # the collector process writes there too: a fresh attempt for every city
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                attempts = store.latest("collector", ["ok"])
                fresh = attempts[attempts["time"] > datetime.now(UTC) - timedelta(seconds=30)]
                if len(set(fresh["node"])) >= 14:
                    break
                time.sleep(1)
            assert len(set(fresh["node"])) >= 14, attempts
            # the wall serves from it: 梅州's page shows the collected data as fresh
            layout = httpx.get(f"{wall}/_dash-layout", headers={"Referer": f"{wall}/node/city-meizhou"},
                               timeout=60).text  # fmt: skip
            assert "梅州政务云节点" in layout and "✔ 正常" in layout, layout[:2000]
            assert "无数据" not in layout
        finally:
            store.close()
