"""The evaluation model and its bulletin over the simulated province's history, on each store:
the numbers equal an independent computation from the store, the ranking orders the scores."""

from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from collectors.simulator.backfill import backfill
from collectors.simulator.model import Province
from wall import bulletin
from wall.bulletin.evaluation import PeriodError, parse_period, score_cities
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan
from wall.core.progress import Progress
from wall.read import cache
from wall.store import Resolution

PLAN = load_plan()
NOW = datetime(2020, 7, 20, 4, tzinfo=UTC)


@pytest.fixture(scope="module", params=["embedded", "influxdb"])
def province_store(request, tmp_path_factory):
    """A year of the simulated province in each store, written once for this module's tests
    (they only read it)."""
    import uuid

    from wall.store import open_store

    if request.param == "embedded":
        url = f"sqlite:///{tmp_path_factory.mktemp('bulletin')}/metrics.db"
    else:
        url = request.getfixturevalue("influx_url").replace("http://", "influxdb://")
        url = f"{url}/b_{uuid.uuid4().hex[:12]}"
    store = open_store(url)
    store.test_url = url  # for the command line
    province = Province(PLAN, now=NOW)
    backfill(store, province, datetime(2019, 6, 1, tzinfo=CHINA), now=NOW, minute_days=0)
    cache.current().clear()
    yield store, Progress(PLAN, province.events)
    store.close()


def test_city_scores_equal_the_store_and_rank_by_score(province_store):
    store, progress = province_store
    period = parse_period("2020-Q2", NOW.date())
    scores = score_cities(store, PLAN, progress, period)
    assert len(scores) == 14
    start, end = datetime(2020, 4, 1, tzinfo=CHINA), datetime(2020, 7, 1, tzinfo=CHINA)
    meizhou = next(c for c in scores if c.node.id == "city-meizhou")  # live since 2019
    # migration rate: migrated ÷ planned over its departments, as of 2020-06-30
    counts = store.counters(
        "migration", ["systems_planned", "systems_migrated"], end - timedelta(seconds=1)
    )
    mine = counts[counts["node"] == "city-meizhou"]
    assert meizhou.migration_rate == pytest.approx(
        mine["systems_migrated"].sum() / mine["systems_planned"].sum()
    )
    # utilization: each day's mean of the three allocated ÷ total ratios, averaged
    day = {}
    for f in ("vcpu_allocated", "vcpu_total", "mem_allocated_gib", "mem_total_gib",
              "storage_allocated_tib", "storage_total_tib"):  # fmt: skip
        roll = store.rollup("capacity", f, start, end, Resolution.daily, nodes=["city-meizhou"])
        day[f] = dict(zip(roll["time"], roll["last"], strict=True))
    ratios = [
        (day["vcpu_allocated"][t] / day["vcpu_total"][t] + day["mem_allocated_gib"][t] / day["mem_total_gib"][t]
         + day["storage_allocated_tib"][t] / day["storage_total_tib"][t]) / 3
        for t in day["vcpu_total"]
    ]  # fmt: skip
    assert len(ratios) == 91  # every day of the quarter
    assert meizhou.utilization == pytest.approx(sum(ratios) / len(ratios))
    # availability: samples up ÷ samples observed
    up = store.rollup("health", "up", start, end, Resolution.daily, nodes=["city-meizhou"])
    assert meizhou.availability == pytest.approx(up["sum"].sum() / up["count"].sum())
    assert meizhou.completeness == 1.0
    # the extranet beside the cloud: its own link's probes answered ÷ probes, never the county
    # sites' links that the same node carries
    links = store.rollup("link", "up", start, end, Resolution.daily, by=("node", "link"))
    own = links[links["link"] == "link-meizhou"]
    assert len(own) == 91 and set(links["link"]) > {"link-meizhou"}
    assert meizhou.network_availability == pytest.approx(own["sum"].sum() / own["count"].sum())
    assert 0.9 < meizhou.network_availability <= 1.0
    # the ranking is the order of the scores; a node not live is unranked
    ranked = [c for c in scores if c.rank is not None]
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert all(c.score is None for c in scores if c.live_at is None)


