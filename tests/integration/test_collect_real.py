"""Collection against real servers: Prometheus scraping the simulator and a real node_exporter,
written into a real InfluxDB; and every kind of source failure, isolated."""

import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import yaml
from flask import Flask
from werkzeug.serving import make_server

from collectors.base import CollectError, ErrorKind
from collectors.config import Source
from collectors.mapping import MAPPINGS_DIR
from collectors.prometheus import PrometheusCollector
from collectors.runner import Runner
from collectors.simulator.model import Province
from collectors.simulator.server import SimulatorServer
from tests.harness import servers as harness
from wall.core.plan import load_plan
from wall.store import open_store
from wall.store.spool import BufferedWriter, Spool

PROVINCE = Province(load_plan())


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(PROVINCE).start()
    yield server
    server.stop()


@pytest.fixture
def influx_store(influx_url):
    store = open_store(influx_url.replace("http://", "influxdb://") + f"/c_{uuid.uuid4().hex[:10]}")
    yield store
    store.close()


def reporting_nodes() -> list[str]:
    now = np.array([int(time.time())])
    return [n for n, sim in PROVINCE.nodes.items() if PROVINCE.reporting(sim, now)[0]]


def test_prometheus_scraping_the_simulator_collected_into_influxdb(
    simulator, influx_store, tmp_path
):
    nodes = reporting_nodes()
    target = simulator.url.removeprefix("http://")
    jobs = [
        harness.scrape_job(n, target, {"node": n}, f"/nodes/{n}/openstack/metrics") for n in nodes
    ]
    # a relaxed interval: 26 scrapes of up to 5,000 series each must fit on a loaded 2-core CI
    prom = harness.prometheus(tmp_path / "prom", jobs, interval_s=2.0).start()
    try:
        source = Source(name="province-prometheus", type="prometheus", url=prom.url, mapping="openstack_exporter",
                        nodes=nodes, timeout_s=5, interval_s=30)  # fmt: skip
        writer = BufferedWriter(influx_store, Spool(tmp_path / "spool"))
        runner = Runner([source], writer, retries=0)
        deadline = time.monotonic() + 90
        while True:  # until Prometheus has scraped every node once
            (attempt,) = runner.run_once()
            landed = influx_store.latest("capacity", ["vcpu_total"])
            if len(landed) == len(nodes) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        runner.close()
    finally:
        prom.stop()
    assert attempt.ok, attempt.error
    assert sorted(landed["node"]) == sorted(nodes)
    t = np.array([int(time.time())])
    for node, value in zip(landed["node"], landed["value"], strict=True):
        model = PROVINCE.capacity(PROVINCE.nodes[node], t)["vcpu_total"][0]
        assert value == pytest.approx(model, rel=0.01), node
    health = influx_store.latest("collector", ["ok"])
    assert set(health["node"]) == set(nodes) and set(health["value"]) == {1.0}


def test_real_node_exporter_through_the_shipped_mapping(prometheus_url, influx_store, tmp_path):
    node = harness.NODE_EXPORTER_NODE
    source = Source(name="host", type="prometheus", url=prometheus_url, mapping="node_exporter",
                    nodes=[node], timeout_s=5, interval_s=30)  # fmt: skip
    writer = BufferedWriter(influx_store, Spool(tmp_path / "spool"))
    runner = Runner([source], writer, retries=0)
    deadline = time.monotonic() + 40
    while True:  # rate() needs two scrapes inside its window
        (attempt,) = runner.run_once()
        usage = influx_store.latest("usage", ["cpu_util", "mem_util"])
        if len(usage) == 2 or time.monotonic() > deadline:
            break
        time.sleep(1)
    runner.close()
    assert attempt.ok, attempt.error
    got = dict(zip(usage["field"], usage["value"], strict=True))
    meminfo = {
        line.split(":")[0]: int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
    }
    mem_now = 1 - meminfo["MemAvailable"] / meminfo["MemTotal"]
    assert got["mem_util"] == pytest.approx(mem_now, abs=0.05)
    assert 0.0 <= got["cpu_util"] <= 1.0


