"""Compare (/compare): several nodes side by side on one field over one range, and a ranking of
every node by any field (wall.read.ranking), sortable in the page and exportable as CSV or
Excel with the same numbers."""

from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, State, dash_table, dcc, html

from wall.core.chinatime import CHINA
from wall.read.ranking import DEFAULT_FIELD, RANK_FIELDS
from wall.read.reader import DataUnavailable, Reader
from wall.read.view import RANGES, ViewError
from wall.web import ids
from wall.web.registry import clientside, download, page
from wall.web.services import PageContext
from wall.web.urls import node_href
from wall.web.widgets import CHART_TEMPLATE, FONT, GRAPH_CONFIG, cn_yaxis, tick_format


def rank_field(params: dict[str, str]) -> str:
    field = params.get("field") or DEFAULT_FIELD
    if field not in RANK_FIELDS:
        raise ViewError(f"参数 field={field} 无效（可选 {'、'.join(RANK_FIELDS)}）")
    return field


EXPORT_COLUMNS = {"rank": "排名", "node": "节点编号", "name": "节点", "tier": "类别",
                  "value": "数值", "unit": "单位", "time": "数据时间"}  # fmt: skip


def export(frame: pd.DataFrame, field: str, fmt: str) -> tuple[bytes, str]:
    """The ranking as a file: CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX with
    numeric cells; returns (bytes, mimetype)."""
    from wall.core.spreadsheet import csv_bytes, keep_text

    out = frame.rename(columns=EXPORT_COLUMNS)
    if fmt == "csv":
        return csv_bytes(list(out.columns), out.itertuples(index=False)), "text/csv"
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            out.to_excel(writer, index=False, sheet_name=RANK_FIELDS[field].label[:31])
            keep_text(writer.book)  # a name is shown as typed, never run as a formula
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return buf.getvalue(), mime
    raise ViewError(f"导出格式 {fmt} 无效（可选 csv、xlsx）")


def ranking_table(frame: pd.DataFrame, field: str) -> dash_table.DataTable:
    spec = RANK_FIELDS[field]
    data = frame.assign(
        name=[f"[{n}]({node_href(i)})" for n, i in zip(frame["name"], frame["node"], strict=True)]
    )
    return dash_table.DataTable(
        id="ranking-table",
        data=data.to_dict("records"),
        columns=[
            {"id": "rank", "name": "排名", "type": "numeric"},
            {"id": "name", "name": "节点", "presentation": "markdown"},
            {"id": "tier", "name": "类别"},
            {
                "id": "value",
                "name": f"{spec.label}（{frame['unit'].iloc[0] if len(frame) else ''}）",
                "type": "numeric",
            },
            {"id": "time", "name": "数据时间"},
        ],
        sort_action="native",
        style_as_list_view=True,
        style_header={"backgroundColor": "#0d1e33", "color": "#9db4d2", "fontWeight": "bold"},
        style_cell={
            "backgroundColor": "#07121f",
            "color": "#e6f0ff",
            "border": "1px solid #14304f",
            "fontFamily": FONT,
            "fontSize": "15px",
            "textAlign": "left",
        },
        style_cell_conditional=[
            {"if": {"column_id": c}, "textAlign": "right"} for c in ("rank", "value")
        ],
        markdown_options={"link_target": "_self"},
    )


def compare_chart(read: Reader, field: str, nodes: list[str]) -> dcc.Graph:
    spec = RANK_FIELDS[field]
    w = read.view.window
    fig = go.Figure()
    names = {n.id: n.name for n in read.plan.nodes}
    drawn: list = []
    for node in nodes:
        frame = read.node_series(node, spec.measurement, (field,))[field]
        if frame.empty:
            continue
        drawn += list(frame["value"])
        fig.add_trace(go.Scatter(x=frame["time"].dt.tz_convert(CHINA).dt.tz_localize(None),
                                 y=frame["value"], mode="lines", name=names[node]))  # fmt: skip
    fig.update_layout(
        template=CHART_TEMPLATE, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 13}, margin={"l": 50, "r": 10, "t": 30, "b": 30},
        title={"text": f"{spec.label} · {w.label}", "font": {"size": 15}},
        yaxis={"tickformat": ".0%"} if spec.unit == "ratio" else {"title": spec.unit, **cn_yaxis(drawn)},
        xaxis={"tickformat": tick_format(w.end - w.start)},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )  # fmt: skip
    return dcc.Graph(id="compare-chart", figure=fig, config=GRAPH_CONFIG, className="chart",
                     style={"height": "calc(var(--unit) * 26)"})  # fmt: skip


