"""Operations panels: security operations over the last day, and the alert ticker."""

from __future__ import annotations

from datetime import date

from dash import html

from wall.core.alerts import Alert
from wall.core.chinatime import CHINA, format_cn_date
from wall.core.layouts import Layouts, Level, Panel, Thresholds
from wall.read.judge import State
from wall.read.queries import SEVERITIES
from wall.read.wallstate import WallState
from wall.web.panels.registry import panel
from wall.web.urls import node_href
from wall.web.widgets import ALERT_ICON, NODE_ALERTS, SEVERITY_LABEL, verdict_attrs


def _day(when) -> str:
    return format_cn_date(when.astimezone(CHINA).date())


def security(state: WallState, th: Thresholds) -> html.Div:
    """Events by severity and node over the last 24 h, open incidents, and each node's
    security platform against its six-months-after-going-live deadline."""
    rows = state.security_rows
    if state.security is None:
        return html.Div("暂无安全运营数据", className="panel-empty")
    totals = state.security.events_by("severity")
    deployed = sum(1 for r in rows if r.platform_at is not None)
    late = sum(1 for r in rows if r.late)
    head = html.Div(
        [
            *(
                html.Span(f"{SEVERITY_LABEL[s]} {totals.get(s, 0):,.0f}", className=f"sev sev-{s}")
                for s in SEVERITIES
            ),
            html.Span(f"未关闭事件 {state.security.open_total}", className="sev"),
            html.Span(f"安全平台已部署 {deployed}/{len(rows)}", className="sev"),
            html.Span(f"✖ 逾期 {late}", className="sev late") if late else None,
        ],
        className="sec-summary",
    )
    high_t = th.fields.get("high_events_24h")
    body = []
    for r in sorted(rows, key=lambda r: (-r.events.get("high", 0), -r.open_incidents, r.node_id)):
        high = r.events.get("high", 0)
        level = high_t.level(high) if high_t else Level.none
        v = r.verdict  # the judge's (附件第4项: six months after going live, by 2020-12-31)
        if r.platform_at is not None:
            platform = f"✔ {_day(r.platform_at)}" + (" 逾期" if r.late else "")
        elif v.reason:
            platform = f"— {v.reason}"
        else:
            platform = f"{'✖ 逾期' if r.late else '○ 期限'} {format_cn_date(v.due)}"
        body.append(
            html.Tr(
                [
                    html.Td(
                        html.A(r.name, href=node_href(r.node_id, state.replay_day) + "#security")
                    ),
                    *(
                        html.Td(
                            f"{r.events.get(s, 0):,.0f}",
                            className=f"num sev-{s}" + (f" lvl-{level}" if s == "high" else ""),
                        )
                        for s in SEVERITIES
                    ),
                    html.Td(str(r.open_incidents), className="num"),
                    html.Td(platform, className="late" if r.late else "", **verdict_attrs(v)),
                ],
                id=f"sec-{r.node_id}",
            )
        )
    head_row = html.Tr(
        [
            html.Th(h)
            for h in ("节点", "高危", "中危", "低危", "未关闭", "安全平台（6个月内·附件第4项）")
        ]
    )
    return html.Div(
        [head, html.Table([html.Thead(head_row), html.Tbody(body)], className="sec-table")]
    )


def alert_item(alert: Alert, replay_day=None, episode=None) -> html.Li:
    """One alert; a node's alert links to the node page that explains it. With its episode:
    since when it holds, and whether someone has acknowledged it."""
    text = (
        html.A(
            alert.text,
            href=node_href(alert.subject, replay_day),
            className="alert-link",
            title=alert.text,
        )
        if alert.kind in NODE_ALERTS
        else html.Span(alert.text, title=alert.text)
    )
    extra = []
    if alert.since is not None:  # the plan's own date: late since its deadline, not today
        day = format_cn_date(alert.since.astimezone(CHINA).date())
        extra.append(html.Span(f"自 {day}", className="alert-since"))
    elif episode is not None:
        extra.append(html.Span(f"自 {episode.first_seen.astimezone(CHINA):%m-%d %H:%M}",
                               className="alert-since"))  # fmt: skip
        if episode.acked_by:
            extra.append(html.Span(f"✔ {episode.acked_by} 已确认", className="alert-acked"))
    return html.Li(
        [html.Span(ALERT_ICON[alert.level], className="alert-icon"), text, *extra],
        className=f"alert alert-{alert.level} alert-{alert.kind}",
    )


def alert_rows(alerts: int, limit: int) -> tuple[int, int]:
    """How an alert panel spends its `limit` rows, all of one height (wall.css): the alerts
    shown, the last row counting the rest when they do not all fit; and the rows left over for
    the quiet room (the "no alert" line takes one)."""
    shown = alerts if alerts <= limit else limit - 1
    used = max(shown, 1) + (shown < alerts)
    return shown, limit - used


def _only(component, narrow: bool, wide: bool):
    """A row with the class that hides it in the area that does not show it: `wide-only`
    outside a wall three times wider than high, `narrow-only` on one (wall.css)."""
    if narrow != wide:
        where = "narrow-only" if narrow else "wide-only"
        name = getattr(component, "className", None)
        component.className = f"{name} {where}" if name else where
    return component