def test_a_cycle_asks_few_questions_and_gets_each_fields_own_answer(prometheus_url):
    import httpx

    node = harness.NODE_EXPORTER_NODE
    source = Source(name="host", type="prometheus", url=prometheus_url, mapping="node_exporter",
                    nodes=[node], timeout_s=5, interval_s=30)  # fmt: skip
    collector = PrometheusCollector(source)
    deadline = time.monotonic() + 40
    while True:  # rate() needs two scrapes inside its window
        now = datetime.now(UTC)
        before = harness.queries_answered(prometheus_url)
        try:
            samples = collector.collect(now)
        except CollectError:
            samples = []
        asked = harness.queries_answered(prometheus_url) - before
        if (len(samples) == 1 and len(samples[0].fields) == 5) or time.monotonic() > deadline:
            break
        time.sleep(1)
    fields = collector.queries()
    assert len(fields) == 5
    # five fields, one request: a province's 26 nodes cost 26 requests a cycle, not 390
    assert asked == 1
    (sample,) = samples
    for q in fields:  # each field's PromQL asked on its own, at the same instant
        answer = httpx.get(f"{prometheus_url}/api/v1/query",
                           params={"query": q.promql, "time": now.timestamp()}).json()  # fmt: skip
        (series,) = answer["data"]["result"]
        assert sample.fields[q.field.split(".")[1]] == pytest.approx(float(series["value"][1]))


def test_a_broken_query_in_a_bundle_is_named_alone(prometheus_url, tmp_path):
    mapping = yaml.safe_load((MAPPINGS_DIR / "node_exporter.yaml").read_text())
    mapping["fields"][2]["promql"] = "sum by ($by) (node_memory_MemTotal_bytes{$sel}"  # no )
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(mapping))
    source = Source(name="host", type="prometheus", url=prometheus_url, mapping=str(path),
                    nodes=[harness.NODE_EXPORTER_NODE], timeout_s=5, interval_s=30)  # fmt: skip
    with pytest.raises(CollectError) as caught:
        PrometheusCollector(source).collect(datetime.now(UTC))
    assert caught.value.kind == ErrorKind.http_error
    message = str(caught.value)
    assert "node_memory_MemTotal_bytes" in message and "label_replace" not in message


class FaultyServer:
    """A real HTTP server whose routes hang, fail with 500, or answer garbage."""

    def __init__(self):
        app = Flask("faulty")
        self.release = threading.Event()
        app.add_url_rule("/hang", "hang", lambda: (self.release.wait(30), "late")[1])
        app.add_url_rule("/500", "e500", lambda: ("boom", 500))
        app.add_url_rule("/garbage", "garbage", lambda: "<html>this is not {metrics}\n\x00")
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self.release.set()
        self._server.shutdown()


def test_broken_sources_never_delay_or_break_the_others(simulator, influx_store, tmp_path):
    faulty = FaultyServer()
    gone = FaultyServer()
    gone.stop()  # disappeared before the run: connection refused
    good = [Source(name=f"good-{n}", type="exposition", url=f"{simulator.url}/nodes/{n}/openstack/metrics",
                   mapping="openstack_exporter", nodes=[n], timeout_s=1, interval_s=1)
            for n in ("city-meizhou", "prd-foshan")]  # fmt: skip
    bad = {
        "hang": ("city-heyuan", f"{faulty.url}/hang", "timeout"),
        "e500": ("city-shantou", f"{faulty.url}/500", "http_error"),
        "garbage": ("city-jieyang", f"{faulty.url}/garbage", "malformed"),
        "gone": ("city-yunfu", f"{gone.url}/metrics", "refused"),
    }
    broken = [Source(name=name, type="exposition", url=url, mapping="openstack_exporter", nodes=[node],
                     timeout_s=1, interval_s=1) for name, (node, url, _) in bad.items()]  # fmt: skip
    writer = BufferedWriter(influx_store, Spool(tmp_path / "spool"))
    runner = Runner(good + broken, writer, retries=1, backoff_s=0.1)
    try:
        started = time.monotonic()
        attempts = {a.source: a for a in runner.run_once()}
        took = time.monotonic() - started
        # concurrent: the cycle lasts about the slowest source (two timeouts), not the sum
        assert took < 2 * 1 + 0.4 + 1.5
        assert all(attempts[s.name].ok for s in good)
        for name, (_, _, kind) in bad.items():
            assert not attempts[name].ok and attempts[name].error.startswith(kind), attempts[
                name
            ].error
        landed = influx_store.latest("capacity", ["vcpu_total"])
        assert sorted(landed["node"]) == ["city-meizhou", "prd-foshan"]
        health = influx_store.latest("collector", ["ok", "error"])
        ok = health[health["field"] == "ok"].set_index("node")["value"]
        assert ok.to_dict() == {"city-heyuan": 0.0, "city-jieyang": 0.0, "city-meizhou": 1.0,
                                "city-shantou": 0.0, "city-yunfu": 0.0, "prd-foshan": 1.0}  # fmt: skip
        errors = health[health["field"] == "error"].set_index("node")["value"]
        assert errors["city-shantou"].startswith("http_error") and "500" in errors["city-shantou"]

        # running on their intervals, the good sources keep landing while the others fail
        before = influx_store.latest("collector", ["ok"]).set_index("node")["time"]
        loop = threading.Thread(target=runner.run, daemon=True)
        loop.start()
        time.sleep(3.5)
        runner.stop()
        loop.join(10)
        after = influx_store.latest("collector", ["ok"]).set_index("node")["time"]
        for node in ("city-meizhou", "prd-foshan"):
            assert (after[node] - before[node]).total_seconds() >= 2
    finally:
        faulty.stop()


