"""The node page (/node/<node_id>): everything an operator needs to find out why a node is
amber or red, from its state and data age down to the source that stopped answering. Read
through the request's Reader, as of its view (?asof=, ?range=)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, State, dcc, html

from wall.core.chinatime import CHINA, deadline_end, format_cn_date
from wall.core.formats import age_text, failure_label, percent, short_unit
from wall.core.layouts import Level, Thresholds
from wall.core.plan.models import STATE_LABEL, TIER_LABEL, Node
from wall.read.mapview import HEALTH_LABEL
from wall.read.reader import Reader
from wall.read.view import RANGES, View
from wall.read.wallstate import WallState
from wall.web import frame, ids
from wall.web.panels import gdmap
from wall.web.registry import clientside, page
from wall.web.services import PageContext
from wall.web.widgets import (
    CHART_TEMPLATE,
    GRAPH_CONFIG,
    SEVERITY_LABEL,
    STATE_CLASS,
    STATUS_CLASS,
    STATUS_ICON,
    cn_yaxis,
    tick_format,
    verdict_attrs,
    verdict_cell,
)

# the charts of a node page: (id, title, measurement, fields with their labels, unit)
CHARTS = [
    ("util", "资源利用率", "usage",
     {"cpu_util": "CPU", "mem_util": "内存", "storage_util": "存储"}, "ratio"),
    ("net", "网络流量", "usage", {"net_in_mbps": "入", "net_out_mbps": "出"}, "Mbit/s"),
    ("hosts", "主机与虚拟机", "health",
     {"hosts_down": "故障主机", "vms_running": "运行虚拟机"}, "count"),
]  # fmt: skip
LEVEL_CLASS = {Level.bad: "lvl-bad", Level.warn: "lvl-warn", Level.careful: "lvl-careful",
               Level.ok: "lvl-ok"}  # fmt: skip


@dataclass(frozen=True)
class NodeContext:
    node: Node
    state: WallState
    view: View
    read: Reader


def year_due_text(year) -> str:
    """When the one-year target falls due, as the node page says it beside the verdict."""
    return f"上线一周年 {format_cn_date(year.due)}：" if year.due else ""


def _ago(seconds: float) -> str:
    return age_text(max(seconds, 0)) + "前"


def _when(t: datetime | None) -> str:
    return f"{t.astimezone(CHINA):%Y-%m-%d %H:%M:%S}" if t else "—"


def header(ctx: NodeContext) -> html.Div:
    node, state = ctx.node, ctx.state
    view = next(v for v in state.overview.nodes if v.node.id == node.id)
    h = state.health.get(node.id)
    if state.replay:
        health = html.Span("回放 · 健康按当日不可知", className="health health-none")
    elif h is None:
        health = html.Span("⚠ 无数据", className="health health-stale")
    else:
        label = HEALTH_LABEL[h.health]
        mark = {"ok": "✔", "degraded": "▲", "down": "✖", "stale": "⚠"}.get(h.health, "")
        health = html.Span(
            f"{mark} {label} · 数据 {_ago((state.now - h.time).total_seconds())}",
            className=f"health health-{h.health}",
            id="node-health",
        )
    live = view.live_at.astimezone(CHINA).date() if view.live_at else None
    facts = [
        html.Span(TIER_LABEL[node.tier], className="node-tier"),
        html.Span(
            STATE_LABEL[view.state] + (" · 逾期" if view.late else ""),
            className=f"state {STATE_CLASS[view.state]}",
            id="node-state",
        ),
        health,
        built_span(view.built),
        html.Span(f"上线/对接 {format_cn_date(live)}" if live else "尚未上线"),
        html.Span(f"服务方 {state.overview.plan.provider(node.provider).name}"),
    ]
    return html.Div(
        [html.H1(f"{node.name}", id="node-title"), html.Div(facts, className="node-facts")],
        className="page-head",
    )


def built_span(v) -> html.Span:
    """The node's own deadline (附件第2项: built, or docked) and the judge's verdict on it."""
    if v.due is None:
        return html.Span("计划 —")
    return html.Span(f"计划 {format_cn_date(v.due)} · {STATUS_ICON[v.state]} {v.label}",
                     className=f"ms-status {STATUS_CLASS[v.state]}", id="node-built", **verdict_attrs(v))  # fmt: skip


def range_bar(view: View) -> html.Div:
    """The chart range as links (each a URL: shareable, and the back button works)."""
    w = view.window
    links = [
        dcc.Link(
            label,
            href=view.href(range=name, **{"from": None, "to": None}),
            className="range" + (" range-on" if w and w.name == name else ""),
            id=f"range-{name}",
        )
        for name, (label, _, _) in RANGES.items()
    ]
    first = w.start.astimezone(CHINA).date().isoformat() if w else ""
    last = (w.end - timedelta(seconds=1)).astimezone(CHINA).date().isoformat() if w else ""
    custom = html.Span(
        [
            frame.date_picker(ids.RANGE_FROM, first, hint="开始日期"),
            html.Span("至"),
            frame.date_picker(ids.RANGE_TO, last, hint="结束日期"),
            html.Button("查看", id=ids.RANGE_APPLY, className="asof-live"),
        ],
        className="range-custom" + (" range-on" if w and w.name == "custom" else ""),
    )
    return html.Div(
        [html.Span(f"时间范围：{w.label}" if w else "", className="range-label"), *links, custom],
        className="range-bar",
    )


def year_verdict(ctx: NodeContext):
    """The judge's one-year verdict of a city node (附件第6项), or None for other tiers."""
    return ctx.state.verdicts.year.get(ctx.node.id)


