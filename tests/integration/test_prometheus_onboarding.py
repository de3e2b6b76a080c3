"""A province's existing Prometheus as it is: Debian's Prometheus scraping Debian's
node_exporter with the labels every real deployment has (job, instance) and no `node` label.
The wall onboards it by label matchers or by a regular expression over a label, and
check-config --probe says per node how many series match."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import ROOT
from tests.harness import servers as harness
from wall.store import open_store


@pytest.fixture(scope="module")
def plain_prometheus(node_exporter_url, tmp_path_factory):
    """Prometheus with two jobs over the same real node_exporter, labelled only by job and
    instance, as operators write scrape configs."""
    root = tmp_path_factory.mktemp("plain-prometheus")
    target = node_exporter_url.removeprefix("http://")
    server = harness.prometheus(root, [harness.scrape_job("meizhou", target),
                                       harness.scrape_job("gd-city-heyuan-hosts", target)])  # fmt: skip
    server.start(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # both jobs scraped twice (rates need two points)
        found = httpx.get(f"{server.url}/api/v1/query",
                          params={"query": "count_over_time(up[1m])"}).json()["data"]["result"]  # fmt: skip
        if len(found) == 2 and all(float(r["value"][1]) >= 3 for r in found):
            break
        time.sleep(0.5)
    yield server.url
    server.stop()


def gdwall(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wall.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def memory_used_now() -> float:
    """1 − MemAvailable ÷ MemTotal from this machine's /proc/meminfo (what node_exporter
    exports, read here without it)."""
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    kib = {k: float(v.split()[0]) for k, v in info.items() if k in ("MemTotal", "MemAvailable")}
    return 1 - kib["MemAvailable"] / kib["MemTotal"]


def test_collect_once_by_label_matchers_without_relabelling(plain_prometheus, tmp_path):
    store = f"sqlite:///{tmp_path}/m.db"
    common = ["collect", "--once", "--type", "prometheus", "--url", plain_prometheus, "--mapping",
              "node_exporter", "--node", "city-meizhou", "--store", store, "--data-dir", str(tmp_path)]  # fmt: skip
    # as before: the series have no `node` label, and the message says what to do
    bare = gdwall(*common, tmp_path=tmp_path)
    assert bare.returncode == 1 and "mapping: no mapped series for city-meizhou" in bare.stdout
    assert "--match" in bare.stdout and "Traceback" not in bare.stderr
    run = gdwall(*common, "--match", '{job="meizhou"}', tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "cli: ok" in run.stdout
    latest = open_store(store).latest("usage", ["mem_util", "cpu_util"]).set_index("field")
    assert set(latest["node"]) == {"city-meizhou"}
    assert latest.loc["mem_util", "value"] == pytest.approx(memory_used_now(), abs=0.05)
    assert 0 <= latest.loc["cpu_util", "value"] <= 1


def test_a_sources_file_by_regex_over_a_label_and_the_probe(plain_prometheus, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"schema_version": 1, "kind": "sources", "sources": [
        {"name": "hosts", "type": "prometheus", "url": plain_prometheus, "mapping": "node_exporter",
         "nodes": ["city-heyuan", "city-shantou"], "timeout_s": 5,
         "node_regex": {"label": "job", "pattern": "gd-(?P<node>city-[a-z]+)-hosts"}},
        {"name": "meizhou", "type": "prometheus", "url": plain_prometheus, "mapping": "node_exporter",
         "nodes": ["city-meizhou"], "timeout_s": 5,
         "node_match": {"city-meizhou": '{job="meizhou", instance=~"127\\\\.0\\\\.0\\\\.1:.*"}'}},
    ]}, allow_unicode=True))  # fmt: skip
    probe = gdwall("check-config", str(sources), "--probe", tmp_path=tmp_path)
    lines = probe.stdout.splitlines()
    # node_exporter exports hundreds of series per scrape; 汕头 has no job of its own
    counts = {
        line.split()[2].rstrip(":"): int(line.split()[3]) for line in lines if "series" in line
    }
    assert counts["city-heyuan"] > 100 and counts["city-meizhou"] > 100, probe.stdout
    assert counts["city-shantou"] == 0 and "NONE hosts city-shantou: 0 series" in lines
    assert probe.returncode == 1  # a node that matches nothing fails the check
    # the same file collects: 河源 from its job, 梅州 from its matchers, 汕头 nothing
    store = f"sqlite:///{tmp_path}/m.db"
    run = gdwall("collect", "--once", "--sources", str(sources), "--store", store,
                 "--data-dir", str(tmp_path), tmp_path=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    nodes = set(open_store(store).latest("usage", ["mem_util"])["node"])
    assert nodes == {"city-heyuan", "city-meizhou"}


def test_a_bad_matcher_or_two_ways_at_once_is_refused_with_file_and_line(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "schema_version: 1\nkind: sources\nsources:\n"
        "  - name: a\n    type: prometheus\n    url: http://x\n    mapping: node_exporter\n"
        "    nodes: [city-meizhou]\n    node_label: instance\n"
        "    node_match: {city-meizhou: 'job=meizhou'}\n"
        "  - name: b\n    type: prometheus\n    url: http://x\n    mapping: node_exporter\n"
        "    nodes: [city-meizhou]\n    node_match: {city-heyuan: '{job=\"heyuan\"}'}\n"
        "    node_regex: {label: job, pattern: 'gd-(city-[a-z]+)'}\n"
    )
    out = gdwall("check-config", str(sources), tmp_path=tmp_path)
    assert out.returncode == 1
    assert f"{sources}:10: sources[0].node_match.city-meizhou" in out.stderr, out.stderr
    assert "not PromQL label matchers" in out.stderr
    assert (
        f"{sources}:17: sources[1].node_regex.pattern" in out.stderr and "(?P<node>" in out.stderr
    )


def test_a_federation_endpoint_scraped_directly_feeds_each_node_its_own_series(
    plain_prometheus, tmp_path
):
    # Prometheus' /federate is an exposition endpoint holding many nodes' series, labelled by
    # job and instance: an `exposition` source with node_match splits it without Prometheus'
    # query API (what a province exposes when only federation is allowed through)
    federate = f'{plain_prometheus}/federate?match[]={{job=~"meizhou|gd-city-heyuan-hosts"}}'
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"schema_version": 1, "kind": "sources", "sources": [
        {"name": "federated", "type": "exposition", "url": federate, "mapping": "node_exporter",
         "nodes": ["city-meizhou", "city-heyuan", "city-shantou"], "timeout_s": 5,
         "node_match": {"city-meizhou": '{job="meizhou"}',
                        "city-heyuan": '{job=~"gd-city-heyuan-.*", instance!=""}',
                        "city-shantou": '{job="shantou"}'}},
    ]}, allow_unicode=True))  # fmt: skip
    probe = gdwall("check-config", str(sources), "--probe", tmp_path=tmp_path)
    counts = {line.split()[2].rstrip(":"): int(line.split()[3])
              for line in probe.stdout.splitlines() if "series" in line}  # fmt: skip
    # both jobs scrape the same node_exporter: the same series, once per job
    assert counts["city-meizhou"] > 100 and counts["city-heyuan"] == counts["city-meizhou"]
    assert counts["city-shantou"] == 0, probe.stdout
    store = f"sqlite:///{tmp_path}/m.db"
    for _ in range(2):  # counters become rates from the second scrape on
        run = gdwall("collect", "--once", "--sources", str(sources), "--store", store,
                     "--data-dir", str(tmp_path), tmp_path=tmp_path)  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        time.sleep(1)
    latest = open_store(store).latest("usage", ["mem_util"]).set_index("node")["value"]
    assert sorted(latest.index) == ["city-heyuan", "city-meizhou"]
    for node in ("city-heyuan", "city-meizhou"):
        assert latest[node] == pytest.approx(memory_used_now(), abs=0.05)