def alerts(
    state: WallState, limit: int, quiet: str = "none", wide_limit: int | None = None
) -> html.Div:
    """What needs attention now, most severe first; the rest counted. The rows the alerts
    leave go to what the layout says (`quiet`): the plan's next deadlines. With a
    `wide_limit` (the panel's rows in its wide area) one list serves both areas, each row
    the other does not hold marked so (_only): the server cannot know which a screen shows,
    and a second copy of the panel cost the page's opening ~50 ms (benchmarks)."""
    items = state.alerts
    count, room = alert_rows(len(items), limit)
    wide_count, wide_room = alert_rows(len(items), wide_limit) if wide_limit else (count, room)
    shown = [
        _only(
            alert_item(a, state.replay_day, state.episodes.get(f"{a.kind}:{a.subject}")),
            i < count,
            i < wide_count,
        )
        for i, a in enumerate(items[: max(count, wide_count)])
    ]
    rows = [
        html.Ul(shown, className="alerts")
        if shown
        else html.Div("✔ 当前无告警", className="panel-empty ok")
    ]
    more, wide_more = len(items) - count, len(items) - wide_count
    if more > 0:  # the last row counts the rest: one row when both areas count the same
        rows.append(_only(html.Div(f"另有 {more} 条", className="alerts-more"), True, wide_more == more))  # fmt: skip
    if wide_more > 0 and wide_more != more:
        rows.append(_only(html.Div(f"另有 {wide_more} 条", className="alerts-more"), False, True))  # fmt: skip
    if quiet == "deadlines":
        rows.append(upcoming(state, room, wide_room))
    return html.Div(rows, className="alerts-body")


def upcoming(state: WallState, rows: int, wide_rows: int | None = None) -> html.Div | None:
    """In `rows` rows (`wide_rows` in the wide area), a heading and the plan's next deadlines
    (up to three) with the days left; once every deadline is past, how the plan ended (the
    judge's milestone states, two rows). None when there is no room for it in either area."""
    wide_rows = rows if wide_rows is None else wide_rows
    most = max(rows, wide_rows)
    if most < 2:
        return None
    if pending := state.next_deadlines(min(3, most - 1)):
        items = [
            _only(deadline_item(v, left), i < rows - 1, i < wide_rows - 1)
            for i, (v, left) in enumerate(pending)
        ]
        return _only(
            html.Div([html.H3("即将到期"), html.Ul(items, className="deadlines")], className="upcoming"),
            rows >= 2,
            wide_rows >= 2,
        )  # fmt: skip
    if most < 3:
        return None
    counts: dict[str, int] = {}
    for v in state.verdicts.milestones:
        counts[v.label] = counts.get(v.label, 0) + 1
    summary = [html.Span([html.B(str(n)), f" {label}"], className="score-item")
               for label, n in sorted(counts.items(), key=lambda kv: -kv[1])]  # fmt: skip
    results = _only(
        html.Div([html.H3("规划期截止日期均已过 · 里程碑结果"), html.Div(summary, className="score")],
                 className="upcoming"),
        rows >= 3,
        wide_rows >= 3,
    )  # fmt: skip
    missed = year_missed(state, rows - 3, wide_rows - 3)
    return html.Div([results, *missed]) if missed else results


def year_missed(state: WallState, rows: int, wide_rows: int) -> list:
    """In the rows the plan's results leave: the cities whose one-year target (附件第6项) was
    missed, the failures a leader asks about once every deadline is past: under a heading, a
    row each with what failed and the anniversary; where they do not all fit, one row naming
    them. Nothing where no row is left or none missed."""
    missed = sorted((v for v in state.verdicts.year.values() if v.state == State.missed),
                    key=lambda v: (v.due or date.max, v.id))  # fmt: skip
    if not missed:
        return []
    names = {v.node.id: v.node.city or v.node.name for v in state.overview.nodes}

    def form(left: int) -> str:
        return "rows" if left >= len(missed) + 1 else "line" if left >= 1 else "none"

    narrow, wide = form(rows), form(wide_rows)
    heading = "上线一周年目标未达成"
    out = []
    if "line" in (narrow, wide):
        cities = "、".join(names.get(v.node_id, v.node_id) for v in missed)
        line = html.H3(
            f"{heading}：{cities}", className="year-missed-line", title=f"{heading}：{cities}"
        )
        out.append(_only(line, narrow == "line", wide == "line"))
    if "rows" in (narrow, wide):
        items = [year_missed_item(v, names.get(v.node_id, v.node_id)) for v in missed]
        block = html.Div([html.H3(f"{heading} · {len(missed)} 市"), html.Ul(items, className="deadlines")],
                         className="upcoming year-missed")  # fmt: skip
        out.append(_only(block, narrow == "rows", wide == "rows"))
    return out


def year_missed_item(v, city: str) -> html.Li:
    due = html.Span(f"一周年 {format_cn_date(v.due)}" if v.due else "", className="deadline-due")
    return html.Li(
        [
            html.Span(city, className="days-left"),
            html.Span(v.reason, className="deadline-title", title=v.reason),
            due,
        ],
        className="deadline",
        **verdict_attrs(v),
    )


def deadline_item(v, left: int) -> html.Li:
    due = html.Span(
        f"{format_cn_date(v.due)} · {v.label}", className="deadline-due", **verdict_attrs(v)
    )
    return html.Li(
        [
            html.Span(f"{left} 天", className="days-left"),
            html.Span(v.title, className="deadline-title"),
            due,
        ],
        className="deadline",
    )


@panel("security")
def security_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Div:
    return security(state, layouts.thresholds)


@panel("alerts")
def alerts_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Div:
    """The alerts in the panel's rows, and in its wide area's (`wide_limit`) when it has one."""
    return alerts(state, spec.limit, spec.quiet, spec.wide_limit)
