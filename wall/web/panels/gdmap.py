"""The "全省一片云" map: Guangdong's 21 cities coloured by their node's state and health, the
provincial data centres marked, a link from every node to the provincial platform coloured
by whether its data is flowing. Plotly Choropleth (SVG) over the committed GeoJSON; the
geometry goes to the browser once, refreshes patch only colours and texts."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Patch

from geo.geometry import centroids, load_geojson
from wall.core.layouts import Level
from wall.read.mapview import CATEGORY_LABELS, HEALTH_LABEL, CityView, city_views
from wall.web.panels.registry import panel
from wall.web.widgets import FONT

__all__ = ["HEALTH_LABEL", "CityView", "city_views"]  # the map's data, as the panel draws it

# category → (label shown, colour); the order is the colour scale's
CATEGORIES = list(
    zip(
        CATEGORY_LABELS,
        ["#34465e", "#8a6d1f", "#1f9d55", "#f5b942", "#ff4d4f", "#7b8494"],
        strict=True,
    )
)
GUANGZHOU = 440100
CENTRES_LAT = 21.75  # the sea south of Zhuhai and Zhongshan
LABEL_COLOR = {Level.bad: "#ff6b6b", Level.warn: "#ffc53d", Level.careful: "#8fd0ff"}  # else white


def label_color(view: CityView) -> str:
    """A city label's colour: its level's, white when nothing needs saying."""
    return LABEL_COLOR.get(view.level, "#ffffff")


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
            textfont={"color": [label_color(v) for v in views], "size": 15},
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
    if number := geojson.get("approval"):  # the province's standard map: its 审图号 beside it
        fig.add_annotation(text=f"审图号：{number}", x=0, y=0, xref="paper", yref="paper",
                           xanchor="left", yanchor="bottom", showarrow=False,
                           font={"size": 12, "color": "#8aa4c2"}, name="approval")  # fmt: skip
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
    out.append((("data", i, "textfont", "color"), [label_color(v) for v in views]))
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


@panel("map")
def map_panel(spec, state, layouts) -> None:
    """The map is drawn once with the page and patched on refresh (see patch), not redrawn."""
    return None
