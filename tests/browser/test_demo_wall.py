"""The demo wall in a real headless Chromium: what a new user sees after the first command."""

import re
from pathlib import Path

from tests.browser.screencheck import contrast
from tests.conftest import ROOT, RecordingPage, sign_in_page
from wall.core.plan import load_plan

SHOTS = ROOT / "screenshots"
# an element's text colour and the background drawn under it (its own, or its nearest
# ancestor's that is not transparent)
DRAWN_COLOURS = """e => {
  const fg = getComputedStyle(e).color;
  for (let n = e; n; n = n.parentElement) {
    const bg = getComputedStyle(n).backgroundColor;
    if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') { return [fg, bg]; }
  }
  return [fg, 'rgb(7, 18, 31)'];
}"""


def open_wall(page, url: str, screen: str = "overview", query: str = "") -> None:
    page.page.goto(f"{url}/?screen={screen}{query}", wait_until="networkidle")
    page.page.wait_for_selector(".screen.active .panel-body *", timeout=30_000)
    if screen == "overview":
        page.page.wait_for_selector("#tile-cities .tile-value", timeout=30_000)


def test_wall_shows_every_node_target_and_milestone(plain_wall, page):
    url, _ = plain_wall
    open_wall(page, url, "operations")
    plan = load_plan()
    page.page.wait_for_selector("#node-city-meizhou", timeout=10_000)
    text = page.page.inner_text("body")
    for node in plan.nodes:
        assert page.page.locator(f"#node-{node.id}").count() == 1, node.id
        assert node.name in text
    # every row of the plan on its page; the wall's panel holds 18 rows: the late ones
    # first, and a last row counting the others and linking to the page
    page.page.goto(f"{url}/plan", wait_until="networkidle")
    page.page.wait_for_selector("#plan-title", timeout=30_000)
    for milestone in plan.milestones:
        assert page.page.locator(f"#ms-{milestone.id}").count() == 1, milestone.id
    open_wall(page, url)
    rows = page.page.locator(".screen.active table.milestones tbody tr")
    assert rows.count() == 18
    more = page.page.inner_text("#ms-more")  # "另有 逾期未完成 6 项、… · 全部 25 项见实施计划"
    counted = sum(int(n) for m in re.findall(r"(\d+) 项、|(\d+) 项 ·", more) for n in m if n)
    assert counted == len(plan.milestones) - 17 and "全部 25 项" in more, more
    text = page.page.inner_text("body")
    assert "演示模式" not in text
    assert page.page.inner_text("#tile-cities .tile-value") == "0/14"
    assert "目标 ≥9万 vCPU" in page.page.inner_text("#tile-vcpu")
    assert "暂无采集数据" in page.page.inner_text("#tile-vcpu")  # an empty store says so


def test_no_page_logs_an_error_in_the_browser(plain_wall, page):
    # every page's callbacks are registered at once: the browser logged an "ID not found in
    # layout" error for each other page's controls, 15 on every page an operator opened
    url, _ = plain_wall
    errors = []
    page.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.page.on("pageerror", lambda e: errors.append(str(e)))
    open_wall(page, url)
    for address in ("/plan", "/node/city-heyuan", "/compare", "/alerts"):
        page.page.goto(f"{url}{address}", wait_until="networkidle")
        page.page.wait_for_selector(".page-body *", timeout=30_000)
    page.page.wait_for_timeout(1000)
    assert errors == []


def test_wall_session_asks_no_other_host_for_anything(plain_wall, page):
    url, _ = plain_wall
    open_wall(page, url, "overview")
    page.page.wait_for_timeout(2500)  # at least one auto-refresh
    open_wall(page, url, "operations")
    page.page.wait_for_timeout(1500)
    assert page.foreign_requests(url) == []
    assert any(u.endswith(".js") or ".js?" in u for u in page.requests)


