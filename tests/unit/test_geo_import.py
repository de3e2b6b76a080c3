"""`gdwall geo import`: a province's standard map as its surveying department supplies it —
here a Shapefile the test writes with geopandas, in a projected CRS (CGCS2000 / 3° Gauss-
Krüger, EPSG:4547), cities split into parts, codes and full names as attributes, 东沙群岛 as a
small island of 汕尾 — becomes the wall's map, with its 审图号 beside it."""

import json
import re

import geopandas
import pytest
from shapely.geometry import Polygon, shape
from typer.testing import CliRunner

from geo.cities import CITIES
from geo.geometry import DEFAULT_GEOJSON, load_geojson
from wall.cli import app

APPROVAL = "粤S(2023)001号"
DONGSHA = Polygon([(116.70, 20.68), (116.74, 20.68), (116.74, 20.72), (116.70, 20.72)])


def standard_map(tmp_path, drop: str | None = None, prj: bool = True):
    rows = []
    for f in load_geojson(DEFAULT_GEOJSON)["features"]:
        code = int(f["properties"]["adcode"])
        name = next(c.full_name for c in CITIES if c.adcode == code)
        if name == drop:
            continue
        geom = shape(f["geometry"])
        parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        for part in parts:  # one row per part, as county-level files come
            rows.append({"市代码": code, "NAME": name, "geometry": part})
        if code == 441500:
            rows.append({"市代码": code, "NAME": name, "geometry": DONGSHA})
    frame = geopandas.GeoDataFrame(rows, crs="EPSG:4326").to_crs("EPSG:4547")
    path = tmp_path / "guangdong.shp"
    frame.to_file(path)
    if not prj:
        (tmp_path / "guangdong.prj").unlink()
    return path


@pytest.fixture(autouse=True)
def packaged_map_after():
    """The map is the process's (geometry.use): give the next test the packaged one back."""
    from geo import geometry

    yield
    geometry.use(None)


def run(*args):
    return CliRunner().invoke(app, ["geo", "import", *map(str, args)])


def test_a_shapefile_becomes_the_walls_map_with_its_approval_number(tmp_path):
    source = standard_map(tmp_path)
    data = tmp_path / "data"
    result = run(source, "--approval", APPROVAL, "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "21 cities" in result.output and "东沙群岛 kept" in result.output
    written = data / "guangdong-cities.geojson"
    doc = json.loads(written.read_text(encoding="utf-8"))
    assert doc["approval"] == APPROVAL and len(doc["features"]) == 21
    assert written.stat().st_size <= 300_000
    packaged = {
        f["properties"]["adcode"]: shape(f["geometry"])
        for f in load_geojson(DEFAULT_GEOJSON)["features"]
    }
    for f in doc["features"]:  # back in lon/lat, where the city was (from EPSG:4547 metres)
        got = shape(f["geometry"])
        want = packaged[f["properties"]["adcode"]]
        assert got.centroid.distance(want.centroid) < 0.02, f["properties"]
        assert f["properties"]["name"] in {c.name for c in CITIES}
    shanwei = next(
        shape(f["geometry"]) for f in doc["features"] if f["properties"]["adcode"] == "441500"
    )
    # the island survived simplification, and is drawn in its own box (the map's inset), not
    # as a speck in the sea of the mainland map
    (inset,) = doc["insets"]
    assert inset["properties"] == {"adcode": "441500", "name": "东沙群岛"}
    assert shape(inset["geometry"]).intersects(DONGSHA) and not shanwei.intersects(DONGSHA)
    # the wall draws it from the data folder, its 审图号 beside the map
    from wall.core.settings import from_env
    from wall.web.app import create_app

    client = create_app(from_env(data_dir=data, demo=True)).server.test_client()
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/?screen=overview"})
    assert f"审图号：{APPROVAL}" in layout.get_data(as_text=True)
    assert load_geojson()["approval"] == APPROVAL  # and so do the bulletins (the active map)
    # the boundaries travel apart from the page, by a name that changes with the file: kept
    # by the browser for good (whoever is signed in), never stale after an import
    page = json.dumps(json.loads(layout.get_data()), ensure_ascii=False)
    url = re.search(r"/geo/cities-[0-9a-f]{16}\.geojson", page)[0]
    got = client.get(url)
    assert got.status_code == 200 and json.loads(got.data) == doc
    assert "immutable" in got.headers["Cache-Control"]
    assert "cookie" not in got.headers.get("Vary", "").lower()
    assert client.get("/geo/cities-0123456789abcdef.geojson").status_code == 404


@pytest.mark.parametrize(
    ("case", "message"),
    [("missing", "missing 1 of the 21 cities: 梅州"), ("no-prj", "no coordinate reference system"),
     ("approval", "is not of the form")],
)  # fmt: skip
def test_a_map_that_cannot_be_the_walls_is_refused_in_words(tmp_path, case, message):
    source = standard_map(
        tmp_path, drop="梅州市" if case == "missing" else None, prj=case != "no-prj"
    )
    approval = "审图号待定" if case == "approval" else APPROVAL
    result = run(source, "--approval", approval, "--data-dir", tmp_path / "data")
    assert result.exit_code == 1 and message in result.output, result.output
    assert (
        "Traceback" not in result.output
        and not (tmp_path / "data" / "guangdong-cities.geojson").exists()
    )
