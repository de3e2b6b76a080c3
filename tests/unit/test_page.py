"""The page the wall sends: drawn on arrival, assets cached and compressed, plotly vendored."""

import json
import re
from datetime import datetime

import pytest

from tests.conftest import ROOT, TEST_SECRET, add_test_user, sign_in_client
from wall.core.chinatime import CHINA
from wall.core.layouts import load_layouts
from wall.core.plan import load_plan
from wall.core.progress import EventKind, ProgressEvent
from wall.core.settings import Settings
from wall.state.db import connect
from wall.state.progress import add_event
from wall.web import ids
from wall.web.app import create_app
from wall.web.pages.wall import active_screen

CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}


@pytest.fixture
def app(tmp_path):
    return wall_app(tmp_path)


def wall_app(tmp_path, **settings):
    settings = Settings(
        data_dir=tmp_path,
        store_url=f"sqlite:///{tmp_path}/metrics.db",
        secret_key=TEST_SECRET,
        **settings,
    )
    add_test_user(settings.state_db_path)
    conn = connect(settings.state_db_path)
    add_event(conn, load_plan(), ProgressEvent(EventKind.node_live, "city-heyuan",
              datetime(2019, 9, 30, 12, tzinfo=CHINA), "验收", "test"))  # fmt: skip
    conn.close()
    return create_app(settings)


def client_of(app):
    """A browser signed in as an admin."""
    return sign_in_client(app.server.test_client())


def layout_for(app, page: str) -> dict:
    r = client_of(app).get("/_dash-layout", headers={"Referer": page})
    assert r.status_code == 200
    return r.get_json()


def find(node, wanted_id):
    """The component with this id anywhere in a layout's JSON."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == wanted_id:
            return node
        children = node.get("props", {}).get("children")
        for child in children if isinstance(children, list) else [children]:
            if (hit := find(child, wanted_id)) is not None:
                return hit
    return None


def text(node) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list):
        return "".join(text(n) for n in node)
    if isinstance(node, dict):
        return text(node.get("props", {}).get("children"))
    return ""


def test_the_page_arrives_drawn_as_of_its_own_address(app):
    """No empty panels waiting for a first refresh: the layout holds the screen on show,
    evaluated as of the ?asof= of the page that asked for it."""
    page = layout_for(app, "http://wall/?screen=overview&asof=2019-10-01")
    screen = find(page, ids.screen("overview"))
    assert screen["props"]["className"] == "screen active"
    assert find(page, ids.screen("operations"))["props"]["className"] == "screen"
    assert text(find(page, "tile-cities")).count("1/14") == 1  # 河源 live on 2019-09-30
    assert "2019年10月1日" in text(find(page, ids.ASOF))
    location = find(page, ids.URL)["props"]
    assert location["search"] == "?screen=overview&asof=2019-10-01"  # mounting changes nothing

    figure = find(page, ids.map_graph("overview"))["props"]["figure"]
    assert len(figure["data"][0]["locations"]) == 21
    # the day before, 河源 was still being built
    before = layout_for(app, "http://wall/?screen=overview&asof=2019-09-29")
    assert "0/14" in text(find(before, "tile-cities"))


@pytest.mark.parametrize("page", ["http://wall/?screen=overview&asof=2019-10-01",
                                  "http://wall/plan?asof=2019-10-01"])  # fmt: skip
def test_the_date_control_arrives_holding_the_address_day(app, page):
    """Drawn empty, the control says so as it mounts, and that could land after the
    address's day had been put in it (the wall as of 2019-09-29 showing an empty control)."""
    assert find(layout_for(app, page), ids.ASOF_PICK)["props"]["date"] == "2019-10-01"
    for other in ("http://wall/?asof=", "http://wall/?asof=yesterday", "http://wall/plan"):
        assert find(layout_for(app, other), ids.ASOF_PICK)["props"].get("date") is None


