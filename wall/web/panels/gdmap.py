"""The "全省一片云" map: Guangdong's 21 cities coloured by their node's state and health, the
provincial data centres marked, a link from every node to the provincial platform coloured
by whether its data is flowing. Plotly Choropleth (SVG) over the committed GeoJSON; the
geometry goes to the browser once, refreshes patch only colours and texts."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
from dash import Patch

from geo.cities import CITIES
from geo.geometry import centroids, load_geojson
from wall.core.layouts import Level, Thresholds
from wall.core.plan.models import STATE_LABEL, NodeState, Plan, Tier
from wall.read.queries import NodeHealth

# category → (label shown, colour); the order is the colour scale's
CATEGORIES = [
    ("未建成/未对接", "#34465e"),
    ("建设中", "#8a6d1f"),
    ("正常", "#1f9d55"),
    ("降级", "#f5b942"),
    ("中断", "#ff4d4f"),
    ("数据中断", "#7b8494"),
]
HEALTH_LABEL = {
    "ok": "正常",
    "degraded": "降级",
    "down": "中断",
    "stale": "数据中断",
    "none": "无数据",
}
GUANGZHOU = 440100
CENTRES_LAT = 21.75  # the sea south of Zhuhai and Zhongshan
FONT = '"GD Wall Sans", "GD Wall Symbols", "Noto Sans CJK SC", sans-serif'
LABEL_COLOR = {Level.bad: "#ff6b6b", Level.warn: "#ffc53d", Level.careful: "#8fd0ff"}  # else white


@dataclass(frozen=True)
class CityView:
    adcode: int
    name: str
    node_id: str | None
    category: int
    hover: str
    flowing: bool  # fresh data from this node reaches the province
    label: str = ""  # on the map: the city's name and its node's utilization or trouble
    level: Level = Level.none  # of the utilization against its threshold

    @property
    def label_color(self) -> str:
        return LABEL_COLOR.get(self.level, "#ffffff")


def city_views(
    plan: Plan,
    states: dict[str, NodeState],
    health: dict[str, NodeHealth],
    now,
    replay: bool = False,
    thresholds: Thresholds | None = None,
) -> list[CityView]:
    """One view per city: the node the plan has there (city node or PRD cloud). In a replay of
    a past date, health is not known: live nodes are shown by their state alone. The label
    under each name gives the node's utilization (coloured by the `node_utilization`
    threshold) or, when there is none to show, what is wrong, in words."""
    judge = (
        thresholds["node_utilization"]
        if thresholds and "node_utilization" in thresholds.fields
        else None
    )
    by_adcode = {n.adcode: n for n in plan.nodes if n.tier in (Tier.city, Tier.prd)}
    out = []
    for city in CITIES:
        node = by_adcode.get(city.adcode)
        if node is None:
            out.append(
                CityView(city.adcode, city.name, None, 0, f"<b>{city.name}</b>", False, city.name)
            )
            continue
        state = states.get(node.id)
        h = health.get(node.id)
        live = state in (NodeState.online, NodeState.displayed, NodeState.interop)
        if not live:
            category = 1 if state == NodeState.building else 0
        elif replay:
            category = 2
        else:
            category = {"ok": 2, "degraded": 3, "down": 4}.get(h.health if h else "none", 5)
        lines = [f"<b>{city.name}</b> · {node.name}", f"状态：{STATE_LABEL.get(state, '—')}"]
        if h is not None:
            age = max((now - h.time).total_seconds(), 0)
            lines.append(f"健康：{HEALTH_LABEL[h.health]} · 数据 {_age(age)}前")
            if h.utilization is not None:
                lines.append(f"云资源整体使用率：{h.utilization:.0%}")
            if h.cpu_util is not None:
                lines.append(f"CPU 利用率：{h.cpu_util:.0%}")
        elif live and replay:
            lines.append("回放：按进度事件显示")
        elif live:
            lines.append("健康：无数据")
        if category == 5 and not replay:
            lines.append(
                f"数据中断 · 最后更新 {h.time.astimezone(_china()):%H:%M}" if h else "数据中断"
            )
        flowing = live and h is not None and h.health in ("ok", "degraded", "down")
        second, level = "", Level.none
        if category == 5 and not replay:
            second = "⚠数据中断" if h else "⚠无数据"
        elif category == 4:
            second = "✖中断"
        elif flowing and h.utilization is not None:
            level = judge.level(h.utilization) if judge else Level.none
            mark = {Level.bad: "✖", Level.warn: "▲", Level.careful: "●"}.get(level, "")
            second = f"{mark}{h.utilization:.0%}"
        label = f"{city.name}<br>{second}" if second else city.name
        out.append(
            CityView(city.adcode, city.name, node.id, category, "<br>".join(lines), flowing,
                     label, level)
        )  # fmt: skip
    return out


def _china():
    from wall.core.chinatime import CHINA

    return CHINA


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} 小时"
    return f"{seconds / 86400:.0f} 天"


def _colorscale() -> list:
    n = len(CATEGORIES)
    scale = []
    for i, (_, color) in enumerate(CATEGORIES):
        scale += [[i / n, color], [(i + 1) / n, color]]
    return scale


def figure(views: list[CityView], geometry_path=None) -> go.Figure:
    """The whole map; built once per page, then patched by `patch`."""
    geojson = load_geojson(str(geometry_path)) if geometry_path else load_geojson()
    points = centroids(str(geometry_path)) if geometry_path else centroids()
    n = len(CATEGORIES)
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            featureidkey="properties.adcode",
            locations=[str(v.adcode) for v in views],
            z=[v.category for v in views],
            zmin=0,
            zmax=n,
            colorscale=_colorscale(),
            showscale=False,
            marker={"line": {"color": "#9fc3ff", "width": 0.8}},
            text=[v.hover for v in views],
            customdata=[v.node_id or "" for v in views],
            hovertemplate="%{text}<extra></extra>",
            name="cities",
        )
    )
    hub = points[GUANGZHOU]
    for v in views:  # links to the provincial platform
        if v.adcode == GUANGZHOU:
            continue
        lon, lat = points[v.adcode]
        fig.add_trace(
            go.Scattergeo(
                lon=[lon, hub[0]],
                lat=[lat, hub[1]],
                mode="lines",
                hoverinfo="skip",
                line={"width": 1.6, "color": _link_color(v)},
                name=f"link-{v.adcode}",
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scattergeo(
            lon=[points[v.adcode][0] for v in views],
            lat=[points[v.adcode][1] for v in views],
            text=[v.label for v in views],
            mode="text",
            hoverinfo="skip",
            showlegend=False,
            textfont={"color": [v.label_color for v in views], "size": 15},
            name="names",
        )
    )
    # the two provincial centres, drawn off the coast south of the Pearl River Delta where no
    # city's label is, joined to the platform's hub by a dashed line
    centres = [(hub[0] - 0.3, CENTRES_LAT), (hub[0] + 0.3, CENTRES_LAT)]
    for lon, lat in centres:
        fig.add_trace(
            go.Scattergeo(
                lon=[lon, hub[0]], lat=[lat, hub[1]], mode="lines", hoverinfo="skip",
                line={"width": 1.2, "color": "rgba(59, 160, 255, 0.6)", "dash": "dot"},
                showlegend=False, name="centre-link",
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scattergeo(
            lon=[c[0] for c in centres],
            lat=[c[1] for c in centres],
            text=["名美", "东涌"],
            mode="markers+text",
            textposition="bottom center",
            marker={
                "symbol": "diamond",
                "size": 16,
                "color": "#3ba0ff",
                "line": {"color": "#fff", "width": 1.5},
            },
            textfont={"color": "#9fc3ff", "size": 13},
            hovertemplate="省级政务云 · %{text}数据中心<extra></extra>",
            name="datacentres",
            showlegend=False,
        )
    )
    lon, lat = _bounds(geojson)
    fig.update_geos(  # the frame given, not fitted in the browser to every boundary point
        lonaxis_range=lon, lataxis_range=lat, visible=False, projection_type="mercator",
        bgcolor="rgba(0,0,0,0)",
    )  # fmt: skip
    fig.update_layout(
        font={"family": FONT},  # the app's own web font, not whatever the screen's PC has
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hoverlabel={
            "bgcolor": "#0d1e33",
            "bordercolor": "#3ba0ff",
            "font": {"size": 15, "color": "#e6f0ff"},
        },
        dragmode=False,
    )
    return fig


def _bounds(geojson: dict, margin: float = 0.05) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges of every boundary point, with a small margin."""
    xs, ys = [], []
    for feature in geojson["features"]:
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for ring in (ring for poly in polygons for ring in poly):
            xs += [pt[0] for pt in ring]
            ys += [pt[1] for pt in ring]
    return [min(xs) - margin, max(xs) + margin], [min(ys) - margin, max(ys) + margin]