def capacity(ctx: NodeContext, th: Thresholds) -> html.Div:
    """Capacity and allocation (latest); 云资源整体使用率 against the plan's floor where the plan
    sets one (a city node: ≥60% within a year of going live, the judge's verdict), and capacity
    pressure (the thresholds' ceiling: an operational signal, not a plan target) apart."""
    h = ctx.state.health.get(ctx.node.id)
    f = ctx.state.node_figures.get(ctx.node.id)
    util = f.utilization if f else None
    ceiling = th.fields.get("node_utilization")
    pressure = ceiling.level(util) if ceiling and util is not None else Level.none
    rows = [
        html.Tr(
            [
                html.Th("云资源整体使用率"),
                html.Td(percent(util), className="num", id="node-utilization"),
            ]
        )
    ]
    year = year_verdict(ctx)
    if year is not None:
        rows.append(html.Tr([html.Th("上线一年目标（附件第6项）"), verdict_cell(year, id="node-year-verdict", **verdict_attrs(year)),
                             html.Td(f"{year_due_text(year)}{year.reason or year.figure_text}",
                                     className="muted")]))  # fmt: skip
    if pressure in (Level.careful, Level.warn, Level.bad):
        words = {Level.careful: "● 留意", Level.warn: "▲ 容量紧张", Level.bad: "✖ 容量告急"}[
            pressure
        ]
        rows.append(html.Tr([html.Th("容量压力"), html.Td(words, className=f"num {LEVEL_CLASS[pressure]}",
                                                      id="node-pressure")]))  # fmt: skip
    if h is not None and h.cpu_util is not None:
        rows.append(
            html.Tr(
                [
                    html.Th("CPU 利用率（实测，不计分）"),
                    html.Td(percent(h.cpu_util), className="num"),
                ]
            )
        )
    return html.Div(
        [html.H2("容量与分配"), html.Table(rows, className="kv", id="node-capacity")],
        className="card",
    )


def allocation_table(alloc: dict[str, float]) -> html.Table:
    rows = []
    for label, used, total, unit in (
        ("vCPU", "vcpu_allocated", "vcpu_total", "核"),
        ("内存", "mem_allocated_gib", "mem_total_gib", "GiB"),
        ("存储", "storage_allocated_tib", "storage_total_tib", "TiB"),
    ):
        a, t = alloc.get(used), alloc.get(total)
        ratio = a / t if a is not None and t else None
        rows.append(
            html.Tr(
                [
                    html.Th(label),
                    html.Td(
                        f"{a:,.0f} / {t:,.0f} {unit}" if ratio is not None else "—", className="num"
                    ),
                    html.Td(percent(ratio), className="num"),
                ],
                id=f"alloc-{total}",
            )
        )
    return html.Table(rows, className="kv")


