"""A link outage told from a node outage, on the screen (#19): 梅州's data has stopped; while
Debian's real blackbox exporter still reaches the far end of its extranet link, the wall says
the data stopped; once the far end is stopped, the wall says the link is down and the node
unseen ("链路中断，节点状态未知"), on the map and in the alerts, never that the node failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml

from collectors.blackbox import BlackboxCollector
from collectors.config import Source
from tests.browser.test_demo_wall import open_wall
from tests.browser.test_wall_screens import _node_samples, _online
from tests.harness import servers as harness
from tests.harness.loopback import WebTarget
from wall.core.plan import load_plan
from wall.state.db import connect
from wall.store import open_store

LABELS = (
    "() => Array.from(document.querySelectorAll('.screen.active .map-graph .trace.scattergeo text'))"
    ".map(t => t.textContent)"
)
ALERTS = "(document.querySelector('.screen.active ul.alerts') || {}).innerText || ''"


def test_stopping_a_probed_far_end_turns_data_stopped_into_link_down(plain_wall, page, tmp_path):
    url, data = plain_wall
    conn = connect(data / "state.db")
    _online(conn, load_plan(), "city-meizhou")
    conn.close()
    store = open_store(f"sqlite:///{data}/metrics.db")
    store.write(_node_samples("city-meizhou", datetime.now(UTC) - timedelta(hours=2)))

    far_end = WebTarget().start()
    exporter = harness.blackbox_exporter(tmp_path / "blackbox").start()
    links = {"id": "link-meizhou", "name": "省中心—梅州", "source": "prov-mingmei",
             "node": "city-meizhou", "carrier": "中国电信", "mbps": 1000,
             "probes": [{"target": f"127.0.0.1:{far_end.port}", "module": "tcp_connect"}]}  # fmt: skip
    (tmp_path / "links.yaml").write_text(
        yaml.safe_dump(
            {"schema_version": 1, "kind": "links", "links": [links]}, allow_unicode=True
        ),
        encoding="utf-8",
    )
    collector = BlackboxCollector(Source(name="probes", type="blackbox", url=exporter.url,
                                         links_file=tmp_path / "links.yaml", nodes=["city-meizhou"],
                                         timeout_s=3))  # fmt: skip
    try:
        store.write(collector.collect(datetime.now(UTC)))
        open_wall(page, url)
        # the link answers: the node's data stopped, and the wall says so
        page.page.wait_for_function(f"({LABELS})().includes('梅州⚠数据中断')", timeout=15_000)
        page.page.wait_for_function(f"{ALERTS}.includes('梅州政务云节点 数据中断')", timeout=15_000)

        far_end.stop()  # the far end of the link goes away
        store.write(collector.collect(datetime.now(UTC)))
        page.page.wait_for_function(f"({LABELS})().includes('梅州⚠链路中断')", timeout=15_000)
        page.page.wait_for_function(
            f"{ALERTS}.includes('梅州政务云节点 链路中断，节点状态未知')", timeout=15_000
        )
        body = page.page.inner_text("body")
        assert "梅州政务云节点 数据中断" not in body
        assert "梅州政务云节点 云平台不可用" not in body and "节点故障" not in body
        # the line from 梅州 to the province is drawn red (the link's state), in the legend's words
        assert "链路中断" in page.page.inner_text(".screen.active .legend")
    finally:
        exporter.stop()
        store.close()
