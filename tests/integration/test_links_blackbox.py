"""Extranet links probed by Debian's real prometheus-blackbox-exporter: far ends on loopback
that answer, answer late (a delaying proxy), drop every second connection (a dropping proxy),
or are not there at all; what the collector makes of them lands in both stores; and an
exporter that is away is the collector's failure, never a link down."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from collectors.base import CollectError, ErrorKind
from collectors.blackbox import BlackboxCollector
from collectors.config import Source
from tests.harness import servers as harness
from tests.harness.loopback import Proxy, WebTarget
from wall.store import open_store

DELAY_S = 0.3


@pytest.fixture(scope="module")
def far_ends():
    web = WebTarget().start()
    slow = Proxy(web.port, delay_s=DELAY_S).start()
    lossy = Proxy(web.port, drop_every=2).start()
    closed = harness.free_port()  # nothing listens there
    yield {"web": web.port, "slow": slow.port, "lossy": lossy.port, "closed": closed}
    for s in (slow, lossy, web):
        s.stop()


@pytest.fixture(scope="module")
def exporter(tmp_path_factory):
    server = harness.blackbox_exporter(tmp_path_factory.mktemp("blackbox")).start()
    yield server
    server.stop()


def _links_file(path, ports) -> None:
    def link(lid, node, target, module):
        return {"id": lid, "name": lid, "source": "prov-mingmei", "node": node, "carrier": "电信",
                "mbps": 100, "probes": [{"target": target, "module": module}]}  # fmt: skip

    links = [
        link("link-meizhou", "city-meizhou", f"127.0.0.1:{ports['web']}", "tcp_connect"),
        link("link-shaoguan", "city-shaoguan", f"127.0.0.1:{ports['closed']}", "tcp_connect"),
        link("link-heyuan", "city-heyuan", f"http://127.0.0.1:{ports['slow']}/", "http_2xx"),
        link("link-shantou", "city-shantou", f"http://127.0.0.1:{ports['lossy']}/", "http_2xx"),
    ]
    path.write_text(yaml.safe_dump({"schema_version": 1, "kind": "links", "links": links},
                                   allow_unicode=True), encoding="utf-8")  # fmt: skip


def _source(url, links_file) -> Source:
    return Source(name="extranet-probes", type="blackbox", url=url, links_file=links_file,
                  nodes=["city-meizhou", "city-shaoguan", "city-heyuan", "city-shantou"],
                  timeout_s=3, interval_s=60, loss_window_s=600)  # fmt: skip


def test_links_probed_by_the_real_exporter_land_in_both_stores(
    far_ends, exporter, tmp_path, influx_url
):
    _links_file(tmp_path / "links.yaml", far_ends)
    collector = BlackboxCollector(_source(exporter.url, tmp_path / "links.yaml"))
    start = datetime.now(UTC).replace(microsecond=0)
    rounds = [collector.collect(start + timedelta(minutes=k)) for k in range(4)]
    last = {s.tags["link"]: s.fields for s in rounds[-1]}

    assert last["link-meizhou"]["up"] == 1.0 and last["link-meizhou"]["loss"] == 0.0
    assert last["link-meizhou"]["rtt_ms"] < DELAY_S * 1000
    # nothing listens: down, every probe lost, no round-trip time to speak of
    assert last["link-shaoguan"] == {"up": 0.0, "loss": 1.0}
    # the delaying proxy holds each answer DELAY_S
    assert last["link-heyuan"]["up"] == 1.0 and last["link-heyuan"]["rtt_ms"] >= DELAY_S * 1000
    # every second connection dropped: half of four rounds' probes lost
    assert last["link-shantou"]["loss"] == 0.5
    assert [r["up"] for r in ({s.tags["link"]: s.fields for s in got}["link-shantou"]
                              for got in rounds)] == [1.0, 0.0, 1.0, 0.0]  # fmt: skip

    embedded = open_store(f"sqlite:///{tmp_path}/metrics.db")
    influx = open_store(
        influx_url.replace("http://", "influxdb://") + f"/l_{uuid.uuid4().hex[:10]}"
    )
    try:
        for store in (embedded, influx):
            for got in rounds:
                store.write(got)
            if hasattr(store, "flush"):
                store.flush()
            frame = store.latest("link", ["up", "loss", "rtt_ms"])
            read = {(r.link, r.field): r.value for r in frame.itertuples(index=False)}
            assert read[("link-shaoguan", "up")] == 0.0
            assert read[("link-shantou", "loss")] == 0.5
            assert read[("link-heyuan", "rtt_ms")] == pytest.approx(last["link-heyuan"]["rtt_ms"])
            assert ("link-shaoguan", "rtt_ms") not in read
            nodes = dict(zip(frame["link"], frame["node"], strict=False))
            assert nodes["link-heyuan"] == "city-heyuan"
    finally:
        embedded.close()
        influx.close()


def test_an_exporter_that_is_away_is_the_collectors_failure(far_ends, tmp_path):
    _links_file(tmp_path / "links.yaml", far_ends)
    url = f"http://127.0.0.1:{harness.free_port()}"
    collector = BlackboxCollector(_source(url, tmp_path / "links.yaml"))
    with pytest.raises(CollectError) as caught:
        collector.collect(datetime.now(UTC))
    assert caught.value.kind == ErrorKind.refused