def test_what_the_answering_sources_gave_is_stored_while_a_hanging_one_waits(
    simulator, influx_store, tmp_path
):
    faulty = FaultyServer()
    good = Source(name="good", type="exposition", mapping="openstack_exporter", nodes=["city-meizhou"],
                  url=f"{simulator.url}/nodes/city-meizhou/openstack/metrics", timeout_s=5)  # fmt: skip
    hang = Source(name="hang", type="exposition", url=f"{faulty.url}/hang", nodes=["city-heyuan"],
                  mapping="openstack_exporter", timeout_s=5)  # fmt: skip
    runner = Runner(
        [good, hang], BufferedWriter(influx_store, Spool(tmp_path / "spool")), retries=0
    )
    cycle = threading.Thread(target=runner.run_once, daemon=True)
    try:
        cycle.start()
        while cycle.is_alive() and influx_store.latest("capacity", ["vcpu_total"]).empty:
            time.sleep(0.1)
        # written before the hanging source's timeout ended the cycle, not after it
        assert cycle.is_alive()
        assert influx_store.latest("capacity", ["vcpu_total"])["node"].tolist() == ["city-meizhou"]
        cycle.join(15)
        ok = influx_store.latest("collector", ["ok"]).set_index("node")["value"]
        assert ok.to_dict() == {"city-heyuan": 0.0, "city-meizhou": 1.0}
    finally:
        faulty.stop()
        runner.close()