def test_the_wall_arrives_with_its_title_and_clock(app):
    """Nothing for the browser to work out as the page opens (each callback run then costs
    the renderer ~30 ms): the screen's title and the time in China are drawn."""
    from datetime import datetime

    page = layout_for(app, "http://wall/?screen=operations")
    assert find(page, ids.SCREEN_TITLE)["props"]["children"] == "运行与安全"
    clock = find(page, ids.CLOCK)["props"]["children"]
    shown = datetime.strptime(clock, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)
    assert abs((datetime.now(CHINA) - shown).total_seconds()) < 120


def opening_callbacks(app, page: dict) -> list[str]:
    """The callbacks the renderer runs as this layout opens: those not told to wait whose
    every input is on the page (what the page itself sends: its own callback list)."""
    with app.server.test_request_context("/"):
        callbacks = app.dependencies().get_json()
    present = ids_in(page, set())

    def on_page(component_id: str) -> bool:
        if not component_id.startswith("{"):
            return component_id in present
        wanted = {k: v for k, v in json.loads(component_id).items() if v != ["ALL"]}
        return any(wanted.items() <= json.loads(p).items() for p in present if p.startswith("{"))

    return [
        cb["output"]
        for cb in callbacks
        if not cb["prevent_initial_call"] and all(on_page(i["id"]) for i in cb["inputs"])
    ]


def test_the_wall_opens_running_no_callback(app):
    """Each callback run as the page opens costs the renderer ~30 ms, one whose output is the
    map ~70 ms (it held the first draw back): the map arrives sized for the screen (a
    cookie), the replay waits for a click and starts by itself only on a ?replay= link."""
    assert opening_callbacks(app, layout_for(app, "http://wall/?screen=overview")) == []
    link = layout_for(app, "http://wall/?screen=overview&replay=2019-06..2019-09")
    [start] = opening_callbacks(app, link)
    assert f"{ids.REPLAY}.data" in start, start  # the replay's first frame asked for


def test_the_other_screens_wait_for_the_carousel(app):
    page = layout_for(app, "http://wall/?screen=operations")
    assert find(page, ids.screen("operations"))["props"]["className"] == "screen active"
    overview_tiles = find(page, ids.panel("overview", 0))
    assert overview_tiles["props"].get("children") is None


def test_the_index_page_does_not_carry_a_second_copy_of_the_layout(app):
    html = client_of(app).get("/").get_data(as_text=True)
    assert len(html) < 40_000  # Dash would otherwise embed the rendered layout, map and all
    assert "choroplethlocation" not in html and "FeatureCollection" not in html


def test_assets_are_compressed_and_kept_by_the_browser(app):
    client = client_of(app)
    html = client.get("/").get_data(as_text=True)
    src = re.search(r'src="(/assets/plotly-geo\.min\.js\?m=[^"]+)"', html).group(1)
    r = client.get(src, headers=CHROME)
    assert r.headers["Content-Encoding"] in ("zstd", "br", "gzip")
    assert int(r.headers["Content-Length"]) < 600_000  # 1.4 MB on disk
    assert (
        "immutable" in r.headers["Cache-Control"]
        and "max-age=31536000" in r.headers["Cache-Control"]
    )
    font = client.get("/assets/fonts/wall-sans-regular.woff2", headers=CHROME)
    assert "max-age=86400" in font.headers["Cache-Control"]
    # the full plotly.js that dcc.Graph would fetch is not part of the page
    assert "package_data/plotly.min.js" not in html


def test_the_page_carries_the_generator_runtime_not_the_whole_polyfill(app):
    """Dash's @babel/polyfill (core-js 2 and regenerator-runtime) slowed every page's opening
    with copies of functions today's browsers have; only the runtime dcc needs is on the page,
    before dcc (the browser tests draw every page with it)."""
    client = client_of(app)
    srcs = re.findall(r'<script src="([^"]+)"', client.get("/").get_data(as_text=True))
    assert [s for s in srcs if "polyfill" in s] == []
    runtime = next(i for i, s in enumerate(srcs) if "regenerator-runtime" in s)
    assert runtime < next(i for i, s in enumerate(srcs) if "dash_core_components" in s)
    r = client.get(srcs[runtime], headers=CHROME)
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]


