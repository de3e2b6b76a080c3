"""The map's per-city views: a node without fresh data is never shown green."""

from datetime import UTC, datetime, timedelta

from geo.geometry import centroids, load_geojson
from wall.core.plan import load_plan
from wall.core.plan.models import NodeState
from wall.read.queries import NodeHealth
from wall.web.panels import gdmap

PLAN = load_plan()
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def view(views, adcode):
    return next(v for v in views if v.adcode == adcode)


def test_the_committed_geometry_has_the_21_cities_and_dongsha_in_its_own_box():
    features = load_geojson()["features"]
    assert sorted(int(f["properties"]["adcode"]) for f in features) == sorted(centroids())
    assert len(features) == 21
    points = [pt for f in features for poly in (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon" else [f["geometry"]["coordinates"]]) for ring in poly for pt in ring]  # fmt: skip
    # 东沙群岛 (116.7°E, 20.7°N, 汕尾) is not a speck on the mainland map but an inset feature
    assert not [p for p in points if p[0] > 116.3 and p[1] < 21.5]
    assert max(p[0] for p in points) < 117.4 and min(p[1] for p in points) > 20.1  # the map's frame
    (dongsha,) = load_geojson()["insets"]
    assert dongsha["properties"] == {"adcode": "441500", "name": "东沙群岛"}
    reef = [pt for poly in dongsha["geometry"]["coordinates"] for ring in poly for pt in ring]
    assert all(116.6 < x < 117.0 and 20.5 < y < 20.85 for x, y in reef)


def test_the_wall_map_draws_dongsha_in_an_inset_coloured_as_shanwei():
    states = {"city-shanwei": NodeState.building}
    fig = gdmap.figure(gdmap.city_views(PLAN, states, {}, NOW), colour="health").to_plotly_json()
    inset = next(t for t in fig["data"] if t.get("name") == "inset")
    assert inset["geo"] == "geo2" and inset["locations"] == ["441500"]
    words = {i: name for i, (name, _) in enumerate(gdmap.CATEGORIES)}
    assert words[inset["z"][0]] == "建设中"  # 汕尾's own category
    assert any(a["text"] == "东沙群岛" for a in fig["layout"]["annotations"])
    x0, _ = fig["layout"]["geo2"]["domain"]["x"]
    assert x0 > 0.5 and fig["layout"]["shapes"][0]["x0"] == x0  # framed, in the lower right
    # a refresh recolours it with 汕尾
    later = gdmap.city_views(PLAN, {"city-shanwei": NodeState.online}, {}, NOW)
    shown = gdmap.with_views(fig, later, "health")
    assert words[next(t for t in shown["data"] if t.get("name") == "inset")["z"][0]] == "数据中断"


def test_health_decides_the_colour_of_a_live_node():
    states = {"city-heyuan": NodeState.online, "city-meizhou": NodeState.online, "city-shantou": NodeState.online,
              "city-jieyang": NodeState.building, "prd-foshan": NodeState.not_docked}  # fmt: skip
    health = {
        "city-heyuan": NodeHealth("stale", NOW - timedelta(hours=2), 0.5, 0.2),
        "city-meizhou": NodeHealth("ok", NOW, 0.61, 0.3),
        "city-shantou": NodeHealth("down", NOW, 0.4, 0.0),
    }
    views = gdmap.city_views(PLAN, states, health, NOW)
    label = {i: name for i, (name, _) in enumerate(gdmap.CATEGORIES)}
    assert label[view(views, 441600).category] == "数据中断"  # 河源: stale is never green
    assert "数据中断 · 最后更新" in view(views, 441600).hover
    assert label[view(views, 441400).category] == "正常" and "61%" in view(views, 441400).hover
    assert label[view(views, 440500).category] == "中断"
    assert label[view(views, 445200).category] == "建设中"
    assert label[view(views, 440600).category] == "未建成/未对接"
    assert not view(views, 441600).flowing and view(views, 441400).flowing
    # a live node with no data at all is not green either
    assert label[view(gdmap.city_views(PLAN, states, {}, NOW), 441400).category] == "数据中断"


def test_refreshes_patch_colours_and_texts_not_the_geometry():
    views = gdmap.city_views(PLAN, {}, {}, NOW)
    patch = gdmap.patch(views).to_plotly_json()
    assert "geojson" not in str(patch)
    fig = gdmap.figure(views)
    assert fig.data[0].geojson is not None and len(fig.data[0].locations) == 21


def test_the_map_labels_utilization_by_its_threshold_and_trouble_in_words():
    from wall.core.layouts import Level, load_layouts

    thresholds = load_layouts().thresholds  # node_utilization: amber from 80 %, red from 90 %
    online = NodeState.online
    states = {"city-heyuan": online, "city-meizhou": online, "city-shantou": online,
              "city-zhanjiang": online, "city-maoming": online}  # fmt: skip
    health = {
        "city-heyuan": NodeHealth("stale", NOW - timedelta(hours=2), 0.95, 0.2),
        "city-meizhou": NodeHealth("ok", NOW, 0.61, 0.3),
        "city-shantou": NodeHealth("down", NOW, 0.4, 0.0),
        "city-zhanjiang": NodeHealth("degraded", NOW, 0.93, 0.5),
        "city-maoming": NodeHealth("ok", NOW, 0.84, 0.5),
    }
    views = gdmap.city_views(PLAN, states, health, NOW, thresholds=thresholds)
    assert view(views, 441400).label == "梅州<br>61%" and view(views, 441400).level == Level.ok
    assert view(views, 440800).label == "湛江<br>✖93%"
    assert gdmap.label_color(view(views, 440800)) == gdmap.LABEL_COLOR[Level.bad]
    assert view(views, 440900).label == "茂名<br>▲84%" and view(views, 440900).level == Level.warn
    # a stale node's last utilization is not shown as current: it says the data stopped
    assert view(views, 441600).label == "河源<br>⚠数据中断"
    assert view(views, 440500).label == "汕头<br>✖中断"
    assert view(views, 440600).label == "佛山"  # a PRD cloud not docked: just its name
    labels = gdmap.patch(views).to_plotly_json()
    assert "梅州<br>61%" in str(labels)


def test_a_figure_with_views_changes_the_traces_the_patch_names():
    from wall.core.layouts import load_layouts

    states = {"city-meizhou": NodeState.online}
    health = {"city-meizhou": NodeHealth("ok", NOW, 0.61, 0.3)}
    views = gdmap.city_views(PLAN, states, health, NOW, thresholds=load_layouts().thresholds)
    base = gdmap.figure(gdmap.city_views(PLAN, {}, {}, NOW)).to_plotly_json()
    shown = gdmap.with_views(base, views)
    names = next(t for t in shown["data"] if t.get("name") == "names")
    assert "梅州<br>61%" in names["text"]
    assert shown["data"][0]["geojson"] is base["data"][0]["geojson"]  # shared, not copied
    assert "梅州<br>61%" not in next(t for t in base["data"] if t.get("name") == "names")["text"]
    for path, _ in gdmap.updates(views):  # every path the patch writes exists in the figure
        target = shown
        for key in path[:-1]:
            target = target[key]
        assert path[-1] in target or path[-1] == "color"


def _event(kind, node, day, stage=None):
    from wall.core.chinatime import CHINA
    from wall.core.progress import ProgressEvent

    at = datetime.fromisoformat(day).replace(hour=12, tzinfo=CHINA).astimezone(UTC)
    return ProgressEvent(kind, node, at, "验收报告", "test", stage=stage)


def test_the_plan_map_answers_the_plans_question_for_each_city():
    """As of 2019-10-15, from these events: 河源 (due 2019-09-30 by 附件第2项) is still being
    built, so it is late, in colour and in words; 肇庆, live since 2019-07-27, is in its first
    year; 梅州 is being built (due 2020-06-30); 汕头 has nothing yet; 佛山's cloud docked on
    2019-10-01; a node whose data stopped keeps its plan colour and is marked in words."""
    from wall.core.chinatime import CHINA
    from wall.core.progress import EventKind, Progress
    from wall.read.judge import Judge, judge_all

    events = [
        _event(EventKind.node_building, "city-heyuan", "2019-05-01"),
        _event(EventKind.node_building, "city-zhaoqing", "2019-03-01"),
        _event(EventKind.node_live, "city-zhaoqing", "2019-07-27"),
        _event(EventKind.node_building, "city-meizhou", "2019-08-01"),
        _event(EventKind.docking_stage, "prd-foshan", "2019-10-01", NodeState.displayed),
    ]
    asof = datetime(2019, 10, 15, 20, tzinfo=CHINA)
    progress = Progress(PLAN, events)
    judge = Judge(PLAN, progress, None, asof)
    states = {n.id: progress.state(n, asof) for n in PLAN.nodes}
    health = {"city-zhaoqing": NodeHealth("stale", asof - timedelta(hours=3), 0.5, 0.2)}
    views = gdmap.city_views(PLAN, states, health, asof, verdicts=judge_all(judge),
                             floor=judge.utilization_floor, asof=asof)  # fmt: skip
    words = {i: name for i, (name, _) in enumerate(gdmap.PLAN_CATEGORIES)}
    assert words[view(views, 441600).plan_category] == "逾期未建成/未对接"  # 河源
    assert view(views, 441600).plan_label == "河源<br>逾期未建成"
    assert "应于 2019-09-30 前" in view(views, 441600).hover
    assert words[view(views, 441200).plan_category] == "已上线·一周年考核期内"  # 肇庆
    assert view(views, 441200).plan_label == "肇庆<br>⚠数据中断"
    assert words[view(views, 441400).plan_category] == "建设中"  # 梅州
    assert words[view(views, 440500).plan_category] == "未到期·待建设/对接"  # 汕头
    assert words[view(views, 440600).plan_category] == "珠三角自建云已对接"  # 佛山
    # the late colour is the map's red, and no other category shares it
    late = dict(gdmap.PLAN_CATEGORIES)["逾期未建成/未对接"]
    assert [c for _, c in gdmap.PLAN_CATEGORIES].count(late) == 1


def test_utilization_is_read_against_the_plans_floor_and_pressure_apart():
    from wall.core.layouts import load_layouts

    states = {"city-meizhou": NodeState.online, "city-heyuan": NodeState.online,
              "city-shantou": NodeState.online, "prd-foshan": NodeState.displayed}  # fmt: skip
    health = {
        "city-meizhou": NodeHealth("ok", NOW, 0.47, 0.3),  # below the plan's 60 %
        "city-heyuan": NodeHealth("ok", NOW, 0.93, 0.3),  # capacity pressure (thresholds.yaml)
        "city-shantou": NodeHealth("ok", NOW, 0.65, 0.3),
        "prd-foshan": NodeHealth("ok", NOW, 0.47, 0.3),  # the plan sets no floor for PRD clouds
    }
    floor = {"city": 0.6}  # 二（六）: 地市 云资源整体使用率不低于60%

    def floors(node):
        return floor.get(node.tier.value)

    views = gdmap.city_views(PLAN, states, health, NOW, thresholds=load_layouts().thresholds,
                             floor=floors)  # fmt: skip
    assert view(views, 441400).plan_label == "梅州<br>▼47%"
    assert view(views, 441600).plan_label == "河源<br>▲93%"
    assert view(views, 440500).plan_label == "汕头<br>65%"
    assert view(views, 440600).plan_label == "佛山<br>47%"
    colours = {v.name: gdmap.label_color(v, "plan") for v in views}
    assert colours["梅州"] != colours["汕头"] == "#ffffff" != colours["河源"]


def test_a_map_sized_for_a_screen_has_its_texts_and_markers_in_its_pixels():
    """The server sends a browser the map at the unit it measured last (gdmap.sized): city
    names 1.15 units, the centres' labels 1 unit and their markers 1.1, the annotations 1
    unit, to a tenth of a pixel, as the browser's own scaling rounds them (half up)."""
    original = gdmap.figure(gdmap.city_views(PLAN, {}, {}, NOW)).to_plotly_json()
    before = repr(original)

    def sizes(fig):
        traces = {t.get("name"): t for t in fig["data"]}
        return (
            traces["names"]["textfont"]["size"],
            traces["datacentres"]["textfont"]["size"],
            traces["datacentres"]["marker"]["size"],
            {a["font"]["size"] for a in fig["layout"]["annotations"]},
        )

    # 1920×1080: unit 15.36 px → 17.664, 15.36, 16.896
    assert sizes(gdmap.sized(original, 15.36)) == (17.7, 15.4, 16.9, {15.4})
    assert sizes(gdmap.sized(original, 20.0)) == (23.0, 20.0, 22.0, {20.0})
    assert sizes(gdmap.sized(original, 31.32)) == (36.0, 31.3, 34.5, {31.3})  # 4K: 36.018
    assert gdmap.sized(original, 20.0)["layout"]["meta"]["unit"] == 20.0
    # the rest as it was (colours, geometry), and the figure it was made from untouched
    # (it is the process's cached map)
    assert gdmap.sized(original, 20.0)["data"][0] is original["data"][0]
    assert repr(original) == before
    assert sizes(original) == (17, 15, 17, {15})


def test_the_unit_a_browser_tells_is_taken_only_as_a_screens_px():
    from flask import Flask

    from wall.web.frame import screen_unit

    app = Flask(__name__)
    assert screen_unit() is None  # no request: no browser to ask
    for cookie, unit in [
        (None, None),
        ("15.36", 15.36),
        ("15.3649", 15.36),
        ("31.32", 31.32),
        ("", None),
        ("abc", None),
        ("nan", None),
        ("inf", None),
        ("-15", None),
        ("0", None),
        ("3.9", None),
        ("401", None),
        ("1e3", None),
    ]:
        headers = {"Cookie": f"gdwall_unit={cookie}"} if cookie is not None else {}
        with app.test_request_context("/_dash-layout", headers=headers):
            assert screen_unit() == unit, cookie