def chart(
    chart_id: str, title: str, frames: dict, labels: dict, unit: str, marks: list, window
) -> dcc.Graph:
    """A node's fields over the window; a count next to a much larger one (故障主机 beside
    运行虚拟机) gets the right-hand axis, so neither flattens the other."""
    fig = go.Figure()
    values = [v for f in frames.values() if f is not None and not f.empty for v in f["value"]]
    for i, (field, label) in enumerate(labels.items()):
        frame = frames.get(field)
        if frame is None or frame.empty:
            continue
        fig.add_trace(
            go.Scatter(x=frame["time"].dt.tz_convert(CHINA).dt.tz_localize(None),
                       y=frame["value"], mode="lines", name=label, line={"width": 2},
                       yaxis="y2" if unit == "count" and i == 1 else "y")
        )  # fmt: skip
    for when, text in marks:  # milestones and go-live on the chart's own time axis
        x = when.astimezone(CHINA).replace(tzinfo=None)
        fig.add_vline(x=x, line={"color": "#f5b942", "dash": "dot", "width": 1})
        fig.add_annotation(x=x, y=1, yref="paper", text=text, showarrow=False, xanchor="left",
                           font={"color": "#f5b942", "size": 12})  # fmt: skip
    fig.update_layout(
        template=CHART_TEMPLATE,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": gdmap.FONT, "size": 13},
        margin={"l": 50, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 15}},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        yaxis={"tickformat": ".0%"} if unit == "ratio" else {"title": unit, **cn_yaxis(values)},
        xaxis={"tickformat": tick_format(window.end - window.start),
               "range": [window.start.astimezone(CHINA).replace(tzinfo=None),
                         window.end.astimezone(CHINA).replace(tzinfo=None)]},
    )  # fmt: skip
    if unit == "count":
        left, right = labels.values()
        first, second = (frames.get(f) for f in labels)
        fig.update_layout(
            yaxis={"title": left, "rangemode": "tozero",
                   **cn_yaxis(first["value"] if first is not None and not first.empty else [],
                              whole=True)},
            yaxis2={"title": right, "overlaying": "y", "side": "right", "showgrid": False,
                    "rangemode": "tozero",
                    **cn_yaxis(second["value"] if second is not None and not second.empty else [],
                               whole=True)},
            margin={"r": 60},
        )  # fmt: skip
    return dcc.Graph(
        id=f"chart-{chart_id}",
        figure=fig,
        config=GRAPH_CONFIG,
        className="chart",
        style={"height": "calc(var(--unit) * 22)"},
    )