def test_recorded_progress_shows_on_the_wall_and_as_of_replays_it(plain_wall, page):
    url, data = plain_wall
    from datetime import datetime

    from wall.core.chinatime import CHINA
    from wall.core.progress import EventKind, ProgressEvent
    from wall.state.db import connect
    from wall.state.progress import add_event

    plan = load_plan()
    conn = connect(Path(data) / "state.db")
    for node_id in ("city-shaoguan", "city-zhaoqing", "city-heyuan"):
        add_event(conn, plan, ProgressEvent(EventKind.node_live, node_id,
                  datetime(2019, 9, 30, 23, 30, tzinfo=CHINA), "验收", "test"))  # fmt: skip
    conn.close()
    open_wall(page, url)
    page.page.wait_for_function(
        "document.querySelector('#tile-cities .tile-value').innerText === '3/14'", timeout=10_000
    )
    # the wall's panel leads with what is late (here: every target the empty store cannot
    # show met); the plan page has every row
    page.page.goto(f"{url}/plan", wait_until="networkidle")
    assert "按期完成" in page.page.inner_text("#ms-m2a-first-three")
    # As of 2019-09-29 the three were not yet live: the milestone was still open.
    open_wall(page, url, "overview", "&asof=2019-09-29")
    page.page.wait_for_function(
        "document.querySelector('#tile-cities .tile-value').innerText === '0/14'", timeout=10_000
    )
    # none of the three was live the day before their deadline: below the straight line
    assert "进度滞后" in page.page.inner_text("#ms-m2a-first-three")
    assert "截至 2019年9月29日" in page.page.inner_text("header")
    # the date control shows the URL's day, in Chinese; choosing another day replays that one
    assert page.page.input_value("#asof-pick") == "2019年9月29日"
    page.page.fill("#asof-pick", "2019年10月1日")
    page.page.press("#asof-pick", "Enter")
    page.page.wait_for_function(
        "document.querySelector('#tile-cities .tile-value').innerText === '3/14'", timeout=10_000
    )
    assert "asof=2019-10-01" in page.page.url and "screen=overview" in page.page.url
    assert "截至 2019年10月1日" in page.page.inner_text("header")
    page.page.click("#asof-live")  # back to now
    page.page.wait_for_function("!location.search.includes('asof')", timeout=10_000)
    page.page.wait_for_function(
        "document.querySelector('#wall-asof').innerText.startsWith('实时')", timeout=10_000
    )
    assert page.page.input_value("#asof-pick") == ""
    page.page.go_back()  # the browser's history holds the replayed day
    page.page.wait_for_function(
        "document.querySelector('#asof-pick').value === '2019年10月1日'", timeout=10_000
    )
    page.page.wait_for_function(
        "document.querySelector('#wall-asof').innerText.includes('2019年10月1日')", timeout=10_000
    )


def test_the_demo_runs_the_simulated_province_and_says_sign_in_is_off(demo_wall, page):
    url, data = demo_wall
    open_wall(page, url)
    text = page.page.inner_text("body")
    assert "演示模式" in text and "未启用登录" in text
    # the simulator's progress events are recorded: its cities are online
    plan = load_plan()
    from wall.core.progress import Progress
    from wall.state.db import connect
    from wall.state.progress import list_events

    conn = connect(Path(data) / "state.db")
    progress = Progress(plan, list_events(conn))
    conn.close()
    from datetime import UTC, datetime

    online = sum(progress.state(n, datetime.now(UTC)) == "online" for n in plan.nodes_of("city"))
    assert online == 14
    page.page.wait_for_function(
        "document.querySelector('#tile-cities .tile-value').innerText === '14/14'", timeout=10_000
    )
    # the provincial vCPU tile shows what the store holds, computed here independently
    from datetime import timedelta

    from wall.store import Resolution, open_store

    store = open_store(f"sqlite:///{data}/metrics.db")
    now = datetime.now(UTC)
    roll = store.rollup("capacity", "vcpu_total", now - timedelta(days=3), now, Resolution.daily,
                        nodes=["prov-mingmei", "prov-dongyong"])  # fmt: skip
    latest_day = roll[roll["time"] == roll["time"].max()]
    expected = f"{latest_day['last'].sum() / 1e4:.3g}万"
    assert page.page.inner_text("#tile-vcpu .tile-value") == expected
    # the demo's history starts on 2026-10-01: above 9万 now, but whether by 2019-12-31 the
    # store cannot tell, and the tile says so rather than claim it
    vcpu_tile = page.page.inner_text("#tile-vcpu")
    assert "无法判断" in vcpu_tile and "数据始于 2026-10-01" in vcpu_tile, vcpu_tile

    def utilization_and_incidents() -> tuple[str, str]:
        # every online city node's mean of allocated ÷ total, as of now (the plan sets its
        # ≥60% floor for the city nodes only)
        cap = store.latest("capacity", ["vcpu_allocated", "vcpu_total", "mem_allocated_gib",
                                        "mem_total_gib", "storage_allocated_tib", "storage_total_tib"])  # fmt: skip
        wide = cap.pivot(index="node", columns="field", values="value")
        live = [n.id for n in plan.nodes if n.tier == "city"
                and progress.state(n, datetime.now(UTC)) == "online"]  # fmt: skip
        wide = wide.loc[[n for n in live if n in wide.index]]
        ratios = (wide["vcpu_allocated"] / wide["vcpu_total"] + wide["mem_allocated_gib"] / wide["mem_total_gib"]
                  + wide["storage_allocated_tib"] / wide["storage_total_tib"]) / 3  # fmt: skip
        incidents = store.latest("security", ["open_incidents"])
        high = incidents[incidents["severity"] == "high"]["value"].sum()
        return f"{ratios.mean():.1%}", f"{incidents['value'].sum():.0f}", f"其中高危 {high:.0f}"

    # collectors keep writing: compare until the screen and the store agree at one moment
    for _ in range(20):
        expected = utilization_and_incidents()
        shown = (page.page.inner_text("#tile-utilization .tile-value"),
                 page.page.inner_text("#tile-incidents .tile-value"),
                 page.page.inner_text("#tile-incidents .tile-target").split(" · ")[0])  # fmt: skip
        if shown == expected:
            break
        page.page.wait_for_timeout(500)
    assert shown == expected
    # this demo's history starts on 2026-10-01: when 90,000 was first reached is not known
    assert "无法判断" in page.page.inner_text("#ms-m1-prov-vcpu .ms-status")
    why = page.page.get_attribute("#ms-m1-prov-vcpu .ms-status", "title")
    assert "数据始于 2026-10-01，无法判断达标日期" in why, why
    SHOTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(SHOTS / "demo-wall-1920x1080.png"))
    assert page.foreign_requests(url) == []


