"""Beyond one machine: collectors sharded by node across processes (no node collected twice,
none missed), and a collector's own /healthz, /readyz and /metrics."""

import subprocess
import sys

import httpx
from hypothesis import given
from hypothesis import strategies as st

from collectors.config import Source, shard_sources
from collectors.runner import Runner
from collectors.simulator.model import Province
from collectors.simulator.server import SimulatorServer
from tests.conftest import ROOT
from wall.core.plan import load_plan
from wall.core.plan.models import Tier
from wall.store import open_store
from wall.store.spool import BufferedWriter, Spool

PLAN = load_plan()


@given(
    nodes=st.lists(
        st.from_regex(r"city-[a-z0-9]{1,8}", fullmatch=True), min_size=1, max_size=40, unique=True
    ),
    count=st.integers(1, 6),
)
def test_shards_are_disjoint_and_cover_every_node(nodes, count):
    sources = [Source(name="a", type="simulator", nodes=nodes[::2]),
               Source(name="b", type="simulator", nodes=nodes[1::2] or nodes[:1])]  # fmt: skip
    feeds = [(s.name, n) for k in range(1, count + 1) for s in shard_sources(sources, k, count)
             for n in s.nodes]  # fmt: skip
    assert sorted(feeds) == sorted((s.name, n) for s in sources for n in s.nodes)


def test_two_collector_processes_with_disjoint_shards(tmp_path):
    server = SimulatorServer(Province(PLAN)).start()
    try:
        prd = [n.id for n in PLAN.nodes_of(Tier.prd)]
        cities = [n.id for n in PLAN.nodes_of(Tier.city)]
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            "schema_version: 1\nkind: sources\nsources:\n"
            f"  - {{name: prd, type: http_json, url: '{server.url}/api/v1/clouds/{{node}}',"
            f" mapping: cmp_v1, nodes: [{', '.join(prd)}], timeout_s: 5}}\n"
            f"  - {{name: cities, type: simulator, nodes: [{', '.join(cities)}], timeout_s: 5}}\n",
            encoding="utf-8",
        )
        seen = []
        for k in (1, 2):
            url = f"sqlite:///{tmp_path}/shard{k}.db"
            run = subprocess.run(
                [sys.executable, "-m", "wall.cli", "collect", "--once", "--sources", str(sources),
                 "--shard", f"{k}/2", "--store", url, "--data-dir", str(tmp_path / f"d{k}")],
                cwd=ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert run.returncode == 0, run.stdout + run.stderr
            store = open_store(url)
            collected = store.latest("collector", ["ok"])
            seen.append(
                {(s, n) for s, n in zip(collected["source"], collected["node"], strict=True)}
            )
            assert set(collected["value"]) == {1.0}
            store.close()
    finally:
        server.stop()
    assert seen[0] and seen[1] and not seen[0] & seen[1]  # no node collected twice
    everything = {("prd", n) for n in prd} | {("cities", n) for n in cities}
    assert seen[0] | seen[1] == everything  # none missed


def test_a_collector_reports_its_health_and_metrics(tmp_path):
    from collectors.ops import OpsServer

    store = open_store(f"sqlite:///{tmp_path}/m.db")
    good = Source(name="cities", type="simulator", nodes=["city-meizhou"], timeout_s=5)
    bad = Source(name="broken", type="exposition", url="http://127.0.0.1:9/metrics",
                 mapping="openstack_exporter", nodes=["city-heyuan"], timeout_s=0.5)  # fmt: skip
    runner = Runner([good, bad], BufferedWriter(store, Spool(tmp_path / "spool")), retries=0)
    ops = OpsServer(runner, port=0).start()
    try:
        runner.run_once()
        assert httpx.get(f"{ops.url}/healthz").text == "ok\n"
        assert httpx.get(f"{ops.url}/readyz").status_code == 200
        text = httpx.get(f"{ops.url}/metrics").text
        assert 'gdwall_collector_attempts_total{outcome="ok",source="cities"} 1.0' in text
        assert 'gdwall_collector_attempts_total{outcome="failed",source="broken"} 1.0' in text
        assert 'gdwall_collector_last_ok{source="broken"} 0.0' in text
        assert "gdwall_collector_spool_bytes 0.0" in text
        runner.paused = True  # waiting for the store (spool full): not ready
        assert httpx.get(f"{ops.url}/readyz").status_code == 503
    finally:
        ops.stop()
        runner.close()


def test_two_wall_hosts_share_sessions_state_and_cache(tmp_path, postgresql_url, redis_url):
    """Behind a load balancer without sticky sessions: signed in on one host, the next request
    lands on the other; both keep state in one PostgreSQL and answers in one Redis."""
    from contextlib import ExitStack

    import redis as redis_client

    from tests.conftest import TEST_PASSWORD, TEST_SECRET, _wall_process, sign_in_client
    from wall.state import auth
    from wall.state.db import connect

    conn = connect(postgresql_url)
    auth.add_user(conn, "lb-admin", "admin", TEST_PASSWORD)
    conn.close()
    env = {"GDWALL_STATE_DB": postgresql_url, "GDWALL_REDIS_URL": redis_url,
           "GDWALL_SECRET_KEY": TEST_SECRET}  # fmt: skip
    with ExitStack() as stack:
        hosts = []
        for name in ("a", "b"):
            walls = _wall_process(tmp_path / name, "serve", "--store", f"sqlite:///{tmp_path}/m.db",
                                  env_extra=env)  # fmt: skip
            hosts.append(next(walls)[0])
            stack.callback(walls.close)
        a, b = hosts
        client = stack.enter_context(httpx.Client(timeout=30))
        sign_in_client(client, "lb-admin", url=a)  # asserts the sign-in's 302
        assert client.get(f"{b}/admin").status_code == 200  # the other host knows the session
        assert client.get(f"{b}/_dash-layout", headers={"Referer": f"{b}/"}).status_code == 200
        conn = connect(postgresql_url)
        entries = auth.audit_entries(conn)
        conn.close()
        assert [e[3] for e in entries].count("login") == 1
        assert {e[4] for e in entries if e[3] == "config_change"} == {"layouts", "plan"}  # once
        assert redis_client.Redis.from_url(redis_url).keys("gdwall:*")  # answers shared
