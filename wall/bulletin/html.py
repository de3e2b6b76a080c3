"""The bulletin as one self-contained HTML file with interactive ECharts charts (pyecharts):
the 21 cities coloured by score, the ranking, migration and utilization against the targets.
ECharts and the geometry are embedded, never fetched: the file opens with no internet."""

from __future__ import annotations

import html
import json
from pathlib import Path

from pyecharts import options as opts
from pyecharts.charts import Bar, Map

from geo.cities import CITIES
from geo.geometry import load_geojson, polygons_of
from wall.bulletin.tables import DEPARTMENT_HEAD, MILESTONE_HEAD, PRD_HEAD, PROVINCE_HEAD

ECHARTS = Path(__file__).with_name("vendor") / "echarts.min.js"
MAP_NAME = "gdwall-cities"  # not one of pyecharts' own names, which would link its CDN file


def _with_islands(geojson: dict) -> dict:
    """The cities for the interactive map, each named, 东沙群岛 drawn with 汕尾 where it lies
    (the reader zooms; the printed bulletins draw it in an inset box)."""
    by_code = {str(c.adcode): c.name for c in CITIES}
    extra: dict[str, list] = {}
    for inset in geojson.get("insets", []):
        geom = inset["geometry"]
        polygons = polygons_of(geom)
        extra.setdefault(str(inset["properties"]["adcode"]), []).extend(polygons)
    features = []
    for f in geojson["features"]:
        code = str(f["properties"]["adcode"])
        geom = f["geometry"]
        polygons = polygons_of(geom)
        features.append({"type": "Feature",
                         "properties": {**f["properties"], "name": f["properties"].get("name") or by_code[code]},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons + extra.get(code, [])}})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def _charts(b) -> list:
    plan_city = {c.node.adcode: c for c in b.cities}
    data = []
    for city in CITIES:
        score = plan_city.get(city.adcode)
        if score is not None and score.score is not None:
            data.append((city.name, score.score))
    geojson = _with_islands(load_geojson())
    scoremap = (
        Map(init_opts=opts.InitOpts(width="100%", height="560px", chart_id="score-map"))
        .add_geo_json(geojson)
        .add("综合得分", data, maptype=MAP_NAME, is_map_symbol_show=False)
        .set_global_opts(
            title_opts=opts.TitleOpts(title="地市节点综合得分", subtitle="珠三角自建云不参与排名"),
            visualmap_opts=opts.VisualMapOpts(
                min_=0, max_=100, is_calculable=True, range_color=["#d94e5d", "#eac736", "#50a3ba"]
            ),
        )
    )
    ranked = [c for c in b.cities if c.rank is not None]
    names = [c.node.name.replace("政务云节点", "") for c in ranked]
    ranking = (
        Bar(init_opts=opts.InitOpts(width="100%", height="420px", chart_id="ranking"))
        .add_xaxis(names)
        .add_yaxis("得分", [c.score for c in ranked])
        .set_global_opts(title_opts=opts.TitleOpts(title="得分与排名"))
    )
    targets = (
        Bar(init_opts=opts.InitOpts(width="100%", height="420px", chart_id="targets"))
        .add_xaxis(names)
        .add_yaxis("迁移率(%)", [round((c.migration_rate or 0) * 100, 1) for c in ranked])
        .add_yaxis("云资源整体使用率(%)", [round((c.utilization or 0) * 100, 1) for c in ranked])
        .set_series_opts(markline_opts=opts.MarkLineOpts(data=[opts.MarkLineItem(y=50, name="迁移率目标"),
                                                              opts.MarkLineItem(y=60, name="使用率目标")]))
        .set_global_opts(title_opts=opts.TitleOpts(title="迁移率与云资源整体使用率"))
    )  # fmt: skip
    return [scoremap, ranking, targets]


def write_html(b, path) -> None:
    """One file: ECharts inline, each chart's options inline, the tables as HTML."""
    parts = []
    for chart in _charts(b):
        chart._prepare_render()
        options = (
            chart.dump_options_with_quotes()
            if hasattr(chart, "dump_options_with_quotes")
            else chart.dump_options()
        )
        geo = getattr(chart, "_geo_json", None)
        register = (
            f"echarts.registerMap({json.dumps(MAP_NAME)}, {json.dumps(geo, ensure_ascii=False)});"
            if geo
            else ""
        )
        parts.append(
            f'<div id="{chart.chart_id}" class="chart" style="width:100%;height:{chart.height}"></div>\n'
            f"<script>{register}(function(){{var c=echarts.init(document.getElementById('{chart.chart_id}'));"
            f"c.setOption({options});window.gdCharts=(window.gdCharts||[]).concat([c]);}})();</script>"
        )  # fmt: skip
    from wall.bulletin.evaluation import FORMULAS, QUALITY_HEAD

    scores = [(c.rank or "—", c.node.name, "" if c.score is None else c.score,
               _pct(c.migration_rate), _pct(c.utilization), _pct(c.availability),
               _pct(c.network_availability), _pct(c.completeness)) for c in b.cities]  # fmt: skip
    quality = [(*q.cells()[:2], _pct(q.availability), _pct(q.completeness),
                *("—" if x is None else f"{x:,}" for x in q.cells()[4:])) for q in b.quality]  # fmt: skip
    sections = [
        ("省级平台建设与迁移上云进展", "province", PROVINCE_HEAD, b.province),
        ("省级部门业务系统迁移上云（按部门）", "departments", DEPARTMENT_HEAD, b.departments),
        ("地市节点评估得分与排名", "scores", ["排名", "节点", "得分", "迁移率", "云资源整体使用率", "可用率",
                                     "外网可用率", "数据完整率"], scores),
        ("实施计划里程碑", "milestones", MILESTONE_HEAD, b.milestones),
        ("珠三角自建云对接情况", "prd", PRD_HEAD, b.prd),
        ("服务质量（结算依据；无数据时段不计为不可用）", "quality",
         QUALITY_HEAD, quality),
        *((title, f"section-{sid}", head, rows) for sid, title, head, rows in b.sections),
        ("计算方法", "formulas", ["指标", "计算方法"], FORMULAS),
    ]  # fmt: skip
    tables = "\n".join(
        f"<h2>{title}</h2>\n{_table(tid, head, rows)}" for title, tid, head, rows in sections
    )
    document = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>全省政务云建设与使用情况通报 {html.escape(b.period.label)}</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222}}
table{{border-collapse:collapse;width:100%;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em}}
th{{background:#f3f5f8}}h1{{text-align:center}}</style>
<script>{ECHARTS.read_text(encoding="utf-8")}</script></head><body>
<h1>关于{html.escape(b.period.title)}全省政务云建设与使用情况的通报</h1>
{"".join(parts)}
{tables}
</body></html>"""
    Path(path).write_text(document, encoding="utf-8")


def _table(table_id: str, head: list[str], rows) -> str:
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in row) + "</tr>" for row in rows
    )
    head_row = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f'<table id="{table_id}"><tr>{head_row}</tr>{cells}</table>'


def _pct(x) -> str:
    return f"{x:.1%}" if x is not None else "—"
