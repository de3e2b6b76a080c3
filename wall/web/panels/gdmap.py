"""The "全省一片云" map: Guangdong's 21 cities coloured by the plan's question (the judge's
verdict on each node: late, live in its first year, one-year targets met or missed) or by
their node's health, as the screen's layout chooses; the provincial data centres marked, a
link from every node to the provincial platform coloured by its extranet link's state (up,
degraded, down, as the probes say) or, where no probe says, by whether its data is flowing.
Plotly Choropleth (SVG) over the committed GeoJSON; the geometry goes to the browser once,
refreshes patch only colours and texts.

Fills are dark enough that every label colour keeps WCAG AA contrast (4.5:1) on every fill,
and text and marker sizes are given as multiples of the screen's unit (trace `meta`), which
the browser applies (assets/wall.js, scaleMap): the map reads from the back of the room at
any resolution, as the rest of the wall does."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from dash import Patch

from geo.geometry import centroids, inset_bounds, insets, load_geojson, polygons_of
from wall.core.layouts import Level
from wall.read.mapview import CATEGORY_LABELS, HEALTH_LABEL, PLAN_LABELS, CityView, city_views
from wall.web.panels.registry import panel
from wall.web.widgets import FONT

__all__ = ["HEALTH_LABEL", "CityView", "city_views"]  # the map's data, as the panel draws it

# category → (label shown, colour); the order is the colour scale's. Health: …
CATEGORIES = list(
    zip(
        CATEGORY_LABELS,
        ["#2e3d52", "#5c4a12", "#17683b", "#7a5200", "#a3202f", "#4a5261"],
        strict=True,
    )
)
# … and the plan: grey-blue not due, olive building, red late, blue in its first year, brown
# one-year targets missed, green met, grey undecidable, violet a PRD cloud docked
PLAN_CATEGORIES = list(
    zip(
        PLAN_LABELS,
        ["#2e3d52", "#5c4a12", "#a3202f", "#1c4f86", "#7a3b0c", "#17683b", "#4a5261", "#553a85"],
        strict=True,
    )
)
COLOURS = ("plan", "health")
GUANGZHOU = 440100
CENTRES_LAT = 21.75  # the sea south of Zhuhai and Zhongshan
# light label colours, each ≥ 4.5:1 on every fill above (tests/browser measure it rendered)
LABEL_COLOR = {Level.bad: "#ffc9c9", Level.warn: "#ffe08a", Level.careful: "#bfe3ff"}  # else white
# sizes in multiples of the screen's unit (CSS --unit: 1.42 % of a 16:9 screen's height)
SCALE = {"names": 1.15, "centres": 1.0, "centre_marker": 1.1, "approval": 1.0}
INSET_DOMAIN = {"x": [0.80, 0.99], "y": [0.02, 0.22]}  # 东沙群岛's box, in the sea south-east


def label_color(view: CityView, colour: str = "health") -> str:
    """A city label's colour: its level's, white when nothing needs saying."""
    level = view.plan_level if colour == "plan" else view.level
    return LABEL_COLOR.get(level, "#ffffff")


def _categories(colour: str) -> list[tuple[str, str]]:
    return PLAN_CATEGORIES if colour == "plan" else CATEGORIES


def _z(views: list[CityView], colour: str) -> list[int]:
    return [v.plan_category if colour == "plan" else v.category for v in views]


def _labels(views: list[CityView], colour: str) -> list[str]:
    return [v.plan_label if colour == "plan" else v.label for v in views]


def _colorscale(colour: str) -> list:
    categories = _categories(colour)
    n = len(categories)
    scale = []
    for i, (_, color) in enumerate(categories):
        scale += [[i / n, color], [(i + 1) / n, color]]
    return scale


def figure(views: list[CityView], geometry_path=None, colour: str = "plan") -> go.Figure:
    """The whole map, coloured by the plan or by health; built once per page, then patched
    by `patch`."""
    geojson = load_geojson(str(geometry_path)) if geometry_path else load_geojson()
    points = centroids(str(geometry_path)) if geometry_path else centroids()
    n = len(_categories(colour))
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            featureidkey="properties.adcode",
            locations=[str(v.adcode) for v in views],
            z=_z(views, colour),
            zmin=0,
            zmax=n,
            colorscale=_colorscale(colour),
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
                line={"width": _link_width(v), "color": _link_color(v)},
                name=f"link-{v.adcode}",
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scattergeo(
            lon=[points[v.adcode][0] for v in views],
            lat=[points[v.adcode][1] for v in views],
            text=_labels(views, colour),
            mode="text",
            hoverinfo="skip",
            showlegend=False,
            textfont={"color": [label_color(v, colour) for v in views], "size": 17},
            name="names",
            meta={"text": SCALE["names"]},
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
                "size": 17,
                "color": "#3ba0ff",
                "line": {"color": "#fff", "width": 1.5},
            },
            textfont={"color": "#bfe3ff", "size": 15},
            hovertemplate="省级政务云 · %{text}数据中心<extra></extra>",
            name="datacentres",
            showlegend=False,
            meta={"text": SCALE["centres"], "marker": SCALE["centre_marker"]},
        )
    )
    lon, lat = _bounds(geojson)
    fig.update_layout(geo={  # the frame given, not fitted in the browser to every boundary point
        "domain": {"x": [0, 1], "y": [0, 1]},
        "lonaxis_range": lon, "lataxis_range": lat, "visible": False, "projection_type": "mercator",
        "bgcolor": "rgba(0,0,0,0)",
    })  # fmt: skip
    _inset(fig, views, geometry_path, colour)
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
    if number := geojson.get("approval"):  # the province's standard map: its 审图号 beside it
        fig.add_annotation(text=f"审图号：{number}", x=0, y=0, xref="paper", yref="paper",
                           xanchor="left", yanchor="bottom", showarrow=False,
                           font={"size": 15, "color": "#8aa4c2"}, name="approval")  # fmt: skip
    fig.update_layout(meta={"annotation_text": SCALE["approval"], "colour": colour})
    return fig


def _inset(fig: go.Figure, views: list[CityView], geometry_path, colour: str) -> None:
    """东沙群岛 in a box of its own (as provincial maps draw it), coloured as its city: a
    second geo subplot over the sea in the map's lower right, framed and named. The trace is
    there even for a map without insets, so that the traces' order never changes."""
    features = insets(str(geometry_path)) if geometry_path else insets()
    z = dict(zip((v.adcode for v in views), _z(views, colour), strict=True))
    names = {v.adcode: v.name for v in views}
    codes = [f["properties"]["adcode"] for f in features]
    fig.add_trace(
        go.Choropleth(
            geo="geo2", geojson={"type": "FeatureCollection", "features": features},
            featureidkey="properties.adcode", locations=codes, z=[z.get(int(c), 0) for c in codes],
            zmin=0, zmax=len(_categories(colour)), colorscale=_colorscale(colour), showscale=False,
            marker={"line": {"color": "#9fc3ff", "width": 0.8}},
            text=[f"东沙群岛（{names.get(int(c), '')}）" for c in codes],
            hovertemplate="%{text}<extra></extra>", name="inset",
        )
    )  # fmt: skip
    if not features:
        return
    lon, lat = inset_bounds(features[0])
    x, y = INSET_DOMAIN["x"], INSET_DOMAIN["y"]
    fig.update_layout(
        geo2={"domain": INSET_DOMAIN, "lonaxis_range": lon, "lataxis_range": lat, "visible": False,
              "projection_type": "mercator", "bgcolor": "rgba(0,0,0,0)"},
        shapes=[{"type": "rect", "xref": "paper", "yref": "paper", "x0": x[0], "x1": x[1],
                 "y0": y[0], "y1": y[1], "line": {"color": "#5b7fa8", "width": 1}}],
    )  # fmt: skip
    fig.add_annotation(text=features[0]["properties"]["name"], x=x[0], y=y[1], xref="paper",
                       yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       font={"size": 15, "color": "#bfe3ff"}, name="inset-name")  # fmt: skip


