"""The provincial platform (/province): "两地三中心", its 名美 and 东涌 data centres, their health
and disaster-recovery status, the departments' systems by centre, and the provincial figures
since 2019 against their targets."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from wall.core.chinatime import CHINA, day_start, format_cn_date
from wall.core.formats import percent
from wall.core.plan.models import Tier
from wall.read.judge import PROVINCE_TARGETS
from wall.read.reader import Reader
from wall.web.registry import page
from wall.web.services import PageContext
from wall.web.urls import node_href
from wall.web.widgets import (
    CHART_TEMPLATE,
    FONT,
    GRAPH_CONFIG,
    STATUS_CLASS,
    STATUS_ICON,
    cn_yaxis,
    health_cell,
    verdict_attrs,
    verdict_cell,
)


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
    dr_v = state.verdicts.milestone("b1-disaster-recovery")  # the judge's (二（一）)
    up = [n for n in centres if (h := state.health.get(n.id)) and h.health in ("ok", "degraded")]
    if not dr_v.met:
        text = f"✖ {dr_v.reason}"
    elif state.replay:
        text = f"回放：{dr_v.figure_text}（当日运行状态不可知）"
    elif len(up) == len(centres):  # built, and both answer now: an operational signal
        text = f"✔ {dr_v.figure_text}；运行：两中心均在线，互为灾备"
    else:
        down = "、".join(n.name for n in centres if n not in up)
        now = f"业务由{up[0].name}承载，灾备暂不可用" if up else "两中心均无正常数据"
        text = f"⚠ {dr_v.figure_text}；运行：{down}无正常数据，{now}"
    dr = html.Div(text, className=f"ms-status {STATUS_CLASS[dr_v.state]}", id="dr-status",
                  **verdict_attrs(dr_v))  # fmt: skip
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
    vcpu = state.verdicts.targets["prov-vcpu"]
    summary = html.Div(
        [html.Span(f"省级计算能力 {vcpu.figure_text or '—'}", id="province-vcpu"),
         html.Span(f"目标 {vcpu.goal_text}（{format_cn_date(vcpu.due)}）", className="muted"),
         html.Span(f"{STATUS_ICON[vcpu.state]} {vcpu.label}", className=f"ms-status {STATUS_CLASS[vcpu.state]}")],
        className="card-summary",
    )  # fmt: skip
    targets = targets_card(state)
    return [
        html.Div([html.H1("省级政务云平台 · 两地三中心", id="province-title"), summary], className="page-head"),
        html.Div(
            [html.Div([html.Div([html.H2("两个数据中心"), dr,
                                 html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")],
                                className="card", id="centres"),
                       targets,
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
        template=CHART_TEMPLATE, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 13}, margin={"l": 60, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 15}}, showlegend=False,
        xaxis={"tickformat": "%Y年%m月"}, yaxis=cn_yaxis(list(daily.values)),
    )  # fmt: skip
    return dcc.Graph(id=f"province-{metric}", figure=fig, config=GRAPH_CONFIG, className="chart",
                     style={"height": "calc(var(--unit) * 24)"})  # fmt: skip


def targets_card(state) -> html.Div:
    """The provincial platform against the plan (二（一）, 二（六）, 附件第1、6项), as the judge
    decides each: the figure, the goal, the date, the state, where the plan says it."""
    rows = []
    for tid in PROVINCE_TARGETS:
        v = state.verdicts.targets.get(tid)
        if v is None:
            continue
        rows.append(html.Tr([html.Td(v.title, title=v.section), html.Td(v.figure_text or "—", className="num"),
                             html.Td(v.goal_text or "—"), html.Td(format_cn_date(v.due) if v.due else "持续", className="day"),
                             verdict_cell(v)], id=f"target-{tid}", **verdict_attrs(v)))  # fmt: skip
    dr = state.verdicts.milestone("b1-disaster-recovery")
    rows.append(html.Tr([html.Td(dr.title, title=dr.section), html.Td(dr.figure_text or "—"), html.Td("两地三中心"),
                         html.Td("持续"), verdict_cell(dr)], id="target-dr", **verdict_attrs(dr)))  # fmt: skip
    head = html.Tr([html.Th(h) for h in ("指标（方案）", "当前", "目标", "期限", "状态")])
    return html.Div([html.H2("对照方案"), html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")],
                    className="card", id="province-targets")  # fmt: skip
