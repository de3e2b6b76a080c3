"""The committed city boundaries, read as plain JSON (no GIS library at run time), with
centroids for labels and links. The file is configurable, so a province can use its official
standard map (审图号) instead of the packaged one."""

from __future__ import annotations

import itertools
import json
from functools import lru_cache
from pathlib import Path

DEFAULT_GEOJSON = Path(__file__).with_name("guangdong-cities.geojson")


@lru_cache(maxsize=4)
def load_geojson(path: str | Path = DEFAULT_GEOJSON) -> dict:
    """The FeatureCollection of the 21 cities (properties: adcode as text, name)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(area, x, y) of a ring by the shoelace formula (planar; fine at city scale)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(a / 2), cx / (3 * a), cy / (3 * a)


@lru_cache(maxsize=4)
def centroids(path: str | Path = DEFAULT_GEOJSON) -> dict[int, tuple[float, float]]:
    """Label point (lon, lat) per adcode: the centroid of the city's largest polygon."""
    out = {}
    for feature in load_geojson(path)["features"]:
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        best = max((_ring_centroid(poly[0]) for poly in polygons), key=lambda c: c[0])
        out[int(feature["properties"]["adcode"])] = (round(best[1], 4), round(best[2], 4))
    return out
