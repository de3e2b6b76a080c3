"""The committed city boundaries, read as plain JSON (no GIS library at run time), with
centroids for labels and links. The file is configurable, so a province can use its official
standard map (审图号) instead of the packaged one."""

from __future__ import annotations

import hashlib
import itertools
import json
from functools import lru_cache
from pathlib import Path

DEFAULT_GEOJSON = Path(__file__).with_name("guangdong-cities.geojson")
_active: Path = DEFAULT_GEOJSON  # the map this process draws (use() sets it from the settings)


def use(path: str | Path | None) -> None:
    """Draw this map everywhere in the process (the wall and the bulletins): the province's
    imported standard map, or the packaged one when None."""
    global _active
    _active = Path(path) if path else DEFAULT_GEOJSON


def active() -> Path:
    return _active


def load_geojson(path: str | Path | None = None) -> dict:
    """The FeatureCollection of the 21 cities (properties: adcode as text, name; at the top,
    `approval`: the map's 审图号 when it is the province's own, and `insets`: the parts drawn
    in a box of their own, 东沙群岛)."""
    return _load(str(path or _active))


def polygons_of(geometry: dict) -> list:
    """The polygons of a GeoJSON Polygon or MultiPolygon (each a list of rings)."""
    coords = geometry["coordinates"]
    return coords if geometry["type"] == "MultiPolygon" else [coords]


# the lon/lat box of 东沙群岛 (汕尾市), which provincial maps draw in an inset box
DONGSHA = (116.5, 20.5, 117.0, 21.0)


def insets(path: str | Path | None = None) -> list[dict]:
    """The map's inset features (properties: adcode of the city they belong to, name): what
    the wall and the bulletins draw in a box of its own beside the mainland."""
    return list(load_geojson(path).get("insets", []))


def inset_bounds(feature: dict, margin: float = 0.03) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges of an inset feature, with a margin."""
    geom = feature["geometry"]
    polygons = polygons_of(geom)
    xs = [pt[0] for poly in polygons for ring in poly for pt in ring]
    ys = [pt[1] for poly in polygons for ring in poly for pt in ring]
    return [min(xs) - margin, max(xs) + margin], [min(ys) - margin, max(ys) + margin]


def digest(path: str | Path | None = None) -> str:
    """A short hash of the map file's bytes: names it in URLs a browser may keep for good."""
    target = Path(path or _active)
    return _digest(str(target), target.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _digest(path: str, _mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def approval(path: str | Path | None = None) -> str | None:
    """The 审图号 of the map drawn, to be shown beside it; None for the packaged map."""
    return load_geojson(path).get("approval")


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


def centroids(path: str | Path | None = None) -> dict[int, tuple[float, float]]:
    """Label point (lon, lat) per adcode: the centroid of the city's largest polygon."""
    return _centroids(str(path or _active))


@lru_cache(maxsize=4)
def _centroids(path: str) -> dict[int, tuple[float, float]]:
    out = {}
    for feature in load_geojson(path)["features"]:
        geom = feature["geometry"]
        polygons = polygons_of(geom)
        best = max((_ring_centroid(poly[0]) for poly in polygons), key=lambda c: c[0])
        out[int(feature["properties"]["adcode"])] = (round(best[1], 4), round(best[2], 4))
    return out
