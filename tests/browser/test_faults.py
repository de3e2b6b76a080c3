"""The wall under faults, against the real servers, with collectors and the wall running and a
screen open in Chromium: InfluxDB stopped for several collection intervals, Redis stopped,
Prometheus stopped, a gunicorn worker killed. Nothing is lost and no screen needs a reload."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.browser.test_demo_wall import open_wall
from tests.conftest import ROOT, _wall_process, sign_in_page
from tests.harness import servers as harness
from wall.store import Resolution, open_store

INTERVAL_S = 1.0  # every interval is configuration: seconds here, minutes in production


def _sources(path: Path, entries: list[str]) -> Path:
    path.write_text(
        "schema_version: 1\nkind: sources\nsources:\n" + "".join(entries), encoding="utf-8"
    )
    return path


def _collector(tmp_path: Path, sources: Path, store_url: str) -> subprocess.Popen:
    """`gdwall collect` with its output in collector.log (a line per attempt)."""
    with open(tmp_path / "collector.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "wall.cli", "collect", "--sources", str(sources), "--store", store_url,
             "--data-dir", str(tmp_path / "collector")],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, GDWALL_LOG_FORMAT="text"),
        )  # fmt: skip


def _refreshes_land(page, times: int = 3, timeout_s: float = 30) -> None:
    """`times` refreshes of the screen come back answered: refreshes keep landing."""
    landed = []

    def answered(response):
        body = response.request.post_data or ""
        if "_dash-update-component" in response.url and "refresh-done" in body and response.ok:
            landed.append(response.url)

    page.page.on("response", answered)
    try:
        deadline = time.monotonic() + timeout_s
        while len(landed) < times:
            assert time.monotonic() < deadline, f"refreshes stopped landing: {len(landed)}"
            page.page.wait_for_timeout(300)
    finally:
        page.page.remove_listener("response", answered)


def _wait(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def test_influxdb_stopped_the_wall_shows_the_last_data_stale_and_nothing_is_lost(
    private_influxdb, tmp_path, page
):
    store_url = (
        private_influxdb.url.replace("http://", "influxdb://") + f"/f_{uuid.uuid4().hex[:8]}"
    )
    sources = _sources(tmp_path / "sources.yaml", [
        f"  - {{name: sim, type: simulator, nodes: [city-meizhou, city-heyuan], interval_s: {INTERVAL_S},"
        " timeout_s: 0.8}\n"])  # fmt: skip
    collector = _collector(tmp_path, sources, store_url)
    store = open_store(store_url)
    try:
        _wait(lambda: len(store.latest("collector", ["ok"])) == 2, 30, "no data collected")
        for url, _ in _wall_process(tmp_path, "serve", "--store", store_url,
                                    env_extra={"GDWALL_STALE_AFTER_S": "600"}):  # fmt: skip
            sign_in_page(page, url)
            open_wall(page, url)
            _refreshes_land(page, 1)
            assert "数据存储不可用" not in page.page.inner_text("#wall-banner")
            tiles = page.page.inner_text("#tile-cities")
            private_influxdb.stop()
            stopped = time.monotonic()
            page.page.wait_for_function(
                "document.querySelector('#wall-banner').innerText.includes('数据存储不可用')",
                timeout=20_000,
            )
            banner = page.page.inner_text("#wall-banner")
            assert "显示" in banner  # the last data, and when it is from
            assert page.page.inner_text("#tile-cities") == tiles  # still shown, not blanked
            time.sleep(max(0, 5 * INTERVAL_S - (time.monotonic() - stopped)))  # several intervals
            spool = tmp_path / "collector" / "spool"
            log = tmp_path / "collector.log"
            _wait(lambda spool=spool: any(spool.iterdir()), 20,
                  f"the collector did not spool while the store was away: {log.read_text()[-800:]}")  # fmt: skip
            private_influxdb.start()
            page.page.wait_for_function(
                "!document.querySelector('#wall-banner').innerText.includes('数据存储不可用')",
                timeout=30_000,
            )
            _wait(lambda spool=spool: not any(spool.iterdir()), 30, "the spool was not replayed")
    finally:
        collector.send_signal(signal.SIGTERM)
        collector.wait(timeout=30)
    out = (tmp_path / "collector.log").read_text()
    attempts = [line for line in out.splitlines() if line.startswith("sim: ok")]
    counted = store.rollup("collector", "ok", *_span(), Resolution.hourly, nodes=["city-meizhou"],
                           stats=("count",))  # fmt: skip
    assert len(attempts) > 8 and counted["count"].sum() == len(attempts)  # each arrived once
    store.close()


def _span():
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return now - timedelta(hours=2), now + timedelta(hours=1)


def test_redis_stopped_the_wall_falls_back_to_its_own_cache_and_recovers(tmp_path, page):
    try:
        redis = harness.redis(tmp_path / "redis").start()
    except harness.MissingService as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        for url, _ in _wall_process(tmp_path, "serve", env_extra={"GDWALL_REDIS_URL": redis.url}):
            sign_in_page(page, url)
            open_wall(page, url)
            _refreshes_land(page, 2)
            assert "cache ok" in httpx.get(f"{url}/readyz").text
            redis.stop()
            # still ready: it serves every screen from each worker's own cache, and says so
            ready = httpx.get(f"{url}/readyz")
            assert ready.status_code == 200 and "cache degraded" in ready.text
            assert "gdwall_cache_degraded 1.0" in httpx.get(f"{url}/metrics").text
            _refreshes_land(page, 3)  # the screen keeps refreshing from each worker's own cache
            assert "数据存储不可用" not in page.page.inner_text("#wall-banner")
            redis.start()
            _wait(
                lambda url=url: "cache ok" in httpx.get(f"{url}/readyz").text, 20, "cache not back"
            )
            _refreshes_land(page, 2)
    finally:
        redis.stop()


def test_prometheus_stopped_its_nodes_go_stale_the_others_stay_live(tmp_path, page):
    from collectors.simulator.model import Province
    from collectors.simulator.server import SimulatorServer
    from wall.core.plan import load_plan

    simulator = SimulatorServer(Province(load_plan())).start()
    target = simulator.url.removeprefix("http://")
    job = harness.scrape_job(
        "meizhou", target, {"node": "city-meizhou"}, "/nodes/city-meizhou/openstack/metrics"
    )
    try:
        prom = harness.prometheus(tmp_path / "prom", [job], interval_s=1.0).start()
    except harness.MissingService as exc:
        pytest.fail(str(exc), pytrace=False)
    store_url = f"sqlite:///{tmp_path}/data/metrics.db"
    sources = _sources(tmp_path / "sources.yaml", [
        f"  - {{name: prom, type: prometheus, url: '{prom.url}', mapping: openstack_exporter,"
        f" nodes: [city-meizhou], interval_s: {INTERVAL_S}, timeout_s: 0.8}}\n",
        f"  - {{name: sim, type: simulator, nodes: [city-heyuan], interval_s: {INTERVAL_S}, timeout_s: 0.8}}\n",
    ])  # fmt: skip
    collector = None
    try:
        (tmp_path / "data").mkdir()
        collector = _collector(tmp_path, sources, store_url)
        store = open_store(store_url)
        _wait(lambda: set(store.latest("capacity", ["vcpu_total"])["node"]) == {"city-meizhou", "city-heyuan"},
              60, "Prometheus and the simulator not both collected")  # fmt: skip
        for url, _ in _wall_process(tmp_path, "serve", "--store", store_url,
                                    env_extra={"GDWALL_STALE_AFTER_S": "4"}):  # fmt: skip
            sign_in_page(page, url)
            page.page.goto(f"{url}/alerts")
            page.page.wait_for_selector("#alerts-title", timeout=30_000)
            assert page.page.locator("#alert-stale-city-meizhou").count() == 0
            prom.stop()
            page.page.wait_for_timeout(8000)  # past the staleness threshold
            page.page.goto(f"{url}/alerts")
            page.page.wait_for_selector("#alert-stale-city-meizhou", timeout=30_000)
            assert page.page.locator("#alert-stale-city-heyuan").count() == 0  # still live
        store.close()
    finally:
        if collector is not None:
            collector.send_signal(signal.SIGTERM)
            collector.wait(timeout=30)
        prom.stop()
        simulator.stop()


def test_a_killed_worker_is_replaced_and_screens_recover_without_a_reload(tmp_path, page):
    procs: list = []
    for url, _ in _wall_process(tmp_path, "serve", "--workers", "2", procs=procs):
        sign_in_page(page, url)
        open_wall(page, url)
        _refreshes_land(page, 2)
        page.page.evaluate("window.__sameDocument = 'yes'")
        master = procs[0].pid
        workers = _children(master)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)

        def replaced(m=master, gone=workers[0]) -> bool:
            return len(_children(m)) == 2 and gone not in _children(m)

        _wait(replaced, 30, "gunicorn did not replace the worker")
        _refreshes_land(page, 4)
        assert page.page.evaluate("window.__sameDocument") == "yes"  # no reload was needed


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out
