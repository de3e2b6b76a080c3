"""Pieces the pages and panels share (below both): the wall's font, chart settings, the words
and classes of states, milestone statuses and severities, and small cells."""

from __future__ import annotations

from datetime import datetime, timedelta

import plotly.graph_objects as go
import plotly.io as pio
from dash import html

from wall.core.chinatime import CHINA, format_cn_date
from wall.core.formats import age_text, cn_axis
from wall.core.layouts import Level
from wall.core.plan.models import NodeState
from wall.read.judge import State, Verdict
from wall.read.mapview import HEALTH_LABEL
from wall.read.wallstate import WallState

FONT = '"GD Wall Sans", "GD Wall Symbols", "Noto Sans CJK SC", sans-serif'
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "locale": "zh-CN"}


def _chart_template() -> go.layout.Template:
    """plotly_dark's look for the operator pages' line charts, without its settings for chart
    kinds the wall never draws (3D scenes, polar, ternary, colour scales…): plotly copies and
    validates a figure's template each time one is set (~35 ms of the node page's layout for
    its four charts) and sends it with every figure (7 KB each)."""
    dark = pio.templates["plotly_dark"].layout
    keep = ("font", "colorway", "xaxis", "yaxis", "hoverlabel", "hovermode", "title",
            "annotationdefaults", "shapedefaults", "autotypenumbers")  # fmt: skip
    return go.layout.Template(layout={k: dark[k] for k in keep})


pio.templates["gdwall"] = _chart_template()
CHART_TEMPLATE = "gdwall"
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
# the judge's states: the class that colours them and the mark that says them without colour
STATUS_CLASS = {
    State.met_on_time: "ms-ok",
    State.met_late: "ms-late",
    State.overdue: "ms-overdue",
    State.missed: "ms-overdue",
    State.unmet: "ms-overdue",
    State.behind: "ms-late",
    State.on_track: "ms-open",
    State.not_due: "ms-open",
    State.ongoing: "ms-open",
    State.unknown: "ms-unknown",
}
STATUS_ICON = {
    State.met_on_time: "✔",
    State.met_late: "◔",
    State.overdue: "✖",
    State.missed: "✖",
    State.unmet: "✖",
    State.behind: "▲",
    State.on_track: "○",
    State.not_due: "○",
    State.ongoing: "∞",
    State.unknown: "？",
}


def verdict_attrs(v: Verdict) -> dict:
    """A verdict on the page as data (state, due date, figure), for whoever reads the page:
    the agreement test compares them with the bulletin's record."""
    return {
        "data-verdict": v.id,
        "data-state": v.state.value,
        "data-due": v.due.isoformat() if v.due else "",
        "data-figure": v.figure_text,
        "data-met": v.met_at.astimezone(CHINA).date().isoformat() if v.met_at else "",
    }


def verdict_cell(v: Verdict, **kwargs) -> html.Td:
    """A verdict's state in words, icon and colour, with what decided it as the tooltip."""
    why = "；".join(x for x in (v.figure_text, v.reason) if x)
    return html.Td(f"{STATUS_ICON[v.state]} {v.label}", className=f"ms-status {STATUS_CLASS[v.state]}",
                   title=why or None, **kwargs)  # fmt: skip


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


def cn_yaxis(values, rangemode: str = "tozero", whole: bool = False) -> dict:
    """A plotly y axis labelled in 万 and 亿 (the wall's one number format), for the values
    a chart draws (`whole`: counts, ticks on whole numbers only); empty when there is
    nothing to draw."""
    import math

    numbers = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if not numbers:
        return {}
    low = 0.0 if rangemode == "tozero" else min(numbers)
    high = max(max(numbers), low + 1)
    return {"tickmode": "array", **cn_axis(low, high, whole=whole), "rangemode": rangemode}