def test_one_source_from_flags_prints_what_it_wrote(simulator, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = subprocess.run(
        [sys.executable, "-m", "wall.cli", "collect", "--once", "--type", "exposition",
         "--url", f"{simulator.url}/nodes/city-meizhou/metrics", "--mapping", "openstack_exporter",
         "--node", "city-meizhou", "--store", f"sqlite:///{tmp_path}/m.db", "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "cli: ok" in out.stdout and "capacity city-meizhou: vcpu_total=" in out.stdout
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    assert store.latest("capacity", ["vcpu_total"])["node"].tolist() == ["city-meizhou"]
    bad = subprocess.run(
        [sys.executable, "-m", "wall.cli", "collect", "--once", "--type", "exposition", "--url",
         "http://127.0.0.1:9/metrics", "--mapping", "openstack_exporter", "--node", "city-meizhou",
         "--store", f"sqlite:///{tmp_path}/m.db", "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 1 and "FAILED" in bad.stdout and "refused" in bad.stdout


def test_http_json_against_the_simulators_api(simulator):
    from collectors.registry import build

    source = Source(name="prd", type="http_json", url=simulator.url + "/api/v1/clouds/{node}",
                    mapping="cmp_v1", nodes=["prd-foshan", "prd-zhuhai"])  # fmt: skip
    samples = build(source).collect(datetime.now(UTC))
    nodes = {s.tags["node"] for s in samples}
    assert nodes == {"prd-foshan", "prd-zhuhai"}
    assert {s.measurement for s in samples} == {"capacity", "usage", "health"}


def test_gdwall_collect_fills_the_store_until_sigterm_and_flushes(simulator, tmp_path):
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "schema_version: 1\nkind: sources\nsources:\n"
        f"  - {{name: meizhou, type: exposition, url: '{simulator.url}/nodes/city-meizhou/metrics',"
        " mapping: openstack_exporter, nodes: [city-meizhou], interval_s: 0.5, timeout_s: 0.5}\n"
        f"  - {{name: prd, type: http_json, url: '{simulator.url}/api/v1/clouds/{{node}}',"
        " mapping: cmp_v1, nodes: [prd-foshan, prd-zhuhai], interval_s: 0.5, timeout_s: 0.5}\n",
        encoding="utf-8",
    )
    store_url = f"sqlite:///{tmp_path}/m.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wall.cli", "collect", "--sources", str(sources), "--store", store_url,
         "--data-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    store = open_store(store_url)
    try:
        deadline = time.monotonic() + 30
        seen_times = set()
        while time.monotonic() < deadline and len(seen_times) < 3:  # fills it continuously
            latest = store.latest("collector", ["ok"], nodes=["city-meizhou"])
            seen_times |= set(latest["time"])
            time.sleep(0.3)
        assert len(seen_times) >= 3
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    nodes = set(store.latest("capacity", ["vcpu_total"])["node"])
    assert nodes == {"city-meizhou", "prd-foshan", "prd-zhuhai"}


def test_a_source_that_disappears_mid_run_goes_stale_alone(simulator, tmp_path):
    vanishing = SimulatorServer(PROVINCE).start()
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    sources = [
        Source(name="stays", type="exposition", url=f"{simulator.url}/nodes/city-meizhou/metrics",
               mapping="openstack_exporter", nodes=["city-meizhou"], timeout_s=0.5, interval_s=0.5),
        Source(name="vanishes", type="exposition", url=f"{vanishing.url}/nodes/city-heyuan/metrics",
               mapping="openstack_exporter", nodes=["city-heyuan"], timeout_s=0.5, interval_s=0.5),
    ]  # fmt: skip
    runner = Runner(
        sources, BufferedWriter(store, Spool(tmp_path / "spool")), retries=0, flush_every_s=0.3
    )
    loop = threading.Thread(target=runner.run, daemon=True)
    loop.start()
    time.sleep(1.5)
    vanishing.stop()
    gone_at = time.time()
    time.sleep(2.0)
    runner.stop()
    loop.join(10)
    ok = store.latest("collector", ["ok", "error"]).pivot(
        index="node", columns="field", values="value"
    )
    assert ok.loc["city-meizhou", "ok"] == 1.0
    assert ok.loc["city-heyuan", "ok"] == 0.0 and str(ok.loc["city-heyuan", "error"]).startswith(
        "refused"
    )
    data = store.latest("capacity", ["vcpu_total"]).set_index("node")["time"]
    # kept landing: a sample stamped in a later second than the vanishing (stamps are whole
    # seconds, so compare with the second it vanished in, not the instant)
    assert data["city-meizhou"].timestamp() >= int(gone_at) + 1
    assert data["city-heyuan"].timestamp() <= gone_at + 0.5  # its last sample is from before


def test_the_running_collector_applies_the_stores_retention(simulator, tmp_path):
    from datetime import timedelta

    from wall.store import Resolution, Sample
    from wall.store.base import Retention

    store = open_store(f"sqlite:///{tmp_path}/m.db", retention=Retention(raw_s=3600))
    old = datetime.now(UTC) - timedelta(hours=3)
    store.write(Sample.make("usage", {"node": "city-heyuan"}, {"cpu_util": 0.5}, old))
    source = Source(name="s", type="exposition", url=f"{simulator.url}/nodes/city-meizhou/metrics",
                    mapping="openstack_exporter", nodes=["city-meizhou"], interval_s=1, timeout_s=1)  # fmt: skip
    runner = Runner(
        [source], BufferedWriter(store, Spool(tmp_path / "spool")), retention_every_s=0.5
    )
    loop = threading.Thread(target=runner.run, daemon=True)
    loop.start()
    time.sleep(1.5)
    runner.stop()
    loop.join(10)
    raw = store.series("usage", "cpu_util", "city-heyuan", old - timedelta(hours=1), old + timedelta(hours=1),
                       timedelta(minutes=1), resolution=Resolution.raw)  # fmt: skip
    assert raw.empty  # the raw point is gone…
    hourly = store.rollup(
        "usage", "cpu_util", old - timedelta(hours=2), old + timedelta(hours=1), Resolution.hourly
    )
    assert hourly["count"].tolist() == [1]  # …its rollup stays
