"""The harness gives tests real servers: each answers and does its real job."""

import time
from pathlib import Path

import httpx
import pytest
import redis

from tests.harness import servers as harness


def influx_query(url: str, q: str, db: str | None = None) -> dict:
    params = {"q": q, "epoch": "s"} | ({"db": db} if db else {})
    r = httpx.post(f"{url}/query", params=params, timeout=10)
    r.raise_for_status()
    return r.json()


def test_influxdb_round_trips_a_point_with_a_chinese_tag(influx_url):
    influx_query(influx_url, "CREATE DATABASE harness_check")
    line = "usage,node=city-meizhou,city=梅州 cpu_util=0.42 1577808000"
    r = httpx.post(f"{influx_url}/write", params={"db": "harness_check", "precision": "s"},
                   content=line.encode(), timeout=10)  # fmt: skip
    assert r.status_code == 204, r.text
    res = influx_query(
        influx_url, "SELECT cpu_util FROM usage WHERE city = '梅州'", "harness_check"
    )
    assert res["results"][0]["series"][0]["values"] == [[1577808000, 0.42]]


def test_influxdb_listens_on_loopback_only(influx_url):
    assert influx_url.startswith("http://127.0.0.1:")


def test_prometheus_scrapes_the_real_node_exporter(prometheus_url, node_exporter_url):
    target = node_exporter_url.removeprefix("http://")
    deadline = time.monotonic() + 30
    value = None
    query = f'node_memory_MemTotal_bytes{{instance="{target}"}}'
    while time.monotonic() < deadline:
        r = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": query})
        result = r.json()["data"]["result"]
        if result:
            value = float(result[0]["value"][1])
            break
        time.sleep(0.5)
    assert value is not None, "Prometheus never scraped node_exporter"
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(x for x in meminfo if x.startswith("MemTotal:")).split()[1])
    assert value == total_kib * 1024


def test_redis_answers(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.set("gdwall:check", "全省一片云")
    assert client.get("gdwall:check").decode() == "全省一片云"


def test_private_influxdb_can_be_stopped_and_keeps_its_data_across_restart(private_influxdb):
    url = private_influxdb.url
    influx_query(url, "CREATE DATABASE d")
    httpx.post(f"{url}/write", params={"db": "d", "precision": "s"}, content=b"m v=1 1600000000")
    private_influxdb.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ping", timeout=2)
    private_influxdb.start()
    res = influx_query(url, "SELECT v FROM m", "d")
    assert res["results"][0]["series"][0]["values"] == [[1600000000, 1.0]]


def test_a_missing_server_fails_with_what_to_install():
    with pytest.raises(harness.MissingService, match=r"apt-get install -y influxdb"):
        harness.PACKAGES["no-such-influxd"] = "influxdb"
        harness.need("no-such-influxd")
