"""A bare Dash page with the wall's map and nothing else, served like the wall (gunicorn, the
same vendored plotly bundle, the same city boundaries): what a reload of any Dash map page
costs on this machine at this moment, the yardstick of the wall's own reload
(`python -m benchmarks.wall_bench --sections browser`).

    gunicorn -w 2 'benchmarks.bare_map:server'
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import dash
import plotly.graph_objects as go
from dash import dcc, html

from geo import geometry
from geo.cities import CITIES
from wall.web.app import ASSETS_DIR

DRAWN = "() => document.querySelectorAll('path.choroplethlocation').length >= 21"


def create() -> dash.Dash:
    # of the wall's assets only the plotly bundle and the empty base-map outlines any map
    # needs offline (else plotly asks its CDN for them): none of its scripts, styles or fonts
    assets = Path(tempfile.mkdtemp(prefix="bare-map-"))
    for name in ("plotly-geo.min.js", "geo-assets.js"):
        shutil.copy(ASSETS_DIR / name, assets)
    app = dash.Dash(__name__, assets_folder=str(assets), serve_locally=True, compress=True)
    path = geometry.DEFAULT_GEOJSON
    app.server.add_url_rule(
        "/geo/cities.geojson",
        "geometry",
        lambda: (path.read_bytes(), {"Content-Type": "application/json"}),
    )
    figure = go.Figure(
        go.Choropleth(
            geojson="/geo/cities.geojson",
            featureidkey="properties.adcode",
            locations=[c.adcode for c in CITIES],
            z=list(range(len(CITIES))),
            text=[c.name for c in CITIES],
            showscale=False,
        )
    )
    figure.update_geos(fitbounds="locations", visible=False)
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=900)
    app.layout = html.Div([dcc.Graph(figure=figure, config={"displayModeBar": False})])
    return app


server = create().server
