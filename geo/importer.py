"""The province's own map: read the boundaries its surveying department supplies (Shapefile,
GeoJSON or GeoPackage, any CRS) with geopandas, reproject them to WGS 84, find the 21 cities
by code or by name, merge each city's parts, simplify to a size that keeps the first paint
fast (never dropping an island: 东沙群岛 stays), and write the GeoJSON the wall and the
bulletins draw, with the map's 审图号.

geopandas is an extra (`pip install gdwall[geo]`): the wall itself reads the result as plain
JSON and needs no GIS library at run time."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from geo.cities import CITIES
from geo.geometry import DONGSHA  # the lon/lat box of 东沙群岛

TARGET_BYTES = 300_000  # about the packaged map's size: the wall's first paint stays fast

_APPROVAL = re.compile(r"^[\u4e00-\u9fff]{1,2}S[（(]\d{4}[）)]\d+号$")


class GeometryError(ValueError):
    """The file cannot become the wall's map: the message says why."""


@dataclass
class ImportReport:
    path: Path
    approval: str
    crs: str
    bytes: int
    tolerance: float
    dongsha: bool
    notes: list[str] = field(default_factory=list)


def _city_column(frame) -> tuple[str, str]:
    """The column naming each row's city: ("code", column) when it holds GB/T 2260 codes
    (440100, or a county's 441402 by its first four digits), ("name", column) when it holds
    names (梅州 or 梅州市)."""
    codes = {str(c.adcode) for c in CITIES}
    names = {c.name for c in CITIES} | {c.full_name for c in CITIES}
    best = None
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        values = frame[column].astype(str).str.strip()
        by_code = values.str[:4].add("00").isin(codes).mean()
        by_name = values.isin(names).mean()
        for kind, share in (("code", by_code), ("name", by_name)):
            if share > 0.5 and (best is None or share > best[0]):
                best = (share, kind, column)
    if best is None:
        raise GeometryError("no column holds the cities' codes (440100…) or names (广州市…)")
    return best[1], best[2]


def import_geometry(source: str | Path, approval: str, out: str | Path,
                    target_bytes: int = TARGET_BYTES) -> ImportReport:  # fmt: skip
    """Read `source`, check and simplify it, write the wall's GeoJSON to `out`."""
    try:
        import geopandas
    except ImportError:
        raise GeometryError("geopandas is not installed: pip install 'gdwall[geo]'") from None
    if not _APPROVAL.match(approval.strip()):
        raise GeometryError(f"审图号 {approval!r} is not of the form 粤S(2023)001号")
    source = Path(source)
    if not source.exists():
        raise GeometryError(f"{source}: no such file")
    try:
        frame = geopandas.read_file(source)
    except Exception as exc:  # pyogrio's errors name the driver's problem
        raise GeometryError(
            f"{source}: not a readable Shapefile, GeoJSON or GeoPackage ({exc})"
        ) from None
    if frame.crs is None:
        raise GeometryError(
            f"{source}: no coordinate reference system (a Shapefile needs its .prj)"
        )
    crs = frame.crs.to_string()
    frame = frame.to_crs(4326)
    kind, column = _city_column(frame)
    by_name = {c.name: c for c in CITIES} | {c.full_name: c for c in CITIES}
    by_code = {str(c.adcode): c for c in CITIES}
    values = frame[column].astype(str).str.strip()
    frame["adcode"] = (values.str[:4] + "00" if kind == "code" else values.map(lambda v: str(by_name[v].adcode) if v in by_name else None))  # fmt: skip
    frame = frame[frame["adcode"].isin(by_code)]
    merged = frame[["adcode", frame.geometry.name]].dissolve(by="adcode")
    missing = [c.name for c in CITIES if str(c.adcode) not in merged.index]
    if missing:
        raise GeometryError(
            f"{source}: missing {len(missing)} of the 21 cities: {'、'.join(missing)}"
        )
    had_dongsha = merged.intersects(_box(*DONGSHA)).any()
    tolerance, text = 0.0, ""
    for tolerance in (0.0, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016):
        shapes = (
            merged.geometry.simplify(tolerance, preserve_topology=True)
            if tolerance
            else merged.geometry
        )
        text = _geojson(shapes, by_code, approval.strip(), source.name)
        if len(text.encode()) <= target_bytes:
            break
    written = json.loads(text)
    inset = written.get("insets", [])
    kept = (
        bool(inset) and geopandas.GeoDataFrame.from_features(inset).intersects(_box(*DONGSHA)).any()
    )
    if had_dongsha and not kept:  # cannot happen with preserve_topology; never ship it if it does
        raise GeometryError("simplifying lost 东沙群岛")
    report = ImportReport(
        Path(out), approval.strip(), crs, len(text.encode()), tolerance, bool(kept)
    )
    if not had_dongsha:
        report.notes.append(
            "the file has no 东沙群岛: a provincial map must show it; ask for the full standard map"
        )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text, encoding="utf-8")
    return report


def _box(x0: float, y0: float, x1: float, y1: float):
    from shapely.geometry import box

    return box(x0, y0, x1, y1)


def _geojson(shapes, by_code: dict, approval: str, source: str) -> str:
    from shapely.geometry import MultiPolygon, mapping

    def plain(shape) -> dict:
        return json.loads(json.dumps(mapping(shape)), parse_float=lambda s: round(float(s), 5))

    features, insets = [], []
    far = _box(*DONGSHA)
    for adcode, shape in shapes.items():
        parts = list(shape.geoms) if hasattr(shape, "geoms") else [shape]
        away = [p for p in parts if far.contains(p.centroid)]  # 东沙群岛: drawn in its own box
        if away and len(away) < len(parts):
            insets.append({"type": "Feature", "properties": {"adcode": adcode, "name": "东沙群岛"},
                           "geometry": plain(MultiPolygon(away))})  # fmt: skip
            shape = MultiPolygon([p for p in parts if p not in away])
        features.append({"type": "Feature", "properties": {"adcode": adcode, "name": by_code[adcode].name},
                         "geometry": plain(shape)})  # fmt: skip
    features.sort(key=lambda f: f["properties"]["adcode"])
    return json.dumps({"type": "FeatureCollection", "approval": approval, "source": source,
                       "features": features, "insets": insets}, ensure_ascii=False, separators=(",", ":"))  # fmt: skip
