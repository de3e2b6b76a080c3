"""Operator pages in a real headless Chromium: from the wall to a node's cause, with every
view in its URL."""

import re
from datetime import UTC, datetime, timedelta

from tests.browser.test_demo_wall import open_wall
from wall.core.chinatime import CHINA
from wall.store import open_store
from wall.store.samples import Sample

# how many lines an element's text is drawn on
LINES = """e => { const r = document.createRange(); r.selectNodeContents(e);
  return new Set(Array.from(r.getClientRects(), x => Math.round(x.top))).size; }"""


def open_page(page, url: str) -> None:
    page.page.goto(url, wait_until="networkidle")
    page.page.wait_for_selector("#node-title, #not-found", timeout=30_000)


def test_from_the_wall_to_a_node_its_range_and_sources_with_a_shareable_url(
    demo_wall, page, browser
):
    url, data = demo_wall
    open_wall(page, url, "operations")
    page.page.click("#node-city-meizhou")  # a node card on the operations screen
    page.page.wait_for_url(f"{url}/node/city-meizhou", timeout=30_000)
    page.page.wait_for_selector("#node-title")
    assert page.page.inner_text("#node-title") == "梅州政务云节点"
    # its one-year verdict said on one line (the demo's "✖ 未达成" broke as "✖ 未达 / 成")
    verdict = page.page.locator("#node-year-verdict")
    assert verdict.inner_text().strip() and verdict.evaluate(LINES) == 1
    # and a verdict with its evidence wraps inside its card
    inside = "e => e.getBoundingClientRect().right <= e.parentElement.getBoundingClientRect().right"
    assert page.page.locator("#node-security-verdict").evaluate(inside)
    # the simulated province takes a host or two of a node down for 3 % of its hours: the
    # page says what the store holds right now
    store = open_store(f"sqlite:///{data}/metrics.db")
    newest = store.latest("health", ["up", "hosts_down"], nodes=["city-meizhou"])
    store.close()
    health = dict(zip(newest["field"], newest["value"], strict=True))
    word = "降级" if health["up"] and health["hosts_down"] else "正常" if health["up"] else "中断"
    assert word in page.page.inner_text("#node-health")
    assert "最近24小时" in page.page.inner_text(".range-label")
    for chart, lines in (("util", 3), ("net", 2), ("hosts", 2)):  # every field drawn
        traces = f"#chart-{chart} .scatterlayer .trace"
        page.page.wait_for_selector(traces, state="attached", timeout=30_000)
        assert page.page.locator(traces).count() == lines, chart
    # the source that collects it, as the collectors' self-monitoring reports it
    source = page.page.inner_text("#source-sim-city-meizhou")
    assert "✔ 正常" in source and "ms" in source
    # change the range: the URL says so, and the page shows it
    page.page.click("#range-7d")
    page.page.wait_for_url("**/node/city-meizhou?range=7d", timeout=30_000)
    page.page.wait_for_function(
        "document.querySelector('.range-label').innerText.includes('最近7天')", timeout=30_000
    )
    assert "range-on" in page.page.get_attribute("#range-7d", "class")
    # the URL pasted into another browser opens the same view
    other = browser.new_page()
    try:
        other.goto(page.page.url, wait_until="networkidle")
        other.wait_for_selector("#node-title")
        assert other.inner_text("#node-title") == "梅州政务云节点"
        assert "最近7天" in other.inner_text(".range-label")
        assert "range-on" in other.get_attribute("#range-7d", "class")
    finally:
        other.close()
    # back: the 24 hours again, then the wall
    page.page.go_back()
    page.page.wait_for_function(
        "document.querySelector('.range-label').innerText.includes('最近24小时')", timeout=30_000
    )
    page.page.go_back()
    page.page.wait_for_selector(".screen.active", timeout=30_000)
    assert page.foreign_requests(url) == []


