"""The four recipes of docs/extending.md, followed from a test: a toy page, panel kind, source
type and bulletin section are registered through the extension points the recipes name, and
each is served, drawn, collected and written. The registries are restored afterwards."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime

import openpyxl
import pytest
from dash import html

from tests.conftest import TEST_PASSWORD, TEST_SECRET, quick_layouts, sign_in_client
from wall.core.settings import Settings

NOW = datetime(2020, 7, 20, 4, tzinfo=UTC)


@pytest.fixture
def registries():
    """Whatever a test registers is gone after it."""
    from collectors import config, registry
    from wall.bulletin import sections
    from wall.core import layouts
    from wall.web import registry as web
    from wall.web.panels import registry as panels

    saved = [
        (web.PAGES, dict(web.PAGES)),
        (web.ACTIONS, dict(web.ACTIONS)),
        (web.DOWNLOADS, dict(web.DOWNLOADS)),
        (panels.PANELS, dict(panels.PANELS)),
        (registry.REGISTRY, dict(registry.REGISTRY)),
        (sections.SECTIONS, dict(sections.SECTIONS)),
    ]
    kinds, types = set(layouts.PANEL_KINDS), set(config.SOURCE_TYPES)
    yield
    for live, before in saved:
        live.clear()
        live.update(before)
    layouts.PANEL_KINDS.clear()
    layouts.PANEL_KINDS.update(kinds)
    config.SOURCE_TYPES.clear()
    config.SOURCE_TYPES.update(types)


def test_a_page_and_a_panel_kind_added_by_the_recipes_are_served_and_drawn(registries, tmp_path):
    from wall.state import auth, connect
    from wall.web.app import create_app
    from wall.web.panels import panel
    from wall.web.registry import page

    @page("toy", "/toy", "玩具页", "pages", order=99)
    def toy_page(ctx):
        nodes = len(ctx.read.plan.nodes)
        return [html.H1("玩具页", id="toy-title"), html.P(f"节点 {nodes} 个", id="toy-count")]

    @panel("toy-panel")
    def toy_panel(spec, state, layouts):
        return html.Div(f"里程碑 {len(state.overview.milestones)} 项", id="toy-panel-body")

    from wall.core.configfile import ConfigError
    from wall.core.layouts import load_layouts

    layouts_dir = quick_layouts(tmp_path / "layouts")
    screen = layouts_dir / "overview.yaml"
    original = screen.read_text()
    screen.write_text(original.replace("panel: milestones", "panel: no-such-panel"))
    with pytest.raises(ConfigError, match=r"overview.yaml:\d+: panels\[\d\]\.panel: no panel kind"):
        load_layouts(layouts_dir)
    screen.write_text(original.replace("panel: milestones", "panel: toy-panel"))
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db",
                        secret_key=TEST_SECRET, layouts_dir=layouts_dir)  # fmt: skip
    with closing(connect(settings.state_db_path)) as conn:
        auth.add_user(conn, "op", "operator", TEST_PASSWORD)
        auth.add_user(conn, "ev", "evaluator", TEST_PASSWORD)
    app = create_app(settings)
    op = sign_in_client(app.server.test_client(), "op")
    served = op.get("/_dash-layout", headers={"Referer": "http://localhost/toy"})
    text = served.get_data(as_text=True)
    assert (
        served.status_code == 200 and "toy-title" in text and "节点 27 个" in text
    )  # 2 + 14 + 7 + 4 in the plan
    assert "玩具页" in op.get(
        "/_dash-layout", headers={"Referer": "http://localhost/alerts"}
    ).get_data(as_text=True)  # in the navigation
    rules = app.server.extensions["gdwall.access"]
    assert rules.callbacks["toy_body"] == "pages"  # its access, derived from its declaration
    wall = op.get("/_dash-layout", headers={"Referer": "http://localhost/?screen=overview"})
    assert "toy-panel-body" in wall.get_data(as_text=True)  # the panel drawn on the screen
    # the attachment's 17 rows and the body's 8 checkpoints (三（一）（二）, 一, 二（一）（二）)
    assert "里程碑 25 项" in wall.get_data(as_text=True)


def test_a_source_type_added_by_the_recipe_is_collected(registries, tmp_path):
    from collectors.config import Source, load_sources
    from collectors.registry import register
    from collectors.runner import Runner
    from wall.store import Sample, open_store
    from wall.store.spool import BufferedWriter, Spool

    @register("toy")
    class ToyCollector:
        def __init__(self, source: Source):
            self.source = source

        def collect(self, now):
            return [Sample.make("usage", {"node": n}, {"cpu_util": 0.42}, now)
                    for n in self.source.nodes]  # fmt: skip

    path = tmp_path / "sources.yaml"
    path.write_text("schema_version: 1\nkind: sources\nsources:\n"
                    "  - {name: toy-source, type: toy, url: toy://here, nodes: [city-meizhou]}\n")  # fmt: skip
    sources = load_sources(path).sources
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    writer = BufferedWriter(store, Spool(tmp_path / "spool"))
    runner = Runner(sources, writer, retries=0)
    attempts = runner.run_once()
    runner.close()
    assert [a.ok for a in attempts] == [True]
    latest = store.latest("usage", ["cpu_util"])
    assert latest.loc[latest["node"] == "city-meizhou", "value"].tolist() == [0.42]


def test_a_bulletin_section_added_by_the_recipe_is_written_in_every_format(registries, tmp_path):
    import json

    from collectors.simulator.backfill import backfill
    from collectors.simulator.model import Province
    from wall import bulletin
    from wall.bulletin.evaluation import parse_period
    from wall.bulletin.sections import section
    from wall.core.plan import load_plan
    from wall.read import cache
    from wall.state import connect
    from wall.state.progress import add_event
    from wall.store import open_store

    @section("toy-live", "玩具：在线节点数", ("层级", "节点数"))
    def toy_rows(inputs):
        live = inputs.store.latest("health", ["up"])
        return [("全部", len(set(live["node"])))]

    plan = load_plan()
    province = Province(plan, now=NOW)
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    backfill(store, province, datetime(2020, 6, 1, tzinfo=UTC), now=NOW, minute_days=0)
    cache.current().clear()
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db")
    with closing(connect(settings.state_db_path)) as conn:
        for event in province.events:
            add_event(conn, plan, event)
    paths = bulletin.make(settings, store, parse_period("2020-06", NOW.date()),
                          ["xlsx", "html", "docx"], tmp_path / "out")  # fmt: skip
    by = {p.suffix: p for p in paths}
    book = openpyxl.load_workbook(by[".xlsx"])
    sheet = book["玩具：在线节点数"]
    assert [c.value for c in sheet[1]] == ["层级", "节点数"] and sheet["A2"].value == "全部"
    assert 'id="section-toy-live"' in by[".html"].read_text(encoding="utf-8")
    record = json.loads(by[".json"].read_text(encoding="utf-8"))
    assert record["sections"]["toy-live"] == [["全部", sheet["B2"].value]]
    assert any(k.startswith("sections/toy-live") for k in record["trace"])  # its read, traced
    import docx

    text = "\n".join(p.text for p in docx.Document(by[".docx"]).paragraphs)
    assert "玩具：在线节点数" in text
