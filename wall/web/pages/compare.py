"""Compare: several nodes side by side on one field over one range, and a ranking of every
node by any field, sortable in the page and exportable as CSV or Excel with the same numbers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
from dash import dash_table, dcc, html

from wall.core.chinatime import CHINA
from wall.core.plan.models import TIER_LABEL, Plan
from wall.read import queries
from wall.store import Store
from wall.web import ids
from wall.web.pages.node import GRAPH_CONFIG, tick_format
from wall.web.pages.routes import RANGES, NotFound, Route, node_href
from wall.web.panels import gdmap


@dataclass(frozen=True)
class RankField:
    label: str
    unit: str  # ratio (shown as %), or the stored unit
    measurement: str | None  # None: a figure the query layer derives (utilization, rate)


RANK_FIELDS: dict[str, RankField] = {
    "utilization": RankField("云资源整体使用率", "ratio", None),
    "migration_rate": RankField("业务系统迁移率", "ratio", None),
    "cpu_util": RankField("CPU 利用率", "ratio", "usage"),
    "mem_util": RankField("内存利用率", "ratio", "usage"),
    "storage_util": RankField("存储利用率", "ratio", "usage"),
    "net_in_mbps": RankField("入流量", "Mbit/s", "usage"),
    "net_out_mbps": RankField("出流量", "Mbit/s", "usage"),
    "vcpu_total": RankField("vCPU 总量", "vCPU", "capacity"),
    "vcpu_allocated": RankField("已分配 vCPU", "vCPU", "capacity"),
    "vms_running": RankField("运行虚拟机", "VMs", "health"),
    "hosts_down": RankField("故障主机", "hosts", "health"),
    "api_latency_ms": RankField("云平台 API 响应时间", "ms", "health"),
}
DEFAULT_FIELD = "utilization"
COMPARE_FIELDS = [k for k, f in RANK_FIELDS.items() if f.measurement is not None]


def rank_field(params: dict[str, str]) -> str:
    field = params.get("field") or DEFAULT_FIELD
    if field not in RANK_FIELDS:
        raise NotFound(f"参数 field={field} 无效（可选 {'、'.join(RANK_FIELDS)}）")
    return field


def ranking(store: Store, plan: Plan, field: str, asof: datetime) -> pd.DataFrame:
    """Every node of the plan with a value of the field, best first: rank, node, name, tier,
    value, unit, time (of the data). Live fields are the newest samples; derived ones (资源
    使用率, 迁移率) are as of asof."""
    spec = RANK_FIELDS[field]
    names = {n.id: n for n in plan.nodes}
    rows = []
    if spec.measurement is None:
        figures = queries.node_figures(store, asof)
        for node_id, f in figures.items():
            value = f.utilization if field == "utilization" else f.migration_rate
            if node_id in names and value is not None:
                rows.append((node_id, value, asof))
    else:
        latest = store.latest(spec.measurement, [field])
        for r in latest.itertuples(index=False):
            if r.node in names:
                rows.append((r.node, float(r.value), r.time.to_pydatetime()))
    frame = pd.DataFrame(rows, columns=["node", "value", "time"])
    frame = frame.sort_values(["value", "node"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame.insert(2, "name", [names[n].name for n in frame["node"]])
    frame.insert(3, "tier", [TIER_LABEL[names[n].tier] for n in frame["node"]])
    frame["unit"] = "%" if spec.unit == "ratio" else spec.unit
    if spec.unit == "ratio":
        frame["value"] = (frame["value"] * 100).round(2)  # percent, as shown
    else:
        frame["value"] = frame["value"].round(2)
    frame["time"] = [t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") for t in frame["time"]]
    return frame


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
    raise NotFound(f"导出格式 {fmt} 无效（可选 csv、xlsx）")


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
            "fontFamily": gdmap.FONT,
            "fontSize": "15px",
            "textAlign": "left",
        },
        style_cell_conditional=[
            {"if": {"column_id": c}, "textAlign": "right"} for c in ("rank", "value")
        ],
        markdown_options={"link_target": "_self"},
    )


def compare_chart(
    store: Store, route: Route, field: str, nodes: list[str], plan: Plan
) -> dcc.Graph:
    spec = RANK_FIELDS[field]
    w = route.window
    fig = go.Figure()
    names = {n.id: n.name for n in plan.nodes}
    for node in nodes:
        frame = queries.node_series(
            store, node, spec.measurement, (field,), w.start, w.end, w.step
        )[field]
        if frame.empty:
            continue
        fig.add_trace(go.Scatter(x=frame["time"].dt.tz_convert(CHINA).dt.tz_localize(None),
                                 y=frame["value"], mode="lines", name=names[node]))  # fmt: skip
    fig.update_layout(
        template="plotly_dark", paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": gdmap.FONT, "size": 13}, margin={"l": 50, "r": 10, "t": 30, "b": 30},
        title={"text": f"{spec.label} · {w.label}", "font": {"size": 15}},
        yaxis={"tickformat": ".0%"} if spec.unit == "ratio" else {"title": spec.unit},
        xaxis={"tickformat": tick_format(w.end - w.start)},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )  # fmt: skip
    return dcc.Graph(id="compare-chart", figure=fig, config=GRAPH_CONFIG, className="chart",
                     style={"height": "calc(var(--unit) * 26)"})  # fmt: skip


def compare_body(store: Store, plan: Plan, route: Route, asof: datetime) -> list:
    field = rank_field(route.params)
    known = {n.id for n in plan.nodes}
    nodes = [n for n in (route.params.get("nodes") or "").split(",") if n]
    unknown = [n for n in nodes if n not in known]
    if unknown:
        raise NotFound(f"没有编号为 {'、'.join(unknown)} 的节点")
    frame = ranking(store, plan, field, asof)
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
        compare_chart(store, route, field, nodes, plan)
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