def test_a_custom_range_and_a_replayed_day(demo_wall, page):
    url, _ = demo_wall
    open_page(page, f"{url}/node/city-meizhou")
    today = datetime.now(UTC).date()
    first = today - timedelta(days=3)
    for pick, day in (("#range-from", first), ("#range-to", today)):  # typed as it shows
        page.page.fill(pick, f"{day.year}年{day.month}月{day.day}日")
        page.page.press(pick, "Enter")
    page.page.click("#range-apply")
    page.page.wait_for_url("**range=custom**", timeout=30_000)
    page.page.wait_for_function(
        f"document.querySelector('.range-label').innerText.includes('{today - timedelta(days=3)}')",
        timeout=30_000,
    )
    assert f"from={today - timedelta(days=3)}" in page.page.url


def test_a_failing_source_shows_as_failing_with_its_error(plain_wall, page):
    url, data = plain_wall
    store = open_store(f"sqlite:///{data}/metrics.db")
    now = datetime.now(UTC)
    store.write(
        [
            Sample.make("collector", {"source": "meizhou-prom", "node": "city-meizhou"},
                        {"ok": 1, "duration_ms": 120, "points": 15}, now - timedelta(hours=3)),
            Sample.make("collector", {"source": "meizhou-prom", "node": "city-meizhou"},
                        {"ok": 0, "duration_ms": 2000, "points": 0,
                         "error": "timeout: no answer within 2 s"}, now),
            Sample.make("collector", {"source": "meizhou-soc", "node": "city-meizhou"},
                        {"ok": 1, "duration_ms": 80, "points": 6}, now),
        ]
    )  # fmt: skip
    store.close()
    open_page(page, f"{url}/node/city-meizhou")
    failing = page.page.inner_text("#source-meizhou-prom")
    assert "✖ 超时" in failing and "timeout: no answer within 2 s" in failing
    assert "src-failing" in page.page.get_attribute("#source-meizhou-prom", "class")
    last_ok = (now - timedelta(hours=3)).astimezone(CHINA)  # the hour of its last success
    assert f"{last_ok:%Y-%m-%d %H} 时" in failing
    assert "✔ 正常" in page.page.inner_text("#source-meizhou-soc")
    # the failing source sorts first: it is what the operator came for
    first = page.page.locator("#sources tbody tr").first.get_attribute("id")
    assert first == "source-meizhou-prom"


def test_unknown_nodes_and_malformed_parameters_get_a_clear_not_found(plain_wall, page):
    url, _ = plain_wall
    for path, reason in (
        ("/node/city-atlantis", "没有编号为 city-atlantis 的节点"),
        ("/node/city-meizhou?range=9y", "参数 range=9y 无效"),
        (
            "/node/city-meizhou?range=custom&from=2020-13-01&to=2020-12-31",
            "参数 from=2020-13-01 不是日期",
        ),
        ("/node/city-meizhou?range=custom&from=2020-12-31&to=2020-01-01", "晚于"),
        ("/node/city-meizhou?asof=yesterday", "参数 asof=yesterday 不是日期"),
        ("/nowhere", "没有这个页面"),
        ("/compare?nodes=city-meizhou,city-atlantis", "没有编号为 city-atlantis 的节点"),
        ("/compare?field=rainfall", "参数 field=rainfall 无效"),
    ):
        response = page.page.goto(url + path, wait_until="networkidle")
        assert response.status == 200
        page.page.wait_for_selector("#not-found", timeout=30_000)
        assert reason in page.page.inner_text(".not-found-reason"), path
        assert "Traceback" not in page.page.content()


