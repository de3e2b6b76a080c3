"""Panels of plan versus actual: node cards by tier, the milestone table."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import date

from dash import dcc, html

from wall.core.chinatime import CHINA, format_cn_date
from wall.core.formats import short_unit
from wall.core.layouts import Layouts, Panel
from wall.core.plan.models import STATE_LABEL, TIER_LABEL, Tier
from wall.read.judge import State, Verdict
from wall.read.overview import NodeView, Overview
from wall.read.wallstate import WallState
from wall.web.panels.registry import panel, remember
from wall.web.urls import node_href
from wall.web.widgets import STATE_CLASS, verdict_attrs, verdict_cell

# how wide a name one column of the node grid holds on one line, in em of the name's text
# (wall.css: a column at least 9.5 units, less 0.9 of padding, is 7.7 em of names 1.1 units
# tall), with a little to spare
CARD_NAME_EM = 7.5


def name_em(text: str) -> float:
    """A text's width in em: a Chinese (wide) character 1, any other about half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


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
    classes = ["node-card"]
    if view.late and not view.done:
        classes.append("node-late")
    if name_em(node.name) > CARD_NAME_EM:  # a long name takes two columns, not a clipped one
        classes.append("node-wide")
    return html.A(  # the card is the link to the node's page
        [html.Div(node.name, className="node-name"), html.Div(bits, className="node-meta")],
        className=" ".join(classes),
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


# what a leader must see first when the panel cannot hold every row: what is late or
# failed, then what is still open (the nearest due first), then what was finished late,
# then what was finished on time (the most recent first)
_URGENCY = {State.overdue: 0, State.missed: 0, State.unmet: 0, State.behind: 0,
            State.unknown: 1, State.on_track: 1, State.not_due: 1, State.ongoing: 1,
            State.met_late: 2, State.met_on_time: 3}  # fmt: skip


def for_the_wall(verdicts: list[Verdict], limit: int) -> tuple[list[Verdict], list[Verdict]]:
    """The rows a panel of `limit` rows shows, in the plan's order, and those it leaves out:
    every late or failed row first, the rest by urgency."""
    if len(verdicts) <= limit:
        return list(verdicts), []

    def urgency(v: Verdict) -> tuple:
        recent = -v.met_at.timestamp() if v.met_at else 0.0
        return (_URGENCY[v.state], v.due or date.max, recent)

    keep = {v.id for v in sorted(verdicts, key=urgency)[: limit - 1]}  # a row for the rest
    return [v for v in verdicts if v.id in keep], [v for v in verdicts if v.id not in keep]


def milestone_row(v: Verdict, full: bool = False) -> html.Tr:
    """One row of the plan: its due date, where the plan says it, the judge's state (words,
    icon and colour) and who leads; `full` adds the plan's section and who cooperates."""
    done = v.met_at.astimezone(CHINA).date() if v.met_at else None
    cells = [
        html.Td(v.seq, className="ms-seq"),
        html.Td(v.title, className="ms-title", title=f"{v.title}（{v.section}）"),
    ]
    if full:
        cells.append(html.Td(v.section, className="ms-section"))
    cells += [
        html.Td(format_cn_date(v.due) if v.due else "持续", className="ms-deadline"),
        verdict_cell(v),
        html.Td(  # the date, or what decided it (the tooltip says why)
            format_cn_date(done) if done else v.figure_text,
            title="；".join(x for x in (v.figure_text, v.reason) if x) or None,
            className="ms-done",
        ),
    ]
    if full:
        cells += [
            html.Td("；".join(x for x in (v.figure_text, v.reason) if x), className="ms-why"),
            html.Td("、".join(v.lead) or "—", className="ms-lead"),
            html.Td("、".join(v.cooperate) or "—", className="ms-cooperate"),
        ]
    else:
        cells.append(
            html.Td(  # who leads, short; the full names and who cooperates on hover
                "、".join(short_unit(u) for u in v.lead) or "—",
                title=f"牵头：{'、'.join(v.lead) or '—'}\n配合：{'、'.join(v.cooperate) or '—'}",
                className="ms-lead",
            )
        )
    return html.Tr(
        cells,
        id=f"ms-{v.id}",
        className="ms-checkpoint" if v.checkpoint else None,
        **verdict_attrs(v),
    )


MILESTONE_COLUMNS = (("seq", "序号"), ("title", "工作任务"), ("deadline", "计划完成"),
                     ("status", "状态"), ("done", "完成"), ("lead", "牵头"))  # fmt: skip
FULL_COLUMNS = (("seq", "序号"), ("title", "工作任务"), ("section", "方案出处"),
                ("deadline", "计划完成"), ("status", "状态"), ("done", "完成"),
                ("why", "依据"), ("lead", "牵头部门"), ("cooperate", "配合部门"))  # fmt: skip


def milestone_table(
    verdicts: list[Verdict], limit: int | None = None, replay_day=None
) -> html.Table:
    """The plan's rows as the judge decides them, the implementation steps' checkpoints in
    their own style. With a `limit` (a panel on the wall) the late and open rows come first
    and a last row counts the others and links to the whole table (/plan); without one,
    every row with its section, evidence and units."""
    full = limit is None
    shown, rest = for_the_wall(verdicts, limit) if limit else (verdicts, [])
    columns = FULL_COLUMNS if full else MILESTONE_COLUMNS
    rows = [milestone_row(v, full) for v in shown]
    if rest:
        counts = Counter(v.label for v in rest)
        summary = "、".join(f"{label} {n} 项" for label, n in counts.most_common())
        rows.append(
            html.Tr(
                html.Td(
                    dcc.Link(
                        f"另有 {summary} · 全部 {len(verdicts)} 项见实施计划",
                        href=plan_href(replay_day),
                        refresh=True,
                    ),
                    colSpan=len(columns),
                ),
                className="ms-more",
                id="ms-more",
            )
        )
    head = html.Tr([html.Th(h) for _, h in columns])
    cols = html.Colgroup([html.Col(className=f"c-{c}") for c, _ in columns])
    return html.Table(
        [cols, html.Thead(head), html.Tbody(rows)],
        className="milestones milestones-full" if full else "milestones",
    )


def plan_href(replay_day=None) -> str:
    return f"/plan?asof={replay_day.isoformat()}" if replay_day else "/plan"


# the milestones as last drawn, by the verdicts they were drawn from (decided once a minute:
# a refresh within that minute reuses the table); the verdicts are kept with their drawing,
# so the identity that keys them cannot be reused by another list while the entry lives
_DRAWN: dict[tuple, tuple[list[Verdict], html.Table]] = {}


@panel("milestones")
def milestones_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Table:
    verdicts = state.overview.milestones
    key = (id(verdicts), spec.limit, state.replay_day)
    kept = _DRAWN.get(key)
    if kept is not None and kept[0] is verdicts:
        return kept[1]
    table = milestone_table(verdicts, spec.limit, state.replay_day)
    if len(_DRAWN) >= 16:
        _DRAWN.clear()
    # a live table is drawn again only once a minute: digested, a refresh may leave it out
    _DRAWN[key] = (verdicts, table if state.replay else remember(table))
    return table


@panel("nodes")
def nodes_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Div:
    return nodes_by_tier(state.overview, state.replay_day)