def migration(ctx: NodeContext, th) -> html.Div:
    """Business systems by department, and the judge's verdict on the one-year migration
    target (附件第6项: judged on the first anniversary of going live)."""
    depts = ctx.read.node_migration(ctx.node.id)
    if depts.empty:
        return html.Div([html.H2("业务系统迁移上云"), html.Div("暂无迁移数据", className="panel-empty")],
                        className="card", id="node-migration")  # fmt: skip
    planned, migrated = depts["planned"].sum(), depts["migrated"].sum()
    rate = migrated / planned if planned else None
    year = year_verdict(ctx)
    goal = ""
    if year is not None:
        goal = f"目标 {year.goal_text}" + (
            f"，上线一周年 {format_cn_date(year.due)}" if year.due else ""
        )
    summary = html.Div(
        [html.Span(f"{migrated:,.0f} / {planned:,.0f} 个系统 · 迁移率 {percent(rate)}", id="node-migration-rate"),
         html.Span(goal, className="muted"),
         html.Span(f"{year.label}", className=f"ms-status {STATUS_CLASS[year.state]}") if year else None],
        className="card-summary")  # fmt: skip
    rows = [
        html.Tr([html.Td(r.dept), html.Td(f"{r.planned:,.0f}", className="num"),
                 html.Td(f"{r.migrated:,.0f}", className="num"),
                 html.Td(percent(r.migrated / r.planned if r.planned else None), className="num")])
        for r in depts.itertuples(index=False)
    ]  # fmt: skip
    head = html.Tr([html.Th(h) for h in ("部门", "计划迁移", "已迁移", "迁移率")])
    return html.Div(
        [html.H2("业务系统迁移上云（按部门）"), summary,
         html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")],
        className="card", id="node-migration",
    )  # fmt: skip


def security(ctx: NodeContext) -> html.Div:
    row = next((r for r in ctx.state.security_rows if r.node_id == ctx.node.id), None)
    sec = ctx.state.security
    open_by = sec.open_by_severity(ctx.node.id) if sec is not None else {}
    cells = [
        html.Tr([html.Th(SEVERITY_LABEL[s]),
                 html.Td(f"{(row.events.get(s, 0) if row else 0):,.0f}", className="num"),
                 html.Td(f"{open_by.get(s, 0):,.0f}", className="num")])
        for s in SEVERITY_LABEL
    ]  # fmt: skip
    v = ctx.state.verdicts.security.get(ctx.node.id)
    platform = html.Span("—")
    if v is not None:  # the judge's: six months after going live, at the latest 2020-12-31
        when = f"已部署 {format_cn_date(v.met_at.astimezone(CHINA).date())}" if v.met_at else (
            v.reason or f"期限 {format_cn_date(v.due)}")  # fmt: skip
        platform = html.Span(
            f"{STATUS_ICON[v.state]} {v.label} · {when}（{v.section}：上线6个月内，最迟2020年12月31日）",
            className=f"ms-status {STATUS_CLASS[v.state]}", id="node-security-verdict", **verdict_attrs(v),
        )  # fmt: skip
    head = html.Tr([html.Th("级别"), html.Th("24小时事件"), html.Th("未关闭")])
    return html.Div(
        [html.H2("安全运营"), html.Div(["安全运营平台：", platform], className="card-summary"),
         html.Table([html.Thead(head), html.Tbody(cells)], className="grid-table")],
        className="card", id="security",
    )  # fmt: skip


def sources(ctx: NodeContext) -> html.Div:
    """Each source that collects the node: last attempt, duration, error, last success."""
    items = ctx.read.node_sources(ctx.node.id)
    if not items:
        body = html.Div("没有采集源的记录（采集器尚未采集过此节点）", className="panel-empty")
    else:
        rows = []
        for s in items:
            mark = "✔ 正常" if s.ok else f"✖ {failure_label(s.error)}"
            rows.append(
                html.Tr(
                    [
                        html.Td(s.source),
                        html.Td(mark, className="lvl-ok" if s.ok else "lvl-bad"),
                        html.Td(_when(s.last_attempt)),
                        html.Td(
                            f"{s.duration_ms:,.0f} ms" if s.duration_ms is not None else "—",
                            className="num",
                        ),
                        html.Td(
                            _when(s.last_success_hour)[:13] + " 时"
                            if s.last_success_hour
                            else "7天内无"
                        ),
                        html.Td(s.error or "", className="src-error"),
                    ],
                    id=f"source-{s.source}",
                    className="src-ok" if s.ok else "src-failing",
                )
            )
        head = html.Tr(
            [html.Th(h) for h in ("采集源", "状态", "最近尝试", "耗时", "最近成功", "错误")]
        )
        body = html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")
    return html.Div([html.H2("采集源"), body], className="card", id="sources")


def milestones(ctx: NodeContext) -> tuple[html.Div, list]:
    """The plan's rows that concern the node, as the judge decides them, and their marks for
    the charts."""
    rows, marks = [], []
    for v in ctx.state.overview.milestones:
        if v.due:
            marks.append((deadline_end(v.due) - timedelta(seconds=1), f"{v.seq}期限"))
        rows.append(
            html.Tr(
                [
                    html.Td(v.seq),
                    html.Td(v.title, title=v.section),
                    html.Td(format_cn_date(v.due) if v.due else "持续"),
                    verdict_cell(v),
                    html.Td(
                        "、".join(short_unit(u) for u in v.lead) or "—",
                        title=f"牵头：{'、'.join(v.lead)}\n配合：{'、'.join(v.cooperate) or '—'}",
                    ),
                ],
                id=f"ms-{v.id}",
                **verdict_attrs(v),
            )
        )
    view = next(v for v in ctx.state.overview.nodes if v.node.id == ctx.node.id)
    if view.live_at:
        marks.append((view.live_at, "上线"))
    head = html.Tr([html.Th(h) for h in ("序号", "工作任务", "计划完成", "状态", "牵头")])
    table = html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")
    return html.Div([html.H2("相关里程碑"), table], className="card", id="node-milestones"), marks


def network(ctx: NodeContext, th: Thresholds) -> tuple[html.Div | None, dcc.Graph | None]:
    """The node's extranet links (its own to the province, and its county sites') with their
    state, and its own link's latency and loss over the window."""
    rows = [r for r in ctx.read.link_rows(th) if r.link.node == ctx.node.id]
    if not rows:
        return None, None
    items = [
        html.Tr([html.Td(r.link.label), html.Td(r.words, className=f"link-{r.state}"),
                 html.Td("—" if r.health is None or r.health.rtt_ms is None or r.state == "down"
                         else f"{r.health.rtt_ms:.0f} ms"),
                 html.Td("—" if r.health is None or r.health.loss is None else f"{r.health.loss:.0%}")])
        for r in rows
    ]  # fmt: skip
    head = html.Tr([html.Th(h) for h in ("链路", "状态", "时延", "丢包")])
    card = html.Div([html.H2("政务外网链路"), html.Table([head, *items], className="kv", id="node-links")],
                    className="card", id="links")  # fmt: skip
    own = next((r for r in rows if r.link.site is None), None)
    graph = None
    if own is not None:
        frames = ctx.read.link_series(own.link.id, ("rtt_ms", "loss"))
        rtt = {"rtt_ms": frames["rtt_ms"]}
        graph = chart("link", f"政务外网链路时延 · {own.link.name}", rtt, {"rtt_ms": "时延"}, "ms",
                      [], ctx.view.window)  # fmt: skip
    return card, graph


@page("node", "/node/<node_id>", "节点", "pages", nav=False, charts=True)
def node_body(page_ctx: PageContext) -> list:
    th = page_ctx.layouts.thresholds
    node = page_ctx.read.plan.node(page_ctx.view.node_id)
    state = page_ctx.read.wall_state(th, scope=node)
    ctx = NodeContext(node, state, page_ctx.view, page_ctx.read)
    w = ctx.view.window
    ms_card, marks = milestones(ctx)
    inside = [(t, text) for t, text in marks if w.start <= t < w.end]
    charts = []
    for chart_id, title, measurement, labels, unit in CHARTS:
        frames = ctx.read.node_series(ctx.node.id, measurement, tuple(labels))
        charts.append(chart(chart_id, title, frames, labels, unit, inside, w))
    links_card, link_chart = network(ctx, th)
    if link_chart is not None:
        charts.append(link_chart)
    alloc = ctx.read.node_allocation(ctx.node.id)
    cap = capacity(ctx, th)
    cap.children.append(allocation_table(alloc))
    return [
        header(ctx),
        range_bar(ctx.view),
        html.Div(
            [html.Div([cap, security(ctx), links_card, ms_card], className="col-side"),
             html.Div([html.Div(charts, className="charts"), sources(ctx),
                       migration(ctx, th)], className="col-main")],
            className="node-grid-page",
        ),
    ]  # fmt: skip


clientside(  # a custom range: the page's address carries it (shareable, the back button works)
    ClientsideFunction("wall", "customRange"),
    Output(ids.URL, "search", allow_duplicate=True),
    Input(ids.RANGE_APPLY, "n_clicks"),
    State(ids.RANGE_FROM, "date"),
    State(ids.RANGE_TO, "date"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