def test_the_ranking_exports_the_numbers_the_store_holds(plain_wall, page, tmp_path):
    import random

    import openpyxl
    import pandas as pd

    url, data = plain_wall
    rng = random.Random(7)
    nodes = ["city-meizhou", "city-shantou", "city-heyuan", "prd-foshan", "prov-mingmei"]
    now = datetime.now(UTC)
    store = open_store(f"sqlite:///{data}/metrics.db")
    store.write([Sample.make("usage", {"node": n}, {"cpu_util": rng.random()}, now - timedelta(seconds=i))
                 for i, n in enumerate(nodes)])  # fmt: skip
    open_page_any(page, f"{url}/compare?field=cpu_util&range=24h")
    assert page.page.locator("#ranking-table tbody tr:has(td)").count() == len(nodes)
    with page.page.expect_download() as got:
        page.page.click("#export-xlsx")
    xlsx = tmp_path / got.value.suggested_filename
    got.value.save_as(xlsx)
    assert xlsx.name.startswith("节点排名-CPU 利用率")
    sheet = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert all(isinstance(r["数值"], float | int) for r in rows)  # numbers, not text
    # independently: each node's newest cpu_util in the store, in percent, best first
    latest = store.latest("usage", ["cpu_util"]).set_index("node")["value"]
    store.close()
    expected = sorted(((round(v * 100, 2), n) for n, v in latest.items()), reverse=True)
    assert [(r["数值"], r["节点编号"]) for r in rows] == expected
    assert [r["排名"] for r in rows] == list(range(1, len(nodes) + 1))
    assert {r["单位"] for r in rows} == {"%"}
    with page.page.expect_download() as got:
        page.page.click("#export-csv")
    csv = pd.read_csv(got.value.path(), encoding="utf-8-sig")
    assert list(zip(csv["数值"], csv["节点编号"], strict=True)) == expected
    # the page's table shows the same order
    first = page.page.locator("#ranking-table tbody tr:has(td)").nth(0).inner_text()
    assert f"{expected[0][0]:.2f}".rstrip("0").rstrip(".") in first


def test_the_province_and_prd_pages(demo_wall, page):
    url, _ = demo_wall
    open_page_any(page, f"{url}/province")
    assert page.page.locator("#centres tbody tr").count() == 2
    assert "两中心均在线" in page.page.inner_text("#dr-status")
    # the plan's table: each date and each verdict on one line (they broke as 2019年12 / 月31日)
    for cell in page.page.locator("#province-targets td.day, #province-targets td.ms-status").all():
        assert cell.evaluate(LINES) == 1, cell.inner_text()
    # its dates the Chinese way, the done ones' too (已完成 2020-12-22 before)
    table = page.page.inner_text("#province-targets")
    assert re.search(r"已完成 \d{4}年\d{1,2}月\d{1,2}日", table), table
    assert not re.search(r"\d{4}-\d{2}-\d{2}", table), table
    page.page.wait_for_selector("#province-vcpu_total .scatterlayer .trace", state="attached")
    open_page_any(page, f"{url}/prd")
    rows = page.page.locator("#prd-table tbody tr")
    assert rows.count() == 7
    assert "佛山" in page.page.inner_text("#prd-table")
    # compare: the nodes named in the URL, side by side
    open_page_any(page, f"{url}/compare?field=cpu_util&range=24h&nodes=city-meizhou,prd-foshan")
    traces = "#compare-chart .scatterlayer .trace"
    page.page.wait_for_selector(traces, state="attached", timeout=30_000)
    assert page.page.locator(traces).count() == 2
    assert "梅州政务云节点" in page.page.inner_text("#compare-chart")
    open_page_any(page, f"{url}/prd")
    page.page.click("#prd-prd-foshan a")
    page.page.wait_for_selector("#node-title", timeout=30_000)
    assert "佛山" in page.page.inner_text("#node-title")
    assert page.foreign_requests(url) == []


def open_page_any(page, url: str) -> None:
    page.page.goto(url, wait_until="networkidle")
    page.page.wait_for_selector(".page-head h1, #not-found", timeout=30_000)