def test_the_vendored_plotly_bundle_matches_the_python_package():
    from plotly.offline import get_plotlyjs_version

    head = (ROOT / "wall/web/assets" / "plotly-geo.min.js").read_text(encoding="utf-8")[:200]
    assert f"v{get_plotlyjs_version()}" in head, "run scripts/fetch_plotly_bundle.sh"


def test_the_opening_screen_follows_the_address_then_the_carousel_clock():
    layouts = load_layouts()
    dwell = {s.id: int(s.dwell_s * 1000) for s in layouts.screens}
    cycle = sum(dwell.values())
    assert active_screen(layouts, "screen=operations", 0) == "operations"
    assert active_screen(layouts, "screen=nonsense", 0) == "overview"
    assert active_screen(layouts, "", cycle * 7 + 1) == "overview"
    assert active_screen(layouts, "", cycle * 7 + dwell["overview"] + 1) == "operations"


def test_the_map_names_its_boundaries_instead_of_carrying_them():
    # the 21 cities' 60,000 coordinate pairs travelled in every page's layout (230 KB to
    # encode and send on each load); the figure now names the file the browser keeps
    from plotly.io.json import to_json_plotly

    from geo import geometry
    from wall.web.pages.wall import initial_map

    text = to_json_plotly(initial_map(load_plan(), None))
    assert json.loads(text)["data"][0]["geojson"] == f"/geo/cities-{geometry.digest()}.geojson"
    assert len(text) < 30_000  # names, labels and the 东沙群岛 inset only


def test_the_served_font_has_every_character_the_wall_shows():
    import importlib.util

    from fontTools.ttLib import TTFont

    spec = importlib.util.spec_from_file_location(
        "subset", ROOT / "scripts" / "build_font_subset.py"
    )
    subset = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(subset)
    wanted = {c for c in subset.characters() if ord(c) > 0x7F}
    fonts = ROOT / "wall/web/assets" / "fonts"
    symbols = TTFont(fonts / "wall-symbols.woff2").getBestCmap()
    served = [
        fonts / "wall-sans-regular.woff2",
        fonts / "wall-sans-bold.woff2",
        ROOT / "wall" / "bulletin" / "vendor" / "wall-sans-regular.ttf",
    ]  # the last: bulletin charts
    for path in served:
        cmap = TTFont(path).getBestCmap()
        missing = sorted(c for c in wanted if ord(c) not in cmap and ord(c) not in symbols)
        assert not missing, f"run scripts/build_font_subset.py: {''.join(missing[:40])}"
    assert "GD Wall Symbols" in (ROOT / "wall/web/assets" / "wall.css").read_text()


def test_the_index_asks_for_the_layout_while_its_scripts_load(app):
    client = client_of(app)
    html = client.get("/").get_data(as_text=True)
    head = html[: html.index("</head>")]
    assert '<link rel="preload" href="/_dash-layout" as="fetch" crossorigin="anonymous">' in head
    # and on the wall, the map's boundaries; not on a page that draws no map
    boundaries = re.compile(r'<link rel="preload" href="/geo/cities-[0-9a-f]+\.geojson"')
    assert boundaries.search(head)
    for page in ("/node/city-heyuan", "/alerts", "/admin"):
        html = client.get(page).get_data(as_text=True)
        assert "/_dash-layout" in html and not boundaries.search(html), page


def test_a_layout_is_never_kept_by_the_browser(app):
    """Every page asks for its layout at the same address; going back to the wall must not
    reuse the node page's."""
    r = client_of(app).get("/_dash-layout", headers={"Referer": "http://wall/node/city-meizhou"})
    assert "no-store" in r.headers["Cache-Control"] and "Referer" in r.headers["Vary"]


