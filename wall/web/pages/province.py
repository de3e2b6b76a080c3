"""The provincial platform (/province): "两地三中心", its 名美 and 东涌 data centres, their health
and disaster-recovery status, the departments' systems by centre, and the provincial figures
since 2019 against their targets."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from wall.core.chinatime import CHINA, day_start, format_cn_date
from wall.core.formats import format_cn_number, percent
from wall.core.plan.models import Tier
from wall.read.reader import Reader
from wall.web.registry import page
from wall.web.services import PageContext
from wall.web.urls import node_href
from wall.web.widgets import FONT, GRAPH_CONFIG, health_cell


@page("province", "/province", "省级平台", "pages", order=10)
def province_body(ctx: PageContext) -> list:
    read = ctx.read
    state = read.wall_state(ctx.layouts.thresholds)
    plan = state.overview.plan
    centres = plan.nodes_of(Tier.province)
    ids = [n.id for n in centres]
    live = read.latest("health", ["vms_running", "hosts_total", "hosts_down", "up"], nodes=ids)
    by = {(r.node, r.field): r.value for r in live.itertuples(index=False)}
    rows = []
    for n in centres:
        alloc = read.node_allocation(n.id)
        f = state.node_figures.get(n.id)
        rows.append(
            html.Tr(
                [
                    html.Td(dcc.Link(n.name, href=node_href(n.id, state.replay_day), refresh=True)),
                    health_cell(state, n.id),
                    html.Td(
                        f"{alloc.get('vcpu_allocated', 0):,.0f} / {alloc.get('vcpu_total', 0):,.0f}",
                        className="num",
                    ),
                    html.Td(percent(f.utilization if f else None), className="num"),
                    html.Td(f"{by.get((n.id, 'vms_running'), 0):,.0f}", className="num"),
                    html.Td(
                        f"{by.get((n.id, 'hosts_down'), 0):,.0f} / {by.get((n.id, 'hosts_total'), 0):,.0f}",
                        className="num",
                    ),
                ],
                id=f"centre-{n.id}",
            )
        )
    head = html.Tr(
        [
            html.Th(h)
            for h in (
                "数据中心",
                "健康",
                "vCPU 已分配/总量",
                "资源使用率",
                "运行虚拟机",
                "故障/主机",
            )
        ]
    )
    up = [n for n in centres if (h := state.health.get(n.id)) and h.health in ("ok", "degraded")]
    if state.replay:
        dr = html.Div("回放：灾备状态按当日不可知", className="muted", id="dr-status")
    elif len(up) == len(centres):
        dr = html.Div("✔ 两中心均在线，互为灾备", className="lvl-ok", id="dr-status")
    elif up:
        down = "、".join(n.name for n in centres if n not in up)
        dr = html.Div(
            f"✖ {down} 不可用：业务由{up[0].name}承载，灾备能力丧失",
            className="lvl-bad",
            id="dr-status",
        )
    else:
        dr = html.Div("✖ 两中心均无正常数据", className="lvl-bad", id="dr-status")
    # which departments' systems run where: the migration register of each centre
    per = {n.id: read.node_migration(n.id) for n in centres}
    depts = sorted({d for frame in per.values() for d in frame["dept"]})
    service_rows = [
        html.Tr([html.Td(d)] + [
            html.Td(f"{frame[frame['dept'] == d]['migrated'].sum():,.0f}", className="num")
            for frame in per.values()])
        for d in depts
    ]  # fmt: skip
    services = html.Table(
        [html.Thead(html.Tr([html.Th("部门")] + [html.Th(f"{n.name}（已迁移系统）") for n in centres])),
         html.Tbody(service_rows)], className="grid-table",
    )  # fmt: skip
    vcpu = state.overview.figures.get("vcpu_total")
    target = plan.target("prov-vcpu")
    summary = html.Div(
        [html.Span(f"省级计算能力 {format_cn_number(vcpu.value) if vcpu and vcpu.value else '—'} vCPU",
                   id="province-vcpu"),
         html.Span(f"目标 ≥{format_cn_number(target.value)} vCPU（{format_cn_date(target.deadline)}）"
                   if target.deadline else f"目标 ≥{format_cn_number(target.value)} vCPU", className="muted")],
        className="card-summary",
    )  # fmt: skip
    return [
        html.Div([html.H1("省级政务云平台 · 两地三中心", id="province-title"), summary], className="page-head"),
        html.Div(
            [html.Div([html.Div([html.H2("两个数据中心"), dr,
                                 html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")],
                                className="card", id="centres"),
                       html.Div([html.H2("业务系统分布（按部门）"), services], className="card", id="services")],
                      className="col-side"),
             html.Div([province_chart(read, plan, "vcpu_total", "省级 vCPU 总量", [("prov-vcpu", "9万")]),
                       province_chart(read, plan, "systems_migrated", "省级业务系统迁移上云",
                                      [("prov-migrated-2019", "400"), ("prov-migrated-2020", "1000")])],
                      className="col-main")],
            className="node-grid-page",
        ),
    ]  # fmt: skip


def province_chart(read: Reader, plan, metric: str, title: str, targets: list) -> dcc.Graph:
    """A provincial figure per day since the plan began, with its targets as lines."""
    daily = read.province_daily(metric, day_start(plan.period.start))
    fig = go.Figure()
    if not daily.empty:
        fig.add_trace(go.Scatter(x=daily.index.tz_convert(CHINA).tz_localize(None), y=daily.values,
                                 mode="lines", name=title, line={"width": 2}))  # fmt: skip
    for target_id, label in targets:
        try:
            t = plan.target(target_id)
        except KeyError:
            continue
        fig.add_hline(y=t.value, line={"color": "#f5b942", "dash": "dot"},
                      annotation_text=f"目标 {label}" + (f"（{t.deadline:%Y-%m-%d}）" if t.deadline else ""),
                      annotation_font_color="#f5b942")  # fmt: skip
    fig.update_layout(
        template="plotly_dark", paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 13}, margin={"l": 60, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 15}}, showlegend=False,
        xaxis={"tickformat": "%Y年%m月"}, yaxis={"tickformat": ",d"},
    )  # fmt: skip
    return dcc.Graph(id=f"province-{metric}", figure=fig, config=GRAPH_CONFIG, className="chart",
                     style={"height": "calc(var(--unit) * 24)"})  # fmt: skip