def test_the_bulletin_writes_numbers_and_a_record_whole(province_store, tmp_path):
    store, progress = province_store
    period = parse_period("2020-06", NOW.date())
    b = bulletin.build(store, PLAN, progress, period)
    paths = bulletin.write(b, ["xlsx"], tmp_path / "out")
    assert sorted(p.name for p in paths) == ["bulletin-2020-06.json", "bulletin-2020-06.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "out" / "bulletin-2020-06.xlsx")
    sheets = {"城市评分", "省级进展", "服务质量", "里程碑", "珠三角对接", "计算方法", "权重"}
    assert sheets <= set(wb.sheetnames)
    providers = list(wb["服务质量"].iter_rows(min_row=2, values_only=True))
    assert providers and providers[0][0] == "数字政府建设运营中心"  # the bulletin carries them
    # the provincial targets as of 2020-06-30: 90,000 vCPU and 400 systems met in 2019; 1,000
    # due at the end of 2020, on track (815 ≥ the straight line from 68 on 2019-01-01: 765)
    head = [c.value for c in wb["省级进展"][1]]
    assert head == ["指标（方案出处）", "目标", "截止", "期末数值", "状态", "说明"]
    province = {
        r[0].split("（")[0]: r for r in wb["省级进展"].iter_rows(min_row=2, values_only=True)
    }
    assert province[PLAN.target("prov-vcpu").title][4] == "按期完成"
    assert province[PLAN.target("prov-migrated-2019").title][4] == "按期完成"
    assert province[PLAN.target("prov-migrated-2020").title][4] == "进度正常"
    # the 2019 increment is the growth over 2019, not the total (2019-12-31 against 2019-06-01,
    # the first day of this store's data: it cannot be told, and the bulletin says so)
    added = province[PLAN.target("prov-vcpu-added-2019").title]
    assert added[4] == "无法判断" and "数据始于 2019-06-01" in added[5]
    # the provincial departments (二（六）): planned and migrated summed over the two centres
    counts = store.counters("migration", ["systems_planned", "systems_migrated"],
                            datetime(2020, 7, 1, tzinfo=CHINA) - timedelta(seconds=1))  # fmt: skip
    prov = counts[counts["node"].isin(["prov-mingmei", "prov-dongyong"])]
    depts = list(wb["省级部门迁移"].iter_rows(min_row=2, values_only=True))
    assert depts[-1][:3] == (
        "合计",
        int(prov["systems_planned"].sum()),
        int(prov["systems_migrated"].sum()),
    )
    # a late milestone says who leads it and who cooperates (附件)
    head = [c.value for c in wb["里程碑"][1]]
    rows = {
        r[1]: dict(zip(head, r, strict=True))
        for r in wb["里程碑"].iter_rows(min_row=2, values_only=True)
    }
    late = rows[PLAN.milestone("m8b-usage-guide").title]
    assert (late["状态"], late["牵头部门"], late["配合部门"]) == (
        "逾期完成",
        "数字政府建设运营中心",
        "—",
    )
    assert late["方案出处"].startswith("附件第8项")
    # the PRD clouds: docking against 2020-06-30 and security against 附件第4项
    prd = {r[0]: r for r in wb["珠三角对接"].iter_rows(min_row=2, values_only=True)}
    assert prd["佛山政务云"][4] == "按期完成" and prd["佛山政务云"][7] == "逾期完成"
    rows = list(wb["城市评分"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 14
    by_name = {r[1]: r for r in rows}
    meizhou = next(c for c in b.cities if c.node.id == "city-meizhou")
    assert by_name["梅州政务云节点"][3] == meizhou.score and isinstance(
        by_name["梅州政务云节点"][4], float
    )
    assert len(list(wb["里程碑"].iter_rows(min_row=2))) == len(PLAN.milestones)
    # the same inputs give the same record
    again = bulletin.build(store, PLAN, progress, period)
    assert again.inputs_sha256 == b.inputs_sha256 and len(b.inputs_sha256) == 64
    assert (
        bulletin.build(store, PLAN, progress, parse_period("2020-05", NOW.date())).inputs_sha256
        != b.inputs_sha256
    )
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_every_number_traces_back_to_the_queries_that_produced_it(province_store, tmp_path):
    import json

    from typer.testing import CliRunner

    from wall.cli import app

    store, progress = province_store
    b = bulletin.build(store, PLAN, progress, parse_period("2020-06", NOW.date()))
    bulletin.write(b, ["xlsx"], tmp_path)
    record = json.loads((tmp_path / "bulletin-2020-06.json").read_text(encoding="utf-8"))
    reads = {r["id"]: r for r in record["reads"]}
    # 梅州's availability: the record names its read, and that read's answer gives the figure
    city = next(c for c in record["cities"] if c["node"] == "city-meizhou")
    [rid] = record["trace"]["cities/city-meizhou/availability"]
    read = reads[rid]
    assert read["method"] == "rollup" and read["args"]["measurement_name"] == "health"
    assert (
        read["args"]["nodes"] == ["city-meizhou"]
        and read["args"]["start"] == "2020-06-01T00:00:00+08:00"
    )
    # the store's own query text: SQL naming the series, or InfluxQL naming the measurement
    assert any("'health'" in q or '"health' in q for q in read["queries"])
    assert any("city-meizhou" in q for q in read["queries"])
    args = {**read["args"], "start": datetime.fromisoformat(read["args"]["start"]),
            "end": datetime.fromisoformat(read["args"]["end"]), "resolution": Resolution(read["args"]["resolution"])}  # fmt: skip
    answer = store.rollup(**args)
    assert city["availability"] == pytest.approx(answer["sum"].sum() / answer["count"].sum())
    # its migration rate and a provincial target trace to their reads too
    assert record["trace"]["cities/city-meizhou/migration_rate"]
    assert all(
        reads[r]["method"] == "counters"
        for r in record["trace"]["cities/city-meizhou/migration_rate"]
    )
    assert record["trace"]["verdicts"]  # the judge's reads (the provincial figures among them)
    assert {r["id"] for r in record["reads"]} == set(reads) and len(reads) == len(record["reads"])
    # the command line runs every read again and finds the same answers
    result = CliRunner().invoke(app, ["bulletin-verify", str(tmp_path / "bulletin-2020-06.json"),
                                      "--store", store.test_url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{len(reads)} of {len(reads)} reads give the same answer" in result.output


def test_bad_periods_formats_and_folders_are_refused_leaving_nothing(province_store, tmp_path):
    store, progress = province_store
    today = NOW.date()
    for text, reason in (("2020-13", "月份无效"), ("2021-Q1", "尚未开始"), ("last year", "格式无效"),
                         ("2020-05-01..2020-04-01", "晚于")):  # fmt: skip
        with pytest.raises(PeriodError, match=reason):
            parse_period(text, today)
    # no city live by the end of 2019-01 (the first went live in 2019-06): nothing to score
    with pytest.raises(bulletin.BulletinError, match="没有已上线的地市节点（按已记录的进度）"):
        bulletin.build(store, PLAN, progress, parse_period("2019-01", today))
    with pytest.raises(bulletin.BulletinError, match="没有任何进度记录"):
        bulletin.build(store, PLAN, Progress(PLAN, []), parse_period("2020-06", today))
    b = bulletin.build(store, PLAN, progress, parse_period("2020-06", today))
    with pytest.raises(bulletin.BulletinError, match="不支持的格式"):
        bulletin.write(b, ["xlsx", "odt"], tmp_path / "a")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(bulletin.BulletinError, match="输出目录不可写"):
        bulletin.write(b, ["xlsx"], blocker / "sub")
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())
    assert parse_period("2020", today).last == date(2020, 7, 20)  # a year still running: to today


def test_the_word_bulletin_is_a_gbt_9704_document(province_store, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    store, progress = province_store
    b = bulletin.build(store, PLAN, progress, parse_period("2020-Q2", NOW.date()))
    bulletin.write(b, ["docx"], tmp_path)
    doc = Document(tmp_path / "bulletin-2020-Q2.docx")
    section = doc.sections[0]

    def mm(length) -> float:  # Word keeps twips: a millimetre is not a whole number of them
        return round(length / Mm(1), 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)  # A4
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    # the type area: 156 × 225 mm
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    mark, number, title = paragraphs[0], paragraphs[1], paragraphs[2]
    assert (
        mark.text == "广东省政务服务数据管理局文件" and str(mark.runs[0].font.color.rgb) == "E60012"
    )
    assert number.text == f"粤政数〔{b.generated_at.year}〕1号"  # issued today
    assert title.text.startswith("关于2020年4月1日至2020年6月30日") and title.runs[
        0
    ].font.size == Pt(22)
    body = [p for p in paragraphs[3:] if p.runs and p.runs[0].font.size == Pt(16)]
    assert len(body) > 10
    east_asia = {  # every run of text names its East Asian font (pictures have no text)
        r._element.rPr.rFonts.get(qn("w:eastAsia"))
        for p in doc.paragraphs
        for r in p.runs
        if r.text
    }
    assert None not in east_asia and {"仿宋", "黑体", "方正小标宋简体"} <= east_asia
    headings = [p.text for p in paragraphs if p.runs and p.runs[0].font.name == "黑体"]
    assert headings[:4] == [
        "一、总体情况",
        "二、省级平台建设与迁移上云进展",
        "三、实施计划里程碑完成情况",
        "四、地市节点评估得分与排名",
    ]
    # the four heading levels: 一、 黑体, （一） 楷体, 1. 仿宋 bold, （1） in the text
    kaiti = [p.text for p in paragraphs if p.runs and p.runs[0].font.name == "楷体"]
    assert kaiti[:4] == ["（一）对照方案目标", "（二）省级部门业务系统迁移上云（按部门）",
                         "（一）评估结果", "（二）各节点评分明细"]  # fmt: skip
    ranked = [c for c in b.cities if c.rank is not None]
    first = next(p for p in paragraphs if p.text.startswith("1."))
    assert first.runs[0].font.bold and first.text.startswith(f"1.{ranked[0].node.name}：第1名")
    card = paragraphs[paragraphs.index(first) + 1].text
    assert card.startswith(f"（1）迁移率{ranked[0].migration_rate:.1%}")
    # tables have the widths of the type area, their header repeats and rows do not split
    table = doc.tables[0]
    assert table._tbl.tblPr.find(qn("w:tblW")).get(qn("w:w")) == str(round(156 / 25.4 * 1440))
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    for node in PLAN.nodes:
        if node.tier in ("city", "prd"):  # the 21 cities' nodes
            assert node.name in text, node.name
    for m in PLAN.milestones:
        assert m.title in text, m.id
    assert "抄送：" in text and "印发" in text
    assert len(doc.inline_shapes) == 2  # the map coloured by score, and the score charts
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in section.footer.paragraphs[0].text


def test_the_pdf_bulletin_renders_its_pages_with_chinese_text(province_store, tmp_path):
    import shutil
    import subprocess

    for tool in ("soffice", "pdftoppm", "pdftotext"):
        assert shutil.which(tool), (
            f"{tool} missing: apt-get install -y libreoffice-writer-nogui poppler-utils"
        )
    store, progress = province_store
    b = bulletin.build(store, PLAN, progress, parse_period("2020-Q2", NOW.date()))
    bulletin.write(b, ["docx", "pdf"], tmp_path)
    pdf = tmp_path / "bulletin-2020-Q2.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3 and all(p.stat().st_size > 2000 for p in pages)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    compact = text.replace(" ", "").replace("\n", "")
    for node in PLAN.nodes_of("city"):
        assert node.name in compact, node.name
    assert "广东省政务服务数据管理局文件" in compact
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bulletin-")]


def test_the_html_bulletin_draws_its_charts_offline(province_store, tmp_path, browser):
    store, progress = province_store
    b = bulletin.build(store, PLAN, progress, parse_period("2020-Q2", NOW.date()))
    bulletin.write(b, ["html"], tmp_path)
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((tmp_path / "bulletin-2020-Q2.html").as_uri(), wait_until="load")
        page.wait_for_function("(window.gdCharts || []).length === 3", timeout=10_000)
        assert page.locator("#score-map canvas").count() == 1  # ECharts drew the map
        assert page.locator("#scores tr").count() == 15  # a header and the 14 city nodes
        assert page.locator("#prd tr").count() == 8  # the 7 PRD clouds' docking
        assert page.locator("#quality tr").count() == 1 + len(b.quality) > 2
        assert b.quality[0].provider in page.locator("#quality").inner_text()
        assert [u for u in requests if not u.startswith("file:")] == []  # nothing from a network
        assert errors == []
    finally:
        page.close()


def test_scheduled_bulletins_are_written_once_into_the_archive(province_store, tmp_path):
    from wall.bulletin.schedule import run_due
    from wall.core.settings import Settings

    store, progress = province_store
    settings = Settings(data_dir=tmp_path)
    from wall.state.db import connect
    from wall.state.progress import add_event

    conn = connect(settings.state_db_path)
    for event in progress.events:
        add_event(conn, PLAN, event)
    conn.close()
    written = run_due(settings, store, today=date(2020, 7, 3))
    names = sorted(p.name for p in written)
    assert "bulletin-2020-06.xlsx" in names and "bulletin-2020-Q2.docx" in names
    assert "bulletin-2020-Q2.json" in names
    assert run_due(settings, store, today=date(2020, 7, 10)) == []  # already archived


def test_service_quality_per_provider_counts_every_sample_of_its_nodes(province_store):
    from wall.bulletin.evaluation import service_quality

    store, progress = province_store
    period = parse_period("2020-Q2", NOW.date())
    quality = {q.provider: q for q in service_quality(store, PLAN, progress, period)}
    centres = quality["数字政府建设运营中心"]  # runs both provincial data centres
    start, end = period.start, period.end
    up = store.rollup(
        "health", "up", start, end, Resolution.daily, nodes=["prov-mingmei", "prov-dongyong"]
    )
    assert centres.availability == pytest.approx(up["sum"].sum() / up["count"].sum())
    events = store.rollup("security", "events", start, end, Resolution.daily,
                          nodes=["city-meizhou"], stats=("sum",), by=("node", "severity"))  # fmt: skip
    meizhou = quality["梅州市本地硬件资源服务方"]
    assert meizhou.events.get("low", 0) == pytest.approx(
        events[events["severity"] == "low"]["sum"].sum()
    )
    # downtime: each hour's share of samples down, from the hourly rollups; never the hours
    # without data
    hourly = store.rollup("health", "up", start, end, Resolution.hourly, nodes=["city-meizhou"],
                          stats=("count", "sum"))  # fmt: skip
    hourly = hourly[hourly["count"] > 0]
    expected = ((hourly["count"] - hourly["sum"]) / hourly["count"]).sum()
    if hourly.empty:  # InfluxDB keeps hourly rollups 3 years: 2020's are gone by now
        assert meizhou.downtime_h is None and meizhou.outages is None
    else:
        assert meizhou.downtime_h == pytest.approx(expected)
        assert (meizhou.outages > 0) == (expected > 0)
        assert meizhou.outages <= (hourly["sum"] < hourly["count"]).sum()
    open_now = store.counters("security", ["open_incidents"], end - timedelta(seconds=1))
    mine = open_now[(open_now["node"] == "city-meizhou") & (open_now["severity"] == "high")]
    assert meizhou.open_high == mine["open_incidents"].sum()
