"""The Pearl River Delta clouds (/prd): each city's own cloud docked to the province, first
统一展示 then 资源互通, its dates against the plan's deadline, and the figures it shares."""

from __future__ import annotations

from dash import dcc, html

from wall.core.chinatime import format_cn_date
from wall.core.formats import percent
from wall.core.plan.models import STATE_LABEL, NodeState, Tier
from wall.web.registry import page
from wall.web.services import PageContext
from wall.web.urls import node_href
from wall.web.widgets import STATE_CLASS, day_text, health_cell, verdict_attrs, verdict_cell


@page("prd", "/prd", "珠三角自建云", "pages", order=20)
def prd_body(ctx: PageContext) -> list:
    """The seven Pearl River Delta clouds: docking stage and dates against the deadline, and
    the figures each shares with the province."""
    state = ctx.read.wall_state(ctx.layouts.thresholds)
    plan = state.overview.plan
    progress = state.progress  # the dates each reached a stage: the recorded events
    views = {v.node.id: v for v in state.overview.nodes}
    rows = []
    for n in plan.nodes_of(Tier.prd):
        v = views[n.id]
        f = state.node_figures.get(n.id)
        h = state.health.get(n.id)
        built, sec = v.built, state.verdicts.security[n.id]  # the judge's (附件第2、4项)
        rows.append(
            html.Tr(
                [
                    html.Td(dcc.Link(n.name, href=node_href(n.id, state.replay_day), refresh=True)),
                    html.Td(STATE_LABEL[v.state], className=f"state {STATE_CLASS[v.state]}"),
                    html.Td(day_text(progress.reached_at(n, NodeState.displayed, state.asof))),
                    html.Td(day_text(progress.reached_at(n, NodeState.interop, state.asof))),
                    html.Td(format_cn_date(n.deadline) if n.deadline else "—"),
                    verdict_cell(built, **verdict_attrs(built)),
                    html.Td(
                        day_text(sec.met_at) if sec.met_at else f"期限 {format_cn_date(sec.due)}"
                    ),
                    verdict_cell(sec, **verdict_attrs(sec)),
                    health_cell(state, n.id),
                    html.Td(percent(f.utilization if f else None), className="num"),
                    html.Td(percent(h.cpu_util if h else None), className="num"),
                ],
                id=f"prd-{n.id}",
            )
        )
    head = html.Tr([html.Th(h) for h in ("自建云", "对接阶段", "展示对接", "资源互通", "计划对接", "对接进度",
                                         "安全平台对接", "安全平台（附件第4项）", "健康", "资源使用率",
                                         "CPU 利用率")])  # fmt: skip
    docked = sum(
        1 for v in views.values() if v.node.tier == Tier.prd and v.state != NodeState.not_docked
    )
    return [
        html.Div([html.H1("珠三角自建云对接", id="prd-title"),
                  html.Div(f"已对接 {docked}/7 · 展示对接→资源互通", className="card-summary")],
                 className="page-head"),
        html.Div([html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table")],
                 className="card", id="prd-table"),
    ]  # fmt: skip