def test_map_draws_the_21_cities_offline_and_a_click_opens_the_node_page(demo_wall, page):
    url, _ = demo_wall
    open_wall(page, url)
    paths = ".screen.active .map-graph path.choroplethlocation"
    page.page.wait_for_selector(paths, timeout=20_000)
    # the 21 cities in the geometry's order, then 东沙群岛 in its inset box
    assert page.page.locator(paths).count() == 21 + 1
    text = page.page.inner_text(".screen.active .map-graph")
    for name in ("广州", "梅州", "湛江", "汕尾", "东沙群岛"):
        assert name in text
    # click 梅州 (its path is the 12th feature, in the geometry's order)
    from geo.cities import CITIES

    index = [c.name for c in CITIES].index("梅州")
    page.page.locator(paths).nth(index).click(force=True)
    page.page.wait_for_url(f"{url}/node/city-meizhou", timeout=10_000)
    page.page.wait_for_selector("#node-title", timeout=10_000)
    assert page.page.inner_text("#node-title") == "梅州政务云节点"
    assert page.foreign_requests(url) == []


def test_replaying_the_deadline_day_shows_what_was_late_when(plain_wall, page):
    """13 city nodes live by June 2020, the 14th two weeks late: on 2020-06-30 milestone 2c
    was behind (13 of 14 on its last day), on 2020-07-01 overdue (red, and alerted as late
    since that day), and today it reads done late."""
    url, data = plain_wall
    from datetime import datetime

    from wall.core.chinatime import CHINA
    from wall.core.plan.models import Tier
    from wall.core.progress import EventKind, ProgressEvent
    from wall.state.db import connect
    from wall.state.progress import add_event

    plan = load_plan()
    cities = [n.id for n in plan.nodes_of(Tier.city)]
    conn = connect(Path(data) / "state.db")
    for i, node_id in enumerate(cities):
        when = (
            datetime(2020, 7, 15, 10, tzinfo=CHINA)
            if i == 0
            else datetime(2020, 5, 20, tzinfo=CHINA)
        )
        add_event(conn, plan, ProgressEvent(EventKind.node_live, node_id, when, "验收", "test"))
    conn.close()

    def row(asof: str) -> tuple[str, str, str]:
        open_wall(page, url, "overview", f"&asof={asof}" if asof else "")
        tile = page.page.inner_text("#tile-cities .tile-value")
        page.page.goto(f"{url}/plan" + (f"?asof={asof}" if asof else ""), wait_until="networkidle")
        status = page.page.locator("#ms-m2c-all-cities .ms-status")
        return status.inner_text(), status.get_attribute("class"), tile

    status, cls, tile = row("2020-06-30")
    assert "进度滞后" in status and "ms-late" in cls and tile == "13/14"
    status, cls, tile = row("2020-07-01")
    assert "逾期未完成" in status and "ms-overdue" in cls and tile == "13/14"
    overdue_red = page.page.eval_on_selector(
        "#ms-m2c-all-cities .ms-status", "e => getComputedStyle(e).backgroundColor"
    )
    assert overdue_red == "rgb(255, 77, 79)"  # var(--bad): red from across the room
    open_wall(page, url, "overview", "&asof=2020-07-01")
    late = page.page.locator(".screen.active .panel-alerts li", has_text="里程碑 2c 逾期")
    assert "自 2020年7月1日" in late.inner_text()  # late since its deadline, as of that day
    # the alert list says the same, its level readable (it was red on a red cell)
    page.page.goto(f"{url}/alerts?asof=2020-07-01", wait_until="networkidle")
    cells = page.page.locator("#alert-overdue-m2c-all-cities td")
    cells.first.wait_for(timeout=30_000)
    level, kind, _, began = (cells.nth(i).inner_text() for i in range(4))
    assert (level, kind, began) == ("✖ 严重", "实施计划", "2020-07-01 00:00")
    fg, bg = cells.first.evaluate(DRAWN_COLOURS)
    assert contrast(fg, bg) >= 4.5, (fg, bg)
    status, cls, tile = row("")
    assert "逾期完成" in status and tile == "14/14"
    assert "2020年7月15日" in page.page.inner_text("#ms-m2c-all-cities")
    assert page.foreign_requests(url) == []


