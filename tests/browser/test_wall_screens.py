"""The wall as a room sees it: screen sizes, the carousel, stale data, a slow store, layouts
edited while it runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.screencheck import CHECK, SIZES
from tests.browser.test_demo_wall import open_wall
from tests.conftest import RecordingPage, _wall_process, sign_in_page
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan
from wall.core.progress import EventKind, ProgressEvent
from wall.state.db import connect
from wall.state.progress import add_event
from wall.store import Sample, open_store


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_the_room_without_overflow(demo_wall, browser, size):
    url, _ = demo_wall
    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h}, bypass_csp=True)
    try:
        page = context.new_page()
        for screen in ("overview", "operations"):
            page.goto(f"{url}/?screen={screen}", wait_until="networkidle")
            page.wait_for_selector(".screen.active .panel-body *", timeout=30_000)
            page.wait_for_timeout(1000)
            got = page.evaluate(CHECK)
            assert got["page"] == [w, h, w, h], f"{screen}: the page scrolls"
            assert got["cut"] == [], f"{screen}: content cut off"
            # no text smaller than 1.2 % of the screen's height
            assert got["smallest"] >= 0.0125 * min(h, w * 9 / 16) - 0.5, screen
    finally:
        context.close()


def test_the_carousel_turns_to_the_next_screen(plain_wall, page):
    url, _ = plain_wall
    page.page.goto(url + "/", wait_until="networkidle")
    page.page.wait_for_selector(".screen.active", timeout=20_000)
    first = page.page.get_attribute(".screen.active", "id")
    # quick layouts: four seconds a screen
    page.page.wait_for_function(
        f"document.querySelector('.screen.active').id !== {first!r}", timeout=12_000
    )
    titles = page.page.inner_text(".screen-title")
    assert titles in ("全省一片云 · 总览", "运行与安全")
    assert len(page.page.query_selector_all(".screen.active")) == 1


def _online(conn, plan, node_id):
    add_event(conn, plan, ProgressEvent(EventKind.node_live, node_id,
              datetime(2019, 9, 30, 12, tzinfo=CHINA), "验收", "test"))  # fmt: skip


def _node_samples(node: str, t: datetime) -> list[Sample]:
    return [
        Sample.make("health", {"node": node}, {"up": 1, "hosts_down": 0}, t),
        Sample.make(
            "capacity",
            {"node": node},
            {
                "vcpu_total": 1000,
                "vcpu_allocated": 500,
                "mem_total_gib": 100,
                "mem_allocated_gib": 50,
                "storage_total_tib": 10,
                "storage_allocated_tib": 5,
            },
            t,
        ),
    ]


def test_a_node_whose_data_stopped_is_shown_stale_never_green(plain_wall, page):
    url, data = plain_wall
    plan = load_plan()
    conn = connect(data / "state.db")
    for node in ("city-meizhou", "city-shantou"):
        _online(conn, plan, node)
    conn.close()
    store = open_store(f"sqlite:///{data}/metrics.db")
    now = datetime.now(UTC)
    store.write(
        _node_samples("city-meizhou", now) + _node_samples("city-shantou", now - timedelta(hours=2))
    )
    open_wall(page, url)
    # the page may open with answers cached a moment before the samples landed (one cache
    # bucket, a second here); the next refresh has them
    page.page.wait_for_function(
        "(document.querySelector('.screen.active ul.alerts') || {}).innerText"
        "?.includes('汕头政务云节点 数据中断')",
        timeout=15_000,
    )
    alerts = page.page.inner_text(".screen.active ul.alerts")
    assert "汕头政务云节点 数据中断" in alerts
    assert "梅州" not in alerts
    # the map: 汕头 grey (数据中断), 梅州 green (正常)
    from geo.cities import CITIES

    names = [c.name for c in CITIES]
    paths = ".screen.active .map-graph path.choroplethlocation"
    fill = f"i => getComputedStyle(document.querySelectorAll('{paths}')[i]).fill"
    page.page.wait_for_function(
        f"({fill})({names.index('汕头')}) === 'rgb(123, 132, 148)'", timeout=10_000
    )
    assert page.page.evaluate(fill, names.index("梅州")) == "rgb(31, 157, 85)"


def test_a_slow_store_neither_freezes_the_screen_nor_piles_up_requests(tmp_path, browser):
    from tests.harness import servers as harness
    from tests.harness.slowproxy import SlowProxy

    influx = harness.influxdb(tmp_path / "influx").start()
    try:
        with SlowProxy(influx.url, delay_s=0.1) as proxy:
            store_url = proxy.url.replace("http://", "influxdb://") + "/slow"
            wall = _wall_process(tmp_path, "serve", "--store", store_url)
            url, _ = next(wall)
            try:
                context = browser.new_context(
                    viewport={"width": 1920, "height": 1080}, bypass_csp=True
                )
                page = context.new_page()
                sign_in_page(RecordingPage(page), url)
                inflight, most, landed = [0], [0], [0]

                def sent(req):
                    if "_dash-update-component" in req.url and "refresh-done" in (
                        req.post_data or ""
                    ):
                        inflight[0] += 1
                        most[0] = max(most[0], inflight[0])

                def finished(req):
                    if "_dash-update-component" in req.url and "refresh-done" in (
                        req.post_data or ""
                    ):
                        inflight[0] -= 1
                        landed[0] += 1

                page.on("request", sent)
                page.on("requestfinished", finished)
                page.on("requestfailed", finished)
                page.goto(url + "/?screen=overview")
                clock0 = None
                t0 = time.monotonic()
                while time.monotonic() - t0 < 20:
                    page.wait_for_timeout(1000)
                    clock = page.inner_text("#wall-clock")
                    clock0 = clock0 or clock
                # every refresh takes far longer than the 1 s period (each of its store reads
                # waits 0.1 s), yet they land one after another, never two at once
                assert proxy.requests > 10
                assert most[0] == 1
                assert landed[0] >= 2
                assert page.inner_text("#tile-cities .tile-value") == "0/14"
                assert clock and clock0  # the clock is drawn by the browser itself
                context.close()
            finally:
                wall.close()
    finally:
        influx.stop()


def test_a_layout_edited_while_running_is_reloaded_and_a_bad_one_refused(
    plain_wall, page, tmp_path
):
    url, _ = plain_wall
    layouts = tmp_path / "layouts"
    open_wall(page, url)
    overview = layouts / "overview.yaml"
    text = overview.read_text()
    overview.write_text(text.replace("title: 告警 · 需要关注", "title: 告警 · 值班关注"))
    page.page.wait_for_function(
        "document.body.innerText.includes('告警 · 值班关注')", timeout=15_000
    )  # the page reloads itself with the new layout
    overview.write_text(text.replace("panel: alerts", "panel: weather"))
    page.page.wait_for_function("document.body.innerText.includes('布局文件有误')", timeout=15_000)
    banner = page.page.inner_text("#wall-banner")
    assert "overview.yaml:" in banner and "panels[3].panel" in banner
    assert "告警 · 值班关注" in page.page.inner_text("body")  # the last good layout stays
