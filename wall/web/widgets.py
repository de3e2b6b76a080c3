"""Pieces the pages and panels share (below both): the wall's font, chart settings, the words
and classes of states, milestone statuses and severities, and small cells."""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import html

from wall.core.chinatime import CHINA, format_cn_date
from wall.core.formats import age_text
from wall.core.layouts import Level
from wall.core.plan.models import NodeState
from wall.read.mapview import HEALTH_LABEL
from wall.read.milestones import MilestoneStatus
from wall.read.wallstate import WallState

FONT = '"GD Wall Sans", "GD Wall Symbols", "Noto Sans CJK SC", sans-serif'
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "locale": "zh-CN"}
SEVERITY_LABEL = {"high": "高危", "medium": "中危", "low": "低危"}
ALERT_ICON = {Level.bad: "✖", Level.warn: "▲"}
# alerts about a node (they link to its page); the others are about milestones
NODE_ALERTS = {"down", "stale", "degraded", "node_utilization", "cpu_util", "security"}
STATE_CLASS = {
    NodeState.planned: "state-planned",
    NodeState.building: "state-building",
    NodeState.online: "state-online",
    NodeState.not_docked: "state-planned",
    NodeState.displayed: "state-building",
    NodeState.interop: "state-online",
}
STATUS_CLASS = {
    MilestoneStatus.done_on_time: "ms-ok",
    MilestoneStatus.done_late: "ms-late",
    MilestoneStatus.overdue: "ms-overdue",
    MilestoneStatus.open: "ms-open",
    MilestoneStatus.ongoing: "ms-open",
    MilestoneStatus.unknown: "ms-unknown",
}
STATUS_ICON = {
    MilestoneStatus.done_on_time: "✔",
    MilestoneStatus.done_late: "◔",
    MilestoneStatus.overdue: "✖",
    MilestoneStatus.open: "○",
    MilestoneStatus.ongoing: "∞",
    MilestoneStatus.unknown: "？",
}


def tick_format(span: timedelta) -> str:
    """Axis dates the Chinese way, as fine as the range needs."""
    if span <= timedelta(days=1):
        return "%H:%M"
    if span <= timedelta(days=31):
        return "%m月%d日"
    return "%Y年%m月"


def day_text(t: datetime | None) -> str:
    """A China day the Chinese way; "—" when there is none."""
    return format_cn_date(t.astimezone(CHINA).date()) if t else "—"


def health_cell(state: WallState, node_id: str) -> html.Td:
    h = state.health.get(node_id)
    if state.replay:
        return html.Td("回放", className="muted")
    if h is None:
        return html.Td("⚠ 无数据", className="health health-stale")
    mark = {"ok": "✔", "degraded": "▲", "down": "✖", "stale": "⚠"}.get(h.health, "")
    age = age_text(max((state.now - h.time).total_seconds(), 0))
    return html.Td(
        f"{mark} {HEALTH_LABEL[h.health]} · {age}前", className=f"health health-{h.health}"
    )