def _link_color(v: CityView) -> str:
    return "rgba(46, 204, 113, 0.85)" if v.flowing else "rgba(123, 132, 148, 0.35)"


def updates(views: list[CityView]) -> list[tuple[tuple, object]]:
    """What changes between refreshes, as (path in the figure, value): colours, hover texts,
    link colours, the labels with utilization. Never the geometry."""
    out: list[tuple[tuple, object]] = [
        (("data", 0, "z"), [v.category for v in views]),
        (("data", 0, "text"), [v.hover for v in views]),
        (("data", 0, "customdata"), [v.node_id or "" for v in views]),
    ]
    i = 1
    for v in views:
        if v.adcode == GUANGZHOU:
            continue
        out.append((("data", i, "line", "color"), _link_color(v)))
        i += 1
    out.append((("data", i, "text"), [v.label for v in views]))  # the names with utilization
    out.append((("data", i, "textfont", "color"), [v.label_color for v in views]))
    return out


def patch(views: list[CityView]) -> Patch:
    """The refresh sent to a browser that already has the figure."""
    p = Patch()
    for path, value in updates(views):
        target = p
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return p


def with_views(figure: dict, views: list[CityView]) -> dict:
    """A copy of a figure dict showing these views (copying only what changes: the geometry
    is shared with the original)."""
    fig = {**figure, "data": [dict(trace) for trace in figure["data"]]}
    for path, value in updates(views):
        target = fig["data"][path[1]]
        for key in path[2:-1]:
            target[key] = dict(target[key])
            target = target[key]
        target[path[-1]] = value
    return fig


def legend() -> list:
    """The colour key, as text and colour (state never by colour alone)."""
    from dash import html

    return [
        html.Span(
            [html.Span(className="swatch", style={"background": color}), label],
            className="legend-item",
        )
        for label, color in CATEGORIES
    ]