def test_the_schedule_asks_for_the_finished_month_and_quarter():
    from datetime import date

    from wall.bulletin.schedule import finished_periods

    assert finished_periods(date(2020, 7, 1)) == ["2020-06", "2020-Q2"]
    assert finished_periods(date(2020, 8, 15)) == ["2020-07", "2020-Q2"]
    assert finished_periods(date(2021, 1, 3)) == ["2020-12", "2020-Q4"]


def test_the_map_and_date_control_scripts_are_page_scripts_kept_for_good(app):
    # dcc loads its graph and date picker lazily, under URLs without a version that the
    # browser revalidated at every reload, a round trip behind the page's own requests
    client = client_of(app)
    html = client.get("/").get_data(as_text=True)
    for chunk in ("async-graph", "async-datepicker"):
        src = re.search(rf'src="(/_dash-component-suites/dash/dcc/{chunk}\.v[^"]+\.js)"', html)
        assert src, f"{chunk} is not among the page's scripts"
        r = client.get(src.group(1), headers=CHROME)
        assert r.status_code == 200 and "max-age=31536000" in r.headers["Cache-Control"]
    assert "async-markdown" not in html and "async-mathjax" not in html  # unused: still lazy


def test_a_refresh_leaves_out_the_milestones_the_browser_already_shows(app):
    # the browser posts back the last answer's DONE; a table drawn as it already shows is
    # neither encoded nor rendered again, and the other panels still come
    from benchmarks.wall_bench import refresh_body

    client = client_of(app)
    csrf = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    body = refresh_body(app, load_layouts(), "overview", 1.0)
    milestones = json.dumps(ids.panel("overview", 2), separators=(",", ":"), sort_keys=True)
    tiles = json.dumps(ids.panel("overview", 0), separators=(",", ":"), sort_keys=True)

    def post(shown):
        body["state"] = [{"id": ids.DONE, "property": "data", "value": shown}]
        r = client.post("/_dash-update-component", json=body, headers=csrf)
        assert r.status_code == 200
        return r.get_json()["response"]

    first = post(None)
    assert milestones in first and "实施计划里程碑" not in first[milestones]  # drawn, as a table
    assert "ms-" in json.dumps(first[milestones], ensure_ascii=False)
    done = first[ids.DONE]["data"]
    second = post(done)
    assert milestones not in second and tiles in second
    assert second[ids.DONE]["data"]["drawn"] == done["drawn"]
    # the page itself arrives with the table drawn: its first refresh need not send it
    page = layout_for(app, "http://wall/?screen=overview")
    arrived = find(page, ids.DONE)["props"]["data"]
    assert milestones not in post(arrived)
    # a browser showing something else (or saying nonsense) gets the table again
    assert milestones in post({"drawn": {"overview:2": "0" * 16}})
    assert milestones in post({"drawn": "x"}) and milestones in post("x")


def test_a_replay_frame_has_the_next_one_read_ahead(tmp_path, monkeypatch):
    # while the browser draws a frame, the server works out the next: asking for it then
    # finds it kept, and the frame's time is the browser's alone
    import time

    # kept for the time bucket it was read in: an hour's, so that a loaded machine's test
    # does not cross into the next bucket between reading ahead and asking
    app = wall_app(tmp_path, cache_bucket_s=3600)

    from benchmarks.wall_bench import refresh_body
    from wall.read import reader

    computed, finished = [], []
    real = reader.wall_state

    def counting(store, plan, progress, now, asof, *args, **kwargs):
        day = asof.astimezone(CHINA).date().isoformat()
        computed.append(day)
        state = real(store, plan, progress, now, asof, *args, **kwargs)
        finished.append(day)
        return state

    monkeypatch.setattr(reader, "wall_state", counting)
    client = client_of(app)
    csrf = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    body = refresh_body(app, load_layouts(), "overview", 1.0)
    body["state"] = [{"id": ids.DONE, "property": "data", "value": None}]
    replay = next(i for i in body["inputs"] if i["id"] == ids.REPLAY)

    def frame(asked):
        replay["value"] = asked
        r = client.post("/_dash-update-component", json=body, headers=csrf)
        assert r.status_code == 200
        return r.get_json()["response"]

    # the first frame of a replay names its last day too: the history all its frames look
    # up is read with the first frame (read in the background, it slowed the next frames)
    first = {"at": "2019-06-04", "next": "2019-06-11", "last": "2019-09-30"}
    assert "2019年6月4日" in json.dumps(frame(first), ensure_ascii=False)
    assert computed[:2] == ["2019-06-04", "2019-09-30"]  # before the first frame was answered
    deadline = time.monotonic() + 30
    while "2019-06-11" not in finished and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # and kept: the cache takes the state once its reading returns
    assert computed == ["2019-06-04", "2019-09-30", "2019-06-11"]  # read ahead, unasked
    assert "2019年6月11日" in json.dumps(frame({"at": "2019-06-11"}), ensure_ascii=False)
    assert computed == ["2019-06-04", "2019-09-30", "2019-06-11"]  # found kept, not again
    # what is not a day is not read ahead, and the frame itself is still answered
    for nonsense in ("2019-13-45", "x" * 500, "</script>"):
        frame({"at": "2019-06-18", "next": nonsense, "last": nonsense})
    time.sleep(0.5)
    assert computed == ["2019-06-04", "2019-09-30", "2019-06-11", "2019-06-18"]


