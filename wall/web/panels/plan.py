"""Panels of plan versus actual: node cards by tier, the milestone table."""

from __future__ import annotations

from dash import html

from wall.core.chinatime import CHINA, format_cn_date
from wall.core.layouts import Layouts, Panel
from wall.core.plan.models import STATE_LABEL, TIER_LABEL, Tier
from wall.read.milestones import MILESTONE_STATUS_LABEL
from wall.read.overview import NodeView, Overview
from wall.read.wallstate import WallState
from wall.web.panels.registry import panel
from wall.web.urls import node_href
from wall.web.widgets import STATE_CLASS, STATUS_CLASS, STATUS_ICON


def next_target(ov: Overview, metric: str):
    """The provincial target of a metric that is due next as of the overview's date (the 400
    of 2019 before 2020, the 1,000 of 2020 after), or the last one once all are past."""
    from wall.core.chinatime import deadline_end

    targets = sorted(
        (
            t
            for t in ov.plan.targets
            if t.metric == metric and t.deadline and Tier.province in t.scope
        ),
        key=lambda t: t.deadline,
    )
    for target in targets:
        if ov.asof < deadline_end(target.deadline):
            return target
    return targets[-1]


def node_card(view: NodeView, replay_day=None) -> html.A:
    """A node's name, state (as text and colour), deadline and whether it is late."""
    node = view.node
    bits = [html.Span(STATE_LABEL[view.state], className=f"state {STATE_CLASS[view.state]}")]
    if node.deadline:
        bits.append(html.Span(f"计划 {format_cn_date(node.deadline)}", className="deadline"))
    if view.late and view.done:
        bits.append(html.Span("◔ 逾期完成", className="late-done"))
    elif view.late:
        bits.append(html.Span("⚠ 逾期未完成", className="late"))
    if node.pilot:
        bits.append(html.Span("试点", className="badge"))
    return html.A(  # the card is the link to the node's page
        [html.Div(node.name, className="node-name"), html.Div(bits, className="node-meta")],
        className="node-card" + (" node-late" if view.late and not view.done else ""),
        id=f"node-{node.id}",
        title=node.id,
        href=node_href(node.id, replay_day),
    )


def nodes_by_tier(ov: Overview, replay_day=None) -> html.Div:
    """All nodes of the plan, one section per tier."""
    sections = []
    for tier in Tier:
        views = [v for v in ov.nodes if v.node.tier == tier]
        sections.append(
            html.Section(
                [
                    html.H2(f"{TIER_LABEL[tier]}（{len(views)}）"),
                    html.Div([node_card(v, replay_day) for v in views], className="node-grid"),
                ],
                className=f"tier tier-{tier}",
            )
        )
    return html.Div(sections, className="tiers")


def milestone_table(ov: Overview) -> html.Table:
    """Every milestone of the plan's attachment with deadline and status (text and icon)."""
    rows = []
    for outcome in ov.milestones:
        m = outcome.milestone
        status = outcome.status
        done = outcome.done_at.astimezone(CHINA).date() if outcome.done_at else None
        rows.append(
            html.Tr(
                [
                    html.Td(m.seq, className="ms-seq"),
                    html.Td(m.title, className="ms-title", title=m.title),
                    html.Td(
                        format_cn_date(m.deadline) if m.deadline else "持续",
                        className="ms-deadline",
                    ),
                    html.Td(
                        f"{STATUS_ICON[status]} {MILESTONE_STATUS_LABEL[status]}",
                        className=f"ms-status {STATUS_CLASS[status]}",
                    ),
                    html.Td(  # the date; what decided it is in the tooltip
                        format_cn_date(done) if done else (outcome.detail or ""),
                        title=outcome.detail or None,
                        className="ms-done",
                    ),
                ],
                id=f"ms-{m.id}",
            )
        )
    head = html.Tr([html.Th(h) for h in ("序号", "工作任务", "计划完成", "状态", "完成")])
    cols = html.Colgroup(
        [html.Col(className=f"c-{c}") for c in ("seq", "title", "deadline", "status", "done")]
    )
    return html.Table([cols, html.Thead(head), html.Tbody(rows)], className="milestones")


@panel("milestones")
def milestones_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Table:
    return milestone_table(state.overview)


@panel("nodes")
def nodes_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Div:
    return nodes_by_tier(state.overview, state.replay_day)