def _bounds(geojson: dict, margin: float = 0.05) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges of every boundary point, with a small margin."""
    xs, ys = [], []
    for feature in geojson["features"]:
        geom = feature["geometry"]
        polygons = polygons_of(geom)
        for ring in (ring for poly in polygons for ring in poly):
            xs += [pt[0] for pt in ring]
            ys += [pt[1] for pt in ring]
    return [min(xs) - margin, max(xs) + margin], [min(ys) - margin, max(ys) + margin]


# the extranet link's state → its line's colour: green up, amber degraded (loss or latency
# past the thresholds), red down; where no probe says, whether the node's data flows
LINK_COLOURS = {"up": "rgba(46, 204, 113, 0.85)", "degraded": "rgba(255, 190, 60, 0.95)",
                "down": "rgba(255, 77, 79, 0.95)"}  # fmt: skip
LINK_KEY = (("链路正常", "up"), ("链路质量下降", "degraded"), ("链路中断", "down"))


def _link_width(v: CityView) -> float:
    """A line as wide as the link is busy, where its router says (1.4 px idle to 5 px full)."""
    if v.link_util is None:
        return 1.6
    return round(1.4 + 3.6 * min(max(v.link_util, 0.0), 1.0), 1)


def _link_color(v: CityView) -> str:
    if v.link in LINK_COLOURS:
        return LINK_COLOURS[v.link]
    return "rgba(46, 204, 113, 0.85)" if v.flowing else "rgba(123, 132, 148, 0.35)"


def updates(views: list[CityView], colour: str = "plan") -> list[tuple[tuple, object]]:
    """What changes between refreshes, as (path in the figure, value): colours, hover texts,
    link colours, the labels with utilization. Never the geometry."""
    out: list[tuple[tuple, object]] = [
        (("data", 0, "z"), _z(views, colour)),
        (("data", 0, "text"), [v.hover for v in views]),
        (("data", 0, "customdata"), [v.node_id or "" for v in views]),
    ]
    i = 1
    for v in views:
        if v.adcode == GUANGZHOU:
            continue
        out.append((("data", i, "line", "color"), _link_color(v)))
        out.append((("data", i, "line", "width"), _link_width(v)))
        i += 1
    out.append((("data", i, "text"), _labels(views, colour)))  # the names with utilization
    out.append((("data", i, "textfont", "color"), [label_color(v, colour) for v in views]))
    # after the names: the two centres' links, the centres, then the inset (东沙群岛) coloured
    # as its city (the map drawn is the process's: geometry.use)
    z = dict(zip((v.adcode for v in views), _z(views, colour), strict=True))
    codes = [int(f["properties"]["adcode"]) for f in insets()]
    out.append((("data", i + 4, "z"), [z.get(c, 0) for c in codes]))
    return out


def patch(views: list[CityView], colour: str = "plan") -> Patch:
    """The refresh sent to a browser that already has the figure."""
    p = Patch()
    for path, value in updates(views, colour):
        target = p
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return p


def with_views(figure: dict, views: list[CityView], colour: str = "plan") -> dict:
    """A copy of a figure dict showing these views (copying only what changes: the geometry
    is shared with the original)."""
    fig = {**figure, "data": [dict(trace) for trace in figure["data"]]}
    for path, value in updates(views, colour):
        target = fig["data"][path[1]]
        for key in path[2:-1]:
            target[key] = dict(target[key])
            target = target[key]
        target[path[-1]] = value
    return fig


def unit_px(unit: float, k: float) -> float:
    """k units in px to a tenth, rounded half up as assets/wall.js rounds (Math.round)."""
    return math.floor(unit * k * 10 + 0.5) / 10


def sized(figure: dict, unit: float) -> dict:
    """A copy of a figure dict with its texts and markers sized for a screen whose unit is
    `unit` px (the traces' and the layout's `meta`), and that unit in layout.meta.unit: the
    browser that told it (the cookie its wall.js writes) draws the map once, at its size,
    and rescales it (scaleMap) only when its unit is another."""
    data = []
    for trace in figure["data"]:
        meta = trace.get("meta") or {}
        if not isinstance(meta, dict) or not ("text" in meta or "marker" in meta):
            data.append(trace)
            continue
        trace = dict(trace)
        if "text" in meta:
            trace["textfont"] = {**trace.get("textfont", {}), "size": unit_px(unit, meta["text"])}
        if "marker" in meta:
            trace["marker"] = {**trace.get("marker", {}), "size": unit_px(unit, meta["marker"])}
        data.append(trace)
    layout = dict(figure["layout"])
    meta = {**layout.get("meta", {}), "unit": unit}
    if (k := meta.get("annotation_text")) and layout.get("annotations"):
        layout["annotations"] = [
            {**a, "font": {**a.get("font", {}), "size": unit_px(unit, k)}}
            for a in layout["annotations"]
        ]
    layout["meta"] = meta
    return {**figure, "data": data, "layout": layout}


def legend(colour: str = "plan", floor: float | None = None) -> list:
    """The colour key in words (state never by colour alone), and on the plan's map what the
    marks in the labels mean."""
    from dash import html

    items = [
        html.Span(
            [html.Span(className="swatch", style={"background": color}), label],
            className="legend-item",
        )
        for label, color in _categories(colour)
    ]
    if colour == "plan":
        below = f"▼ 使用率低于规划下限{floor:.0%}" if floor is not None else "▼ 使用率低于规划下限"
        marks = [below, "▲ 资源紧张", "✖ 中断 · ⚠ 数据中断"]
        items += [html.Span(m, className="legend-item legend-mark") for m in marks]
    items += [  # the lines to the province: the extranet links' state, in words
        html.Span([html.Span(className="swatch swatch-line", style={"background": LINK_COLOURS[k]}),
                   label], className="legend-item legend-link")
        for label, k in LINK_KEY
    ]  # fmt: skip
    return items


@panel("map")
def map_panel(spec, state, layouts) -> None:
    """The map is drawn once with the page and patched on refresh (see patch), not redrawn."""
    return None
