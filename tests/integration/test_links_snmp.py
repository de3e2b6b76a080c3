"""A router interface read over SNMP: Debian's real snmpd (its own configuration on a high UDP
port, a view exposing IF-MIB) read by Debian's real prometheus-snmp-exporter 0.21 through the
committed deploy/snmp.yml, collected as a link's traffic and utilization into both stores.
The interface is this machine's loopback: the test moves a known number of bytes over it and
checks the collected rate against those bytes and against the kernel's own counters."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from collectors.base import CollectError, ErrorKind
from collectors.config import Source
from collectors.snmp import SnmpCollector
from tests.harness import servers as harness
from wall.store import open_store

SENT = 200 * 1024 * 1024  # bytes pushed over the loopback between the two collections
STEP_S = 60.0  # the two collections' instants, a minute apart
CONTRACTED_MBPS = 100


@pytest.fixture(scope="module")
def snmp(tmp_path_factory):
    root = tmp_path_factory.mktemp("snmp")
    agent = harness.snmpd(root / "snmpd").start()
    exporter = harness.snmp_exporter(root / "exporter").start()
    yield agent, exporter
    exporter.stop()
    agent.stop()


def _kernel_lo_bytes() -> tuple[int, int]:
    """The loopback's received and sent bytes as the kernel counts them (/proc/net/dev)."""
    for line in Path("/proc/net/dev").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name.strip() == "lo":
            cols = rest.split()
            return int(cols[0]), int(cols[8])
    raise AssertionError("no loopback interface in /proc/net/dev")


def _push(n: int) -> None:
    """Send n bytes over a loopback TCP connection."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def drain():
        conn, _ = server.accept()
        while conn.recv(1 << 20):
            pass
        conn.close()

    t = threading.Thread(target=drain)
    t.start()
    chunk = b"x" * (1 << 20)
    with socket.create_connection(("127.0.0.1", port)) as c:
        for _ in range(n // len(chunk)):
            c.sendall(chunk)
    t.join()
    server.close()


def _octets(exporter, target: str, if_index: int) -> float:
    text = httpx.get(f"{exporter.url}/snmp", params={"target": target, "module": "if_mib"}).text
    for line in text.splitlines():
        if line.startswith(f'ifHCInOctets{{ifIndex="{if_index}"'):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no ifHCInOctets for ifIndex {if_index}")


def _links_file(path, target: str, if_index: int) -> None:
    link = {"id": "link-meizhou", "name": "省中心—梅州", "source": "prov-mingmei",
            "node": "city-meizhou", "carrier": "电信", "mbps": CONTRACTED_MBPS,
            "probes": [{"target": "127.0.0.1:1"}],
            "interface": {"router": target, "if_index": if_index}}  # fmt: skip
    path.write_text(yaml.safe_dump({"schema_version": 1, "kind": "links", "links": [link]},
                                   allow_unicode=True), encoding="utf-8")  # fmt: skip


def _source(url, links_file) -> Source:
    return Source(name="extranet-routers", type="snmp", url=url, links_file=links_file,
                  nodes=["city-meizhou"], timeout_s=5, interval_s=60)  # fmt: skip


def test_a_routers_interface_becomes_the_links_traffic_in_both_stores(snmp, tmp_path, influx_url):
    agent, exporter = snmp
    target = f"127.0.0.1:{agent.port}"
    lo = socket.if_nametoindex("lo")
    _links_file(tmp_path / "links.yaml", target, lo)
    collector = SnmpCollector(_source(exporter.url, tmp_path / "links.yaml"))
    t0 = datetime.now(UTC).replace(microsecond=0)

    kernel_before = _kernel_lo_bytes()
    first = collector.collect(t0)
    assert first[0].fields == {"oper_up": 1.0}  # no rate from one reading
    seen = _octets(exporter, target, lo)
    _push(SENT)
    deadline = time.monotonic() + 30  # snmpd re-reads the kernel's counters every few seconds
    while _octets(exporter, target, lo) < seen + SENT and time.monotonic() < deadline:
        time.sleep(0.5)
    second = collector.collect(t0 + timedelta(seconds=STEP_S))
    kernel_after = _kernel_lo_bytes()

    fields = second[0].fields
    at_least = SENT * 8 / STEP_S / 1e6  # the bytes the test sent, over the minute
    at_most = (kernel_after[0] - kernel_before[0]) * 8 / STEP_S / 1e6  # all the kernel saw
    assert at_least <= fields["in_mbps"] <= at_most
    assert at_least <= fields["out_mbps"] <= (kernel_after[1] - kernel_before[1]) * 8 / STEP_S / 1e6
    assert at_least / CONTRACTED_MBPS <= fields["util"] <= at_most / CONTRACTED_MBPS
    assert fields["oper_up"] == 1.0

    embedded = open_store(f"sqlite:///{tmp_path}/metrics.db")
    influx = open_store(
        influx_url.replace("http://", "influxdb://") + f"/s_{uuid.uuid4().hex[:10]}"
    )
    try:
        for store in (embedded, influx):
            store.write(first)
            store.write(second)
            frame = store.latest("link", ["in_mbps", "util", "oper_up"])
            read = {r.field: r.value for r in frame.itertuples(index=False)}
            assert read["in_mbps"] == pytest.approx(fields["in_mbps"])
            assert read["util"] == pytest.approx(fields["util"])
            assert read["oper_up"] == 1.0
            assert set(frame["link"]) == {"link-meizhou"} and set(frame["node"]) == {"city-meizhou"}
    finally:
        embedded.close()
        influx.close()


def test_an_interface_the_router_does_not_have_is_named(snmp, tmp_path):
    agent, exporter = snmp
    _links_file(tmp_path / "links.yaml", f"127.0.0.1:{agent.port}", 4242)
    collector = SnmpCollector(_source(exporter.url, tmp_path / "links.yaml"))
    with pytest.raises(CollectError) as caught:
        collector.collect(datetime.now(UTC))
    assert caught.value.kind == ErrorKind.mapping
    assert "ifIndex 4242" in str(caught.value)