def test_the_operator_charts_carry_the_dark_look_and_nothing_else(app):
    # plotly_dark's whole template (7 KB of settings for 3D scenes, polar and ternary charts
    # the wall never draws) was copied, validated and sent with each chart
    page = layout_for(app, "http://wall/node/city-heyuan")
    charts = [find(page, f"chart-{c}") for c in ("util", "net", "hosts")]
    charts = [c for c in charts if c is not None]
    assert charts, "the node page draws no chart"
    for chart in charts:
        layout = chart["props"]["figure"]["layout"]
        template = layout["template"]["layout"]
        assert template["font"]["color"] == "#f2f5fa"  # plotly_dark's text on the dark page
        assert template["xaxis"]["gridcolor"] == template["yaxis"]["gridcolor"] == "#283442"
        assert "scene" not in template and "polar" not in template and "colorscale" not in template
        assert len(json.dumps(layout["template"])) < 1500


def ids_in(node, found: set) -> set:
    """Every id in a layout's JSON (a pattern-matching one as its sorted JSON)."""
    if isinstance(node, dict):
        component_id = node.get("props", {}).get("id")
        if isinstance(component_id, str):
            found.add(component_id)
        elif isinstance(component_id, dict):
            found.add(json.dumps(component_id, sort_keys=True))
        for value in node.get("props", {}).values():
            ids_in(value, found)
    elif isinstance(node, list):
        for child in node:
            ids_in(child, found)
    return found


def test_every_component_a_callback_names_is_on_a_page_and_the_browser_is_not_told_otherwise(app):
    # the browser checked the callbacks against a layout without the pages' own controls and
    # logged an "ID not found in layout" error for each of them on every page an operator
    # opened; what it checked is checked here, against the pages as they are drawn
    from wall.web.registry import PAGES

    addresses = [p.path.replace("<node_id>", "city-heyuan") for p in PAGES.values()]
    addresses.append("/?replay=2019-06..2019-09")  # the wall as a replay link draws it
    found: set = set()
    for address in addresses:
        ids_in(layout_for(app, f"http://wall{address}"), found)
    named = set()
    for key, callback in app.callback_map.items():
        for dep in [*callback["inputs"], *callback["state"]]:
            if not dep["id"].startswith("{"):  # pattern-matching ids match what is drawn
                named.add(dep["id"])
        for out in key.strip(".").split("..."):  # "..a.children...b.data@<hash>.."
            if not out.startswith("{"):
                named.add(out.split("@")[0].rsplit(".", 1)[0])
    assert named - found == set()
    config = client_of(app).get("/").get_data(as_text=True)
    config = json.loads(
        re.search(r'id="_dash-config" type="application/json">(.*?)</script>', config).group(1)
    )
    assert config["suppress_callback_exceptions"] and "validation_layout" not in config