def test_an_alert_is_listed_since_when_and_acknowledged_by_the_signed_in_user(plain_wall, page):
    from wall.core.plan import load_plan
    from wall.core.progress import EventKind, ProgressEvent
    from wall.state.db import connect
    from wall.state.progress import add_event

    url, data = plain_wall
    conn = connect(data / "state.db")
    add_event(conn, load_plan(), ProgressEvent(EventKind.node_live, "city-meizhou",
              datetime(2019, 9, 30, 12, tzinfo=CHINA), "验收", "test"))  # fmt: skip
    conn.close()
    store = open_store(f"sqlite:///{data}/metrics.db")
    store.write([Sample.make("health", {"node": "city-meizhou"}, {"up": 1, "hosts_down": 0},
                             datetime.now(UTC) - timedelta(hours=2))])  # fmt: skip
    store.close()
    row = "#alert-stale-city-meizhou"
    for _ in range(10):  # the page is drawn once: a load in the cache bucket of the sign-in
        open_page_any(page, f"{url}/alerts")  # (before the data above) shows no alert yet
        if page.page.locator(row).count():
            break
        page.page.wait_for_timeout(1000)
    page.page.wait_for_selector(row, timeout=30_000)
    assert "数据中断" in page.page.inner_text(row)
    assert datetime.now(CHINA).strftime("%Y-%m-%d") in page.page.inner_text(row)  # since
    # signed in: the acknowledgement is the user's own, the name is not asked
    name = page.page.locator(f"{row} .ack-by input")
    assert name.input_value() == "tester" and name.is_disabled()
    page.page.locator(f"{row} .ack-note input").fill("已联系梅州运维")
    page.page.locator(f"{row} button").click()
    page.page.wait_for_function(
        f"document.querySelector('{row}').innerText.includes('✔ tester')", timeout=30_000
    )
    assert "已联系梅州运维" in page.page.inner_text(row)
    # the audit log has it, by whom and from where
    from wall.state import auth

    with connect(data / "state.db") as conn:
        entries = [e for e in auth.audit_entries(conn) if e[3] == "alert_ack"]
    assert entries and entries[0][1] == "tester" and entries[0][6] == "127.0.0.1"
    # the wall's ticker says so too
    open_wall(page, url, "overview")
    page.page.wait_for_function(
        "(document.querySelector('.screen.active ul.alerts') || {}).innerText?.includes('tester 已确认')",
        timeout=15_000,
    )


def test_an_evaluator_makes_a_bulletin_and_downloads_it(demo_wall, page, tmp_path):
    url, data = demo_wall
    open_page_any(page, f"{url}/bulletins")
    page.page.fill("#bulletin-period", "2099-01")  # a period not begun: refused, saying why
    page.page.click("#bulletin-make")
    page.page.wait_for_selector("#bulletin-message", timeout=20_000)
    assert "尚未开始" in page.page.inner_text("#bulletin-message")
    today = datetime.now(CHINA).date()
    period = f"{today - timedelta(days=20)}..{today - timedelta(days=1)}"
    page.page.fill("#bulletin-period", period)
    page.page.click("#bulletin-make")
    page.page.wait_for_function(
        "(document.querySelector('#bulletin-message') || {}).innerText?.includes('已生成')",
        timeout=60_000,
    )
    row = f"#archived-{period.replace('..', '_')}"
    links = page.page.inner_text(row)
    first, last = today - timedelta(days=20), today - timedelta(days=1)
    named = f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日"
    assert named in links and named in page.page.inner_text("#bulletin-message")
    for label in ("Word", "Excel", "HTML", "数据记录"):
        assert label in links
    with page.page.expect_download() as got:
        page.page.click(f"{row} a:has-text('Excel')")
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    import openpyxl

    assert "城市评分" in openpyxl.load_workbook(saved).sheetnames
    # the demo's schedule put last month's bulletin into the same archive
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    page.page.wait_for_timeout(500)
    assert (data / "bulletins" / f"bulletin-{last_month}.json").exists()
    assert page.foreign_requests(url) == []
