"""The alert list (/alerts): what needs attention, most severe first, since when, and
acknowledgement (by whom, when, with a note), kept in the app's state database."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, dcc, html

from wall.core.chinatime import CHINA
from wall.core.formats import age_text
from wall.read.view import ViewError
from wall.read.wallstate import WallState
from wall.web import actions, frame, ids
from wall.web.registry import action, page
from wall.web.services import PageContext
from wall.web.urls import node_href
from wall.web.widgets import ALERT_ICON, NODE_ALERTS

KIND_LABEL = {"down": "节点中断", "stale": "数据中断", "degraded": "主机故障",
              "node_utilization": "容量压力", "cpu_util": "CPU 利用率",
              "link_down": "链路中断", "link_degraded": "链路质量",
              "overdue": "实施计划", "security": "安全事件"}  # fmt: skip


@page("alerts", "/alerts", "告警", "pages", order=40)
def alerts_page(ctx: PageContext) -> list:
    state = ctx.read.wall_state(ctx.layouts.thresholds, episodes=True)
    return alerts_body(state, ctx.viewer.name, ctx.viewer.may("ack"))


def alerts_body(state: WallState, signed_in: str | None = None, may_ack: bool = True) -> list:
    """signed_in: the user's name (then the acknowledgement is theirs: the name is not asked);
    may_ack: whether the role may acknowledge (operators and admins)."""
    rows = []
    for a in state.alerts:
        ep = state.episodes.get(f"{a.kind}:{a.subject}")
        # since the plan's deadline when it says (its duration as of the view), else since
        # the wall first saw it
        since, until = (
            (a.since, state.asof) if a.since else (ep.first_seen if ep else None, state.now)
        )
        what = (dcc.Link(a.text, href=node_href(a.subject, state.replay_day), refresh=True)
                if a.kind in NODE_ALERTS else a.text)  # fmt: skip
        if ep is None:
            ack = html.Span("—", className="muted")
        elif ep.acked_by:
            when = ep.acked_at.astimezone(CHINA).strftime("%m-%d %H:%M") if ep.acked_at else ""
            ack = html.Span(f"✔ {ep.acked_by} {when}" + (f"：{ep.ack_note}" if ep.ack_note else ""),
                            className="lvl-ok", id=f"acked-{ep.id}")  # fmt: skip
        elif not may_ack:
            ack = html.Span("未确认", className="muted")
        else:
            ack = html.Span(
                [dcc.Input(id={"type": "ack-by", "id": str(ep.id)}, placeholder="确认人",
                           className="asof-pick ack-by", maxLength=40,
                           **({"value": signed_in, "disabled": True} if signed_in else {})),
                 dcc.Input(id={"type": "ack-note", "id": str(ep.id)}, placeholder="说明（可选）",
                           className="asof-pick ack-note", maxLength=200),
                 html.Button("确认", id={"type": "ack", "id": str(ep.id)}, className="asof-live")],
                className="ack-form",
            )  # fmt: skip
        rows.append(
            html.Tr(
                [
                    html.Td(
                        f"{ALERT_ICON[a.level]} {'严重' if a.level == 'bad' else '警告'}",
                        className=f"lvl-{a.level}",
                    ),
                    html.Td(KIND_LABEL.get(a.kind, a.kind)),
                    html.Td(what),
                    html.Td(f"{since.astimezone(CHINA):%Y-%m-%d %H:%M}" if since else "—"),
                    html.Td(age_text(max((until - since).total_seconds(), 0)) if since else "—"),
                    html.Td(ack),
                ],
                id=f"alert-{a.kind}-{a.subject}",
            )
        )
    head = html.Tr([html.Th(h) for h in ("级别", "类别", "告警", "开始于", "持续", "确认")])
    table = (
        html.Table([html.Thead(head), html.Tbody(rows)], className="grid-table", id="alert-table")
        if rows
        else html.Div("✔ 当前无告警", className="panel-empty ok")
    )
    note = "回放：确认只对实时告警" if state.replay else f"共 {len(rows)} 条 · 严重在前"
    return [
        html.Div([html.H1("告警 · 需要关注", id="alerts-title"),
                  html.Div(note, className="card-summary")], className="page-head"),
        html.Div(table, className="card"),
    ]  # fmt: skip


@action(
    Output(ids.page_body("alerts"), "children", allow_duplicate=True),
    Input({"type": "ack", "id": ALL}, "n_clicks"),
    State({"type": "ack-by", "id": ALL}, "value"),
    State({"type": "ack-note", "id": ALL}, "value"),
    State(ids.URL, "search"),
    capability="ack",
    page="alerts",
    prevent_initial_call=True,
)
def acknowledge(services, clicks, names, notes, search):
    """Acknowledge the alert whose button was pressed, then redraw the alert list."""
    trigger = dash.ctx.triggered_id
    if not trigger or not any(clicks):
        return dash.no_update
    ids_in_order = [item["id"]["id"] for item in dash.ctx.inputs_list[0]]
    index = ids_in_order.index(trigger["id"])
    message = None
    try:
        actions.acknowledge(services, int(trigger["id"]), names[index], notes[index])
    except actions.ActionRefused as exc:
        message = str(exc)
    try:
        page, view = services.view("/alerts", search or "")
        body = page.body(services.context(page, view))
    except ViewError as exc:
        body = frame.not_found(exc)
    return (
        [html.Div(f"⚠ {message}", className="alert-banner", id="ack-error")] if message else []
    ) + body