def test_the_date_control_speaks_chinese_under_an_english_browser(plain_wall, browser):
    url, _ = plain_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    try:
        page = context.new_page()
        sign_in_page(RecordingPage(page), url)
        page.goto(f"{url}/?screen=overview&asof=2020-06-30", wait_until="networkidle")
        page.wait_for_selector("#asof-pick", timeout=30_000)
        assert page.evaluate("navigator.language") == "en-US"
        assert page.input_value("#asof-pick") == "2020年6月30日"
        page.click("#asof-pick")
        month = page.wait_for_selector(".dash-datepicker-controls .dash-dropdown-value")
        assert month.inner_text().strip() == "6月"
        calendar = page.inner_text(".dash-datepicker-content")
        heads = [d.strip() for d in calendar.split() if d.strip() in "一二三四五六日"]
        assert heads[:7] == ["一", "二", "三", "四", "五", "六", "日"]  # weeks start on Monday
        assert "Mo" not in calendar and "Jun" not in calendar
        assert page.get_attribute("#asof-pick", "placeholder") == "选择日期"
    finally:
        context.close()


def test_while_it_loads_the_page_says_so_in_chinese_under_an_english_browser(plain_wall, browser):
    url, _ = plain_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    held = []  # the layout's requests, left unanswered: the page stays loading
    try:
        page = context.new_page()
        sign_in_page(RecordingPage(page), url)
        page.route("**/_dash-layout", lambda route: held.append(route))
        page.goto(f"{url}/?screen=overview", wait_until="load")
        page.wait_for_function("() => window.dash_clientside !== undefined")  # scripts ran
        assert held, "the layout was not asked for"
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        loading = page.locator("._dash-loading")
        assert loading.count() == 1 and loading.is_visible()
        said = loading.evaluate("""el => ({
            own: getComputedStyle(el).fontSize,
            shown: getComputedStyle(el, '::after').content,
            size: parseFloat(getComputedStyle(el, '::after').fontSize)})""")
        assert said["own"] == "0px"  # "Loading..." takes no room and shows nothing
        assert said["shown"] == '"正在加载…"'
        assert said["size"] >= 1080 * 0.013  # readable from the back of the room
    finally:
        context.close()


def test_a_page_whose_layout_failed_says_so_and_heals_itself(plain_wall, browser):
    url, _ = plain_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    failing = {"left": 2}  # the next two loads get a proxy's 502 for the layout

    def layout(route):
        if failing["left"]:
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.continue_()

    try:
        page = context.new_page()
        sign_in_page(RecordingPage(page), url)
        page.route("**/_dash-layout", layout)
        page.goto(f"{url}/?screen=overview", wait_until="commit")
        waits = []
        for _ in range(2):
            error = page.wait_for_selector("._dash-error[data-retry]", timeout=30_000)
            waits.append(error.get_attribute("data-retry"))
            shown = error.evaluate("el => getComputedStyle(el, '::after').content")
            assert "页面未能加载" in shown and waits[-1] in shown
            assert error.evaluate("el => getComputedStyle(el).fontSize") == "0px"  # no English
            failing["left"] -= 1
            page.wait_for_event("load", timeout=30_000)  # the page loads itself again
        assert waits == ["5 秒后自动重试", "10 秒后自动重试"]  # each wait twice the last
        page.wait_for_selector(".screen.active .tile .tile-value", timeout=30_000)
        assert page.evaluate("sessionStorage.getItem('gdwall_load_retries')") is None
    finally:
        context.close()
