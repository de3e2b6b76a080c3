"""Static pictures for the Word and PDF bulletins (matplotlib, no network, the app's own CJK
font): the 21 cities coloured by score, and the scores with migration and utilization."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.collections import PatchCollection
from matplotlib.patches import Polygon

from geo.cities import CITIES
from geo.geometry import centroids, inset_bounds, insets, load_geojson, polygons_of

FONT = Path(__file__).with_name("vendor") / "wall-sans-regular.ttf"


def _font(size: float) -> font_manager.FontProperties:
    return font_manager.FontProperties(fname=str(FONT), size=size)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def score_map(b) -> bytes:
    """The province's 21 cities, each city node coloured by its score (PRD cities grey)."""
    scores = {c.node.adcode: c.score for c in b.cities}
    cmap = plt.get_cmap("RdYlGn")
    fig, ax = plt.subplots(figsize=(7, 5))
    patches, colors = [], []
    for feature in load_geojson()["features"]:
        adcode = int(feature["properties"]["adcode"])
        geom = feature["geometry"]
        polygons = polygons_of(geom)
        score = scores.get(adcode)
        color = cmap(score / 100) if score is not None else (0.85, 0.86, 0.88, 1)
        for poly in polygons:
            patches.append(Polygon(poly[0], closed=True))
            colors.append(color)
    ax.add_collection(PatchCollection(patches, facecolor=colors, edgecolor="white", linewidth=0.6))
    points = centroids()
    for city in CITIES:
        lon, lat = points[city.adcode]
        score = scores.get(city.adcode)
        label = city.name + (f"\n{score:.0f}" if score is not None else "")
        ax.text(lon, lat, label, ha="center", va="center", fontproperties=_font(7))
    ax.autoscale_view()
    ax.set_aspect(1.08)
    ax.axis("off")
    ax.set_title("地市节点综合得分（灰色：珠三角自建云，不参与排名）", fontproperties=_font(10))
    for feature in insets():  # 东沙群岛, in a framed box of its own in the lower right
        adcode = int(feature["properties"]["adcode"])
        score = scores.get(adcode)
        color = cmap(score / 100) if score is not None else (0.85, 0.86, 0.88, 1)
        box = ax.inset_axes([0.80, 0.02, 0.19, 0.2])
        box.add_collection(PatchCollection(
            [Polygon(poly[0], closed=True) for poly in feature["geometry"]["coordinates"]],
            facecolor=color, edgecolor="#555555", linewidth=0.4))  # fmt: skip
        lon, lat = inset_bounds(feature)
        box.set_xlim(*lon)
        box.set_ylim(*lat)
        box.set_aspect(1.08)
        box.set_xticks([])
        box.set_yticks([])
        box.set_title(feature["properties"]["name"], fontproperties=_font(6), pad=2)
    return _png(fig)


def score_bars(b) -> bytes:
    """Each ranked city's score, and its migration rate and utilization against the targets."""
    ranked = [c for c in b.cities if c.rank is not None]
    names = [c.node.name.replace("政务云节点", "") for c in ranked]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True)
    top.bar(names, [c.score for c in ranked], color="#2f6fb0")
    top.set_ylabel("得分", fontproperties=_font(9))
    top.set_ylim(0, 100)
    x = range(len(ranked))
    bottom.bar([i - 0.2 for i in x], [(c.migration_rate or 0) * 100 for c in ranked], width=0.4,
               label="迁移率", color="#4e9a6f")  # fmt: skip
    bottom.bar([i + 0.2 for i in x], [(c.utilization or 0) * 100 for c in ranked], width=0.4,
               label="云资源整体使用率", color="#d08b2c")  # fmt: skip
    bottom.axhline(50, color="#4e9a6f", linestyle=":", linewidth=1)
    bottom.axhline(60, color="#d08b2c", linestyle=":", linewidth=1)
    bottom.set_ylabel("%", fontproperties=_font(9))
    bottom.legend(prop=_font(8))
    bottom.set_xticks(list(x))
    bottom.set_xticklabels(names, fontproperties=_font(8), rotation=0)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
