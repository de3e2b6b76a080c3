"""The plotly.js the wall vendors (scripts/fetch_plotly_bundle.sh), in Chromium by itself."""

from __future__ import annotations

import json

from tests.conftest import ROOT

ASSETS = ROOT / "wall/web/assets"
HOST = "http://bundle.test"

# every String.prototype.normalize call from here on: the bundle's loading, then drawing
COUNT = """() => {
  window.normalized = 0;
  const normalize = String.prototype.normalize;
  String.prototype.normalize = function (...how) { window.normalized++; return normalize.apply(this, how); };
}"""

# a choropleth as the wall draws its cities (its own boundaries, looked up by id), then a map
# that names its places by country name
DRAW = f"""async (name) => {{
  const logs = [];
  console.log = console.trace = (...words) => logs.push(words.join(' '));
  Plotly.setPlotConfig({{logging: 2, topojsonURL: '{HOST}/topojson/'}});
  const city = {{type: 'Feature', id: 'a', properties: {{}},
                geometry: {{type: 'Polygon', coordinates: [[[113, 22], [114, 22], [114, 23], [113, 22]]]}}}};
  await Plotly.newPlot('map', [{{type: 'choropleth', locationmode: 'geojson-id', locations: ['a'], z: [1],
                                geojson: {{type: 'FeatureCollection', features: [city]}}}}],
                       {{geo: {{fitbounds: 'locations', visible: false}}}});
  const drawing = window.normalized;
  await Plotly.newPlot('names', [{{type: 'scattergeo', locationmode: 'country names', locations: [name]}}]);
  return {{drawing, paths: document.querySelectorAll('#map path.choroplethlocation').length, logs}};
}}"""


def test_a_map_of_its_own_boundaries_indexes_no_country_names(browser):
    """plotly.js 4 indexed thousands of countries' names and aliases (each Unicode-normalized)
    as a page loaded it, ~100 ms of the wall's opening, for maps like the wall's that look
    nothing up by name; the vendored bundle indexes them on the first name looked up. A map
    drawn by country names still finds them."""
    page = browser.new_page()
    try:

        def topojson(route):
            body = (ASSETS / "topojson" / route.request.url.rsplit("/", 1)[1]).read_text()
            route.fulfill(body=body, content_type="application/json")

        page.route(f"{HOST}/topojson/*", topojson)
        page.set_content(
            "<div id='map' style='width:400px;height:300px'></div><div id='names'></div>"
        )
        page.evaluate(COUNT)
        page.add_script_tag(path=str(ASSETS / "plotly-geo.min.js"))
        got = page.evaluate(DRAW, "Republic of Zimbabwe")
        assert got["paths"] == 1, got
        assert got["drawing"] == 0, (
            f"loading plotly and drawing a map normalized {got['drawing']} texts"
        )
        # the name was found (ZWE); only the stub world has no shape for it
        said = json.dumps(got["logs"])
        assert "ZWE does not have a matching topojson feature" in said, said
        assert "Unrecognized country name" not in said, said
    finally:
        page.close()
