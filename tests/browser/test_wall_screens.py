"""The wall as a room sees it: screen sizes, the carousel, stale data, a slow store, layouts
edited while it runs."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.screencheck import CHECK, MAP_LABELS, SIZES, contrast, overlapping
from tests.browser.test_demo_wall import open_wall
from tests.conftest import RecordingPage, _wall_process, sign_in_page
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan
from wall.core.progress import EventKind, ProgressEvent
from wall.state.db import connect
from wall.state.progress import add_event
from wall.store import Sample, open_store
from wall.web import ids

SCREENS = ("overview", "operations")


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
            # a loaded server makes the wall say so in its header: it must still fit (CI's
            # machine once pushed the header 110 px out of 1080p with it)
            slow = f"document.getElementById({ids.STATUS!r}).textContent = '⟳ 刷新缓慢 12秒'"
            got = page.evaluate(f"() => {{ {slow}; return ({CHECK})(); }}")
            assert got["page"] == [w, h, w, h], f"{screen}: the page scrolls"
            assert got["cut"] == [], f"{screen}: content cut off"
            # no text smaller than 1.3 % of the screen's height, the map's SVG text included
            assert got["smallest"] >= 0.013 * h, (screen, got["smallest"], got["smallestText"])
            if screen != "overview":
                continue
            # no label over another (the Pearl River Delta's seven cities within an inch):
            # kept apart within seconds of the map's drawing, and so for good
            deadline = time.monotonic() + 8
            while overlapping(labels := page.evaluate(MAP_LABELS)) and time.monotonic() < deadline:
                page.wait_for_timeout(250)
            assert overlapping(labels) == [], "map labels over each other"
            assert len(labels) == 21 + 2  # the cities, and the two provincial centres
            for label in labels:  # WCAG AA: 4.5:1, or 3:1 for text of 24 px and more
                ratio = contrast(label["fg"], label["bg"])
                assert ratio >= (3.0 if label["size"] >= 24 else 4.5), (label, ratio)
    finally:
        context.close()


def test_a_window_resized_after_loading_rescales_the_map_texts(demo_wall, browser):
    """The map's labels follow the window when it changes size (a screen moved to another
    display, a browser un-maximised), not only the size the page loaded at."""
    url, _ = demo_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{url}/?screen=overview", wait_until="networkidle")
        page.wait_for_selector(".screen.active .map-graph .scattergeo text", timeout=30_000)
        page.set_viewport_size({"width": 3840, "height": 2160})
        deadline = time.monotonic() + 10
        while (got := page.evaluate(CHECK))["smallest"] < 0.013 * 2160:
            assert time.monotonic() < deadline, (got["smallest"], got["smallestText"])
            page.wait_for_timeout(250)
    finally:
        context.close()


def _names_size(page) -> float:
    """The city names' font size on the map as drawn (px); the centres' labels are smaller."""
    return max(label["size"] for label in page.evaluate(MAP_LABELS))


def _served_names_size(response) -> float:
    """The city names' font size in the map figure of a /_dash-layout answer."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Graph" and "figure" in node.get("props", {}):
                for trace in node["props"]["figure"]["data"]:
                    if trace.get("name") == "names":
                        found.append(trace["textfont"]["size"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(response.json())
    return found[0]


def test_the_map_arrives_drawn_at_the_screens_size_and_another_is_rescaled(demo_wall, browser):
    """A screen reloaded gets its map already sized for it (the unit its browser measured last
    time, kept in a cookie): plotly draws it once, at the size shown. A map sent for another
    size (the cookie of another screen, or a window changed since) is rescaled as it opens."""
    url, _ = demo_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    drawn = ".screen.active .map-graph .scattergeo text"
    try:
        page = context.new_page()
        page.goto(f"{url}/?screen=overview", wait_until="networkidle")
        page.wait_for_selector(drawn, timeout=30_000)
        deadline = time.monotonic() + 10
        while (first := _names_size(page)) == 17:  # the size sent with no cookie yet
            assert time.monotonic() < deadline, "the map was never scaled to the screen"
            page.wait_for_timeout(250)
        unit = page.evaluate(
            "() => document.querySelector('.unit-probe').getBoundingClientRect().width"
        )
        cookie = {c["name"]: c["value"] for c in context.cookies()}["gdwall_unit"]
        assert float(cookie) == pytest.approx(unit, abs=0.005)
        assert first == pytest.approx(unit * 1.15, abs=0.06)  # names are 1.15 units tall

        with page.expect_response(lambda r: r.url.endswith("/_dash-layout")) as answer:
            page.reload(wait_until="networkidle")
        assert _served_names_size(answer.value) == first  # sent at the size it is shown
        page.wait_for_selector(drawn, timeout=30_000)
        assert _names_size(page) == first

        # the cookie of a screen whose unit is 30 px: sent at 34.5 px, shown at this one's
        context.add_cookies([{"name": "gdwall_unit", "value": "30", "url": url}])
        with page.expect_response(lambda r: r.url.endswith("/_dash-layout")) as answer:
            page.reload(wait_until="networkidle")
        assert _served_names_size(answer.value) == 34.5
        page.wait_for_selector(drawn, timeout=30_000)
        deadline = time.monotonic() + 10
        while _names_size(page) != first:
            assert time.monotonic() < deadline, _names_size(page)
            page.wait_for_timeout(250)
        assert {c["name"]: c["value"] for c in context.cookies()}["gdwall_unit"] == cookie
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
    # the map answers the plan (both live, in their first year: the same colour), and marks
    # health in words where something is wrong: 汕头's data stopped; 梅州 shows its
    # utilization, 50 %, below the plan's 60 % floor
    from geo.cities import CITIES

    names = [c.name for c in CITIES]
    paths = ".screen.active .map-graph path.choroplethlocation"
    fill = f"i => getComputedStyle(document.querySelectorAll('{paths}')[i]).fill"
    texts = (
        "() => Array.from(document.querySelectorAll('.screen.active .map-graph .trace.scattergeo text'))"
        ".map(t => t.textContent)"
    )
    page.page.wait_for_function(f"({texts})().includes('汕头⚠数据中断')", timeout=10_000)
    assert "梅州▼50%" in page.page.evaluate(texts)
    assert page.page.evaluate(fill, names.index("汕头")) == page.page.evaluate(
        fill, names.index("梅州")
    )


def test_a_node_late_on_a_day_of_2019_is_red_and_says_so_on_the_map(plain_wall, page):
    # 河源's node was due by 2019-09-30 (附件第2项); here it is still being built in October,
    # while 肇庆 went live in July: as of 2019-10-15 the map shows 河源 late, in colour and words
    url, data = plain_wall
    plan = load_plan()
    conn = connect(data / "state.db")
    for kind, node, day in ((EventKind.node_building, "city-heyuan", 5),
                            (EventKind.node_building, "city-zhaoqing", 3),
                            (EventKind.node_live, "city-zhaoqing", 7)):  # fmt: skip
        add_event(conn, plan, ProgressEvent(kind, node, datetime(2019, day, 1, 12, tzinfo=CHINA),
                                            "验收", "test"))  # fmt: skip
    conn.close()
    open_wall(page, url, "overview", "&asof=2019-10-15")
    from geo.cities import CITIES

    names = [c.name for c in CITIES]
    paths = ".screen.active .map-graph path.choroplethlocation"
    fill = f"i => getComputedStyle(document.querySelectorAll('{paths}')[i]).fill"
    page.page.wait_for_function(
        f"({fill})({names.index('河源')}) === 'rgb(163, 32, 47)'", timeout=15_000
    )
    # 韶关 (due the same day, no event at all) is late too; 肇庆 is live, the rest not yet due
    reds = [n for i, n in enumerate(names) if page.page.evaluate(fill, i) == "rgb(163, 32, 47)"]
    assert sorted(reds) == sorted(["河源", "韶关"])
    labels = page.page.evaluate(
        "() => Array.from(document.querySelectorAll('.screen.active .map-graph .trace.scattergeo text'))"
        ".map(t => t.textContent)"
    )
    assert "河源逾期未建成" in labels
    legend = page.page.inner_text(".screen.active .legend")
    assert "逾期未建成/未对接" in legend and "一周年考核期内" in legend


def test_on_a_quiet_day_the_alert_panel_gives_its_room_to_the_next_deadlines(plain_wall, page):
    # 2019-08-01, nothing built, nothing due yet: no alert. The plan's first deadlines after
    # it (粤办函〔2019〕288号): 附件第7项 by the end of August 2019 (30 days later), then the
    # three city nodes and 附件第2项's first three by 2019-09-30 (60 days)
    url, _ = plain_wall
    open_wall(page, url, "overview", "&asof=2019-08-01")
    page.page.wait_for_selector(
        ".screen.active .upcoming:visible .deadline:visible", timeout=15_000
    )
    panel = page.page.inner_text(".screen.active .panel-alerts")
    assert "当前无告警" in panel and "即将到期" in panel
    rows = page.page.locator(".screen.active .upcoming:visible .deadline:visible").all_inner_texts()
    assert len(rows) == 3
    assert rows[0].startswith("30 天") and "2019年8月31日" in rows[0]
    assert all(r.startswith("60 天") and "2019年9月30日" in r for r in rows[1:])
    got = page.page.evaluate(CHECK)
    assert got["cut"] == []  # the rows fit the panel, the header holds the document number
    assert "粤办函〔2019〕288号" in page.page.inner_text(".title-block .doc-no")


def test_a_busy_day_fits_the_alert_panels_at_every_size(plain_wall, page):
    # with no progress recorded, 2020-07-01 has more alerts than a 16:9 screen's panels hold
    # (every city node and Pearl River Delta cloud overdue), 2019-10-15 three (milestones 2a,
    # 7 and 8a overdue) and two of the next deadlines under them: at 1080p the alerts once ran
    # 38 px past the operations screen's panel on such a day. A wall three times wider than
    # high gives the panel five or six of its six grid rows: there the layouts' wide_limit
    # (20 and 24 rows) shows them all. On the overview the map's labels, long on such a day
    # ("…逾期未对接" under the Pearl River Delta), must not cover each other either
    url, _ = plain_wall
    p = page.page
    for (w, h), day, screen in itertools.product(SIZES, ("2020-07-01", "2019-10-15"), SCREENS):
        p.set_viewport_size({"width": w, "height": h})
        open_wall(page, url, screen, f"&asof={day}")
        p.wait_for_timeout(500)
        shown = p.locator(".screen.active .alert:visible").all_inner_texts()
        more = p.locator(".screen.active .alerts-more:visible").all_inner_texts()
        deadlines = p.locator(".screen.active .upcoming:visible .deadline:visible").count()
        # every alert the wall has that day, from the narrow area's rows and its count of
        # the rest (whether or not it is the one on show)
        narrow = ":not(.wide-only)"
        rest = p.locator(f".screen.active .alerts-more{narrow}").all_text_contents()
        total = p.locator(f".screen.active .alert{narrow}").count() + sum(
            int(t.split()[1]) for t in rest
        )
        assert total > 6 if day == "2020-07-01" else total == 3  # more than six rows hold
        if w / h >= 3:  # every alert in the wide panel's rows, none counted
            assert len(shown) == total and more == [], (screen, day, total, more)
        elif day == "2020-07-01":  # six rows: five alerts, the last row counts the rest
            assert len(shown) == 5 and more == [f"另有 {total - 5} 条"], (screen, more)
        else:  # three alerts, a heading and two deadlines in the rows they leave
            assert len(shown) == 3 and deadlines == 2, shown
        got = p.evaluate(CHECK)
        assert got["cut"] == [], (w, h, day, screen)
        if screen == "overview":  # the map's labels, longest on such a day, kept apart too
            deadline = time.monotonic() + 8
            while overlapping(labels := p.evaluate(MAP_LABELS)) and time.monotonic() < deadline:
                p.wait_for_timeout(250)
            assert overlapping(labels) == [], (w, h, day)
            late = [x["text"] for x in labels if "逾期" in x["text"]]
            assert len(late) >= (7 if day == "2020-07-01" else 0), late


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


def test_a_reload_due_while_the_server_is_unreachable_waits_for_it(plain_wall, page, tmp_path):
    """The page reloads itself when its layout changes (and every reload_s); if the server
    does not answer then, the screen keeps what it shows and reloads once it answers, rather
    than ending on the browser's own error page."""
    url, _ = plain_wall
    open_wall(page, url)
    page.page.evaluate("window.__sameDocument = 'yes'")
    down = {"on": True}

    def index(route):  # the server unreachable for the page's own address
        if down["on"]:
            route.abort("connectionrefused")
        else:
            route.continue_()

    page.page.route("**/?screen=*", index)
    overview = tmp_path / "layouts" / "overview.yaml"
    text = overview.read_text()
    overview.write_text(text.replace("title: 告警 · 需要关注", "title: 告警 · 值班关注"))
    asked = []
    page.page.on("request", lambda r: asked.append(r.method) if "?screen=" in r.url else None)
    deadline = time.monotonic() + 30
    while asked.count("HEAD") < 2:  # the reload is due, and asked for twice in vain
        assert page.page.url.startswith(url), f"the screen went to {page.page.url}"
        assert time.monotonic() < deadline, f"no reload was asked for: {asked}"
        page.page.wait_for_timeout(300)
    assert page.page.evaluate("window.__sameDocument") == "yes"  # still the wall, not an error
    assert "告警 · 需要关注" in page.page.inner_text("body")
    down["on"] = False
    page.page.wait_for_function(
        "document.body.innerText.includes('告警 · 值班关注')", timeout=30_000
    )  # reloaded once the server answered
    assert page.page.evaluate("window.__sameDocument") is None


def test_replay_plays_the_plan_period_frame_by_frame(demo_wall, browser):
    """?replay=2019-06..2019-09 plays a week a step, every frame the as-of view of its day,
    none skipped, and ends on the range's last day; cities light up as they go live (the
    simulated province: 梅州 2019-06-28, 韶关 07-08, 肇庆 07-27, 河源 08-25)."""
    from datetime import date

    url, _ = demo_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    try:
        page = context.new_page()
        # not "networkidle": a playing replay keeps the network busy until its last frame
        page.goto(f"{url}/?screen=overview&replay=2019-06..2019-09", wait_until="commit")
        page.wait_for_function(
            "window.gdwall && window.gdwall.replay && window.gdwall.replay.frames.length > 2",
            timeout=60_000,
            polling=50,
        )
        assert page.inner_text("#replay-play") == "‖ 暂停"
        # while it plays, the date control shows the day over the map (read together)
        agree = """() => [document.getElementById('asof-pick').value,
                         document.querySelector('.screen.active .replay-day').textContent]"""
        for _ in range(6):
            shown, over_map = page.evaluate(agree)
            assert shown == over_map, (shown, over_map)
            page.wait_for_timeout(150)
        page.wait_for_function("!window.gdwall.replay.playing", timeout=120_000)
        frames = page.evaluate("window.gdwall.replay.frames")
        want, day = [], date(2019, 6, 1)
        while day <= date(2019, 9, 30):
            want.append(day.isoformat())
            day += timedelta(days=7)
        assert frames == [*want, "2019-09-30"]
        assert page.inner_text(".screen.active .replay-day") == "2019年9月30日"
        assert "回放 · 截至 2019年9月30日" in page.inner_text("#wall-asof")
        assert page.inner_text("#tile-cities .tile-value") == "4/14"
        assert page.inner_text("#replay-play") == "▶ 回放"
        # the date control followed the frames, in Chinese, and the replay was not stopped
        # by it: the address still says what was replayed, not a day picked
        assert page.input_value("#asof-pick") == "2019年9月30日"
        assert "asof=" not in page.url and "replay=2019-06..2019-09" in page.url
        # ▶ plays the range again from its start: a new list of frames (the first play's,
        # still there until the click's answer lands, would pass any test of its contents)
        page.evaluate("window.__firstPlay = window.gdwall.replay.frames")
        page.click("#replay-play")
        page.wait_for_function(
            "window.gdwall.replay.frames !== window.__firstPlay"
            " && window.gdwall.replay.frames.length >= 2",
            timeout=30_000,
        )
        again = page.evaluate("window.gdwall.replay.frames.slice(0, 2)")
        assert again == ["2019-06-01", "2019-06-08"]
        # ‖ pauses (a frame already asked for may still land), 单步 shows the next one
        page.click("#replay-play")
        assert page.inner_text("#replay-play") == "▶ 回放"
        page.wait_for_timeout(1500)
        paused = page.evaluate("window.gdwall.replay.frames")
        page.wait_for_timeout(1500)
        assert page.evaluate("window.gdwall.replay.frames") == paused
        page.click("#replay-step")
        page.wait_for_function(f"window.gdwall.replay.frames.length === {len(paused) + 1}")
        stepped = date.fromisoformat(paused[-1]) + timedelta(days=7)
        assert page.evaluate("window.gdwall.replay.frames").pop() == stepped.isoformat()
        assert page.inner_text(".screen.active .replay-day") == (
            f"{stepped.year}年{stepped.month}月{stepped.day}日"
        )
    finally:
        context.close()