@page("compare", "/compare", "对比与排名", "pages", charts=True, order=30)
def compare_body(ctx: PageContext) -> list:
    read, route, plan = ctx.read, ctx.view, ctx.read.plan
    field = rank_field(route.params)
    known = {n.id for n in plan.nodes}
    nodes = [n for n in (route.params.get("nodes") or "").split(",") if n]
    unknown = [n for n in nodes if n not in known]
    if unknown:
        raise ViewError(f"没有编号为 {'、'.join(unknown)} 的节点")
    frame = read.ranking(field)
    if not nodes:  # by default, the top five of the ranking
        nodes = list(frame["node"][:5])
    fields = html.Div(
        [html.Span("指标：", className="range-label")]
        + [dcc.Link(f.label, href=route.href(field=k), id=f"field-{k}",
                    className="range" + (" range-on" if k == field else ""))
           for k, f in RANK_FIELDS.items()],
        className="range-bar",
    )  # fmt: skip
    ranges = html.Div(
        [html.Span("范围：", className="range-label")]
        + [dcc.Link(label, href=route.href(range=name), id=f"range-{name}",
                    className="range" + (" range-on" if route.window.name == name else ""))
           for name, (label, _, _) in RANGES.items()],
        className="range-bar",
    )  # fmt: skip
    picker = html.Div(
        [html.Span("对比节点：", className="range-label"),
         dcc.Dropdown(id=ids.COMPARE_NODES, options=[{"label": n.name, "value": n.id} for n in plan.nodes],
                      value=nodes, multi=True, className="node-picker", clearable=False)],
        className="range-bar",
    )  # fmt: skip
    chart = (
        compare_chart(read, field, nodes)
        if RANK_FIELDS[field].measurement is not None
        else html.Div("此指标按日计算，见排名表", className="panel-empty")
    )
    query = route.href().split("?", 1)[1] if "?" in route.href() else ""
    downloads = html.Div(
        [html.A("导出 CSV", href=f"/export/ranking.csv?{query}", id="export-csv", className="range"),
         html.A("导出 Excel", href=f"/export/ranking.xlsx?{query}", id="export-xlsx", className="range")],
        className="range-bar",
    )  # fmt: skip
    return [
        html.Div([html.H1("节点对比与排名", id="compare-title")], className="page-head"),
        fields,
        ranges,
        picker,
        html.Div(
            [html.Div([chart], className="card"),
             html.Div([html.H2(f"全部节点按「{RANK_FIELDS[field].label}」排名"), downloads,
                       ranking_table(frame, field)], className="card", id="ranking")],
            className="col-main",
        ),
    ]  # fmt: skip


@download("/export/ranking.<fmt>", capability="export")
def export_ranking(services, fmt: str):
    """The ranking as a file, with the same numbers as the page (as of its ?asof=)."""
    from flask import Response, request

    try:
        _, view = services.view("/compare", request.query_string.decode())
        field = rank_field(view.params)
        body, mime = export(services.reader(view).ranking(field), field, fmt)
    except ViewError as exc:
        return Response(str(exc), status=404, mimetype="text/plain")
    except DataUnavailable as exc:
        return Response(f"数据存储不可用：{exc}", status=503, mimetype="text/plain")
    services.audit("export", f"ranking.{fmt}", field)
    day = datetime.now(CHINA).strftime("%Y%m%d")
    name = quote(f"节点排名-{RANK_FIELDS[field].label}-{day}.{fmt}")
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})  # fmt: skip


clientside(  # the nodes side by side are in the address (shareable)
    ClientsideFunction("wall", "compareNodes"),
    Output(ids.URL, "search", allow_duplicate=True),
    Input(ids.COMPARE_NODES, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
