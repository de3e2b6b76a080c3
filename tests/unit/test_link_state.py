"""The wall tells a link outage from a node outage (#19): a node whose data stopped behind an
extranet link that the probes find down is unseen ("链路中断，节点状态未知"), never said to have
failed; a node that reports itself down behind a link that answers has failed; a node and its
link both silent is the collector's blindness; loss past the threshold is a degraded link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wall.core.chinatime import CHINA
from wall.core.layouts import LayoutSource
from wall.core.plan import load_plan
from wall.core.plan.models import NodeState
from wall.core.progress import EventKind, ProgressEvent
from wall.read import cache
from wall.read.reader import Backend, Reader
from wall.read.view import make_view
from wall.state.db import StateDB
from wall.state.progress import add_event
from wall.store import Sample, open_store

PLAN = load_plan()
LAYOUTS = LayoutSource(None).get()


def test_a_link_outage_is_told_from_a_node_outage(tmp_path):
    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = cache.bucket(datetime.now(UTC), 5)
    fresh, old = now - timedelta(minutes=1), now - timedelta(hours=2)

    def health(node, up, when):
        return Sample.make("health", {"node": node}, {"up": up, "hosts_down": 0.0}, when)

    def link(node, link_id, when, **fields):
        return Sample.make("link", {"node": node, "link": link_id}, fields, when)

    store.write([
        health("city-meizhou", 1.0, old), link("city-meizhou", "link-meizhou", fresh, up=0.0, loss=1.0),
        health("city-shaoguan", 0.0, fresh), link("city-shaoguan", "link-shaoguan", fresh, up=1.0, loss=0.0, rtt_ms=8.0),
        health("city-heyuan", 1.0, old), link("city-heyuan", "link-heyuan", old, up=1.0, loss=0.0, rtt_ms=9.0),
        health("city-shantou", 1.0, fresh), link("city-shantou", "link-shantou", fresh, up=1.0, loss=0.2, rtt_ms=12.0),
        link("city-meizhou", "link-meizhou-dabu", fresh, up=0.0, loss=1.0),
    ])  # fmt: skip
    backend = Backend(store, StateDB(tmp_path / "state.db"), PLAN, stale_after_s=300)
    with backend.state.connection() as conn:
        for node in ("city-meizhou", "city-shaoguan", "city-heyuan", "city-shantou"):
            add_event(conn, PLAN, ProgressEvent(EventKind.node_live, node,
                                                datetime(2019, 9, 30, 12, tzinfo=CHINA), "验收", "test"))  # fmt: skip

    state = Reader(backend, make_view("wall", "/", "", PLAN, now)).wall_state(LAYOUTS.thresholds)
    views = {v.node_id: v for v in state.views if v.node_id}
    alerts = {a.subject: a for a in state.alerts}

    meizhou = views["city-meizhou"]
    assert "链路中断" in meizhou.plan_label and "链路中断" in meizhou.label
    assert "链路中断，节点状态未知" in meizhou.hover and meizhou.link == "down"
    assert alerts["city-meizhou"].text == "梅州政务云节点 链路中断，节点状态未知"
    every = " ".join(a.text for a in state.alerts) + " ".join(v.hover for v in views.values())
    assert "节点故障" not in every
    assert "梅州政务云节点 云平台不可用" not in every

    assert alerts["city-shaoguan"].text == "韶关政务云节点 云平台不可用"  # the node, not its link
    assert (
        views["city-shaoguan"].link == "up" and "政务外网链路：正常" in views["city-shaoguan"].hover
    )

    assert "采集端中断" in alerts["city-heyuan"].text  # node and probes both silent: blind
    assert views["city-heyuan"].link == "stale"

    assert views["city-shantou"].link == "degraded"  # 20 % loss, past link_loss's warning
    assert (
        alerts["link-shantou"].kind == "link_degraded" and "丢包 20%" in alerts["link-shantou"].text
    )

    assert alerts["link-meizhou-dabu"].text == "梅州—大埔县 政务外网链路中断"


def test_the_network_page_counts_meizhous_demonstration_link_by_link(tmp_path):
    """The county links that answered count for 5a and 5b; one down is not counted; links
    never probed are 未探测; the table lists the troubled first, words not colours."""
    from wall.web.pages.network import link_table

    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = cache.bucket(datetime.now(UTC), 5)
    backend = Backend(store, StateDB(tmp_path / "state.db"), PLAN, stale_after_s=300)
    meizhou = [k for k in backend.links.for_milestone("m5a-meizhou-extranet")]
    samples = [Sample.make("link", {"node": k.node, "link": k.id},
                           {"up": 0.0 if k.id == "link-meizhou-dabu" else 1.0, "loss": 0.0, "rtt_ms": 9.0},
                           now - timedelta(minutes=1)) for k in meizhou]  # fmt: skip
    store.write(samples)
    read = Reader(backend, make_view("wall", "/network", "", PLAN, now))
    rows = read.link_rows(LAYOUTS.thresholds)
    demos = {d.milestone: d for d in read.demonstrations(rows)}
    assert (demos["m5a-meizhou-extranet"].answering, len(demos["m5a-meizhou-extranet"].links)) == (
        8,
        9,
    )
    # 5b adds the eight township aggregations, never probed here
    assert (demos["m5b-meizhou-demo"].answering, len(demos["m5b-meizhou-demo"].links)) == (8, 17)
    words = {r.link.id: r.words for r in rows}
    assert words["link-meizhou-dabu"] == "中断" and words["link-meizhou-dabu-towns"] == "未探测"
    table = link_table(rows, {n.id: n.name for n in PLAN.nodes})
    assert table.data[0]["link"] == "梅州—大埔县" and table.data[0]["state"] == "中断"


def test_a_nodes_own_links_latency_is_charted_apart_from_its_county_sites(tmp_path):
    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = cache.bucket(datetime.now(UTC), 5)
    samples = []
    for minutes in range(10, 180, 10):
        when = now - timedelta(minutes=minutes)
        samples.append(Sample.make("link", {"node": "city-meizhou", "link": "link-meizhou"},
                                   {"up": 1.0, "rtt_ms": 4.0}, when))  # fmt: skip
        samples.append(Sample.make("link", {"node": "city-meizhou", "link": "link-meizhou-dabu"},
                                   {"up": 1.0, "rtt_ms": 40.0}, when))  # fmt: skip
    store.write(samples)
    backend = Backend(store, StateDB(tmp_path / "state.db"), PLAN)
    view = make_view("node", "/node/city-meizhou", "range=24h", PLAN, now, "city-meizhou", True)
    read = Reader(backend, view)
    rtt = read.link_series("link-meizhou", ("rtt_ms",))["rtt_ms"]
    assert len(rtt) >= 3 and set(rtt["value"].round(6)) == {4.0}  # never the county's 40 ms


def test_the_maps_lines_are_as_wide_as_their_links_are_busy():
    """A link half busy is drawn 1.4 + 3.6 × 0.5 = 3.2 px wide in its state's colour; a link
    down carries nothing: the thin line, red."""
    from wall.read.mapview import city_views
    from wall.read.queries import LinkHealth
    from wall.web.panels import gdmap

    now = datetime.now(UTC)
    states = {n.id: NodeState.online for n in PLAN.nodes}
    links = {"city-meizhou": LinkHealth("city-meizhou", "up", now, 8.0, 0.0, 0.5),
             "city-shantou": LinkHealth("city-shantou", "down", now, None, 1.0, 0.7)}  # fmt: skip
    views = city_views(PLAN, states, {}, now, thresholds=LAYOUTS.thresholds, links=links)
    figure = gdmap.figure(views).to_plotly_json()
    lines = {t["name"]: t["line"] for t in figure["data"] if t.get("name", "").startswith("link-")}
    meizhou, shantou = lines["link-441400"], lines["link-440500"]
    assert meizhou["width"] == 3.2 and meizhou["color"] == gdmap.LINK_COLOURS["up"]
    assert shantou["width"] == 1.6 and shantou["color"] == gdmap.LINK_COLOURS["down"]
    patched = dict(gdmap.updates(views))
    assert 3.2 in patched.values()  # the refresh's patch carries the widths too
