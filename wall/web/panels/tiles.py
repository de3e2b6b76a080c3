"""KPI tiles against the plan: value, target, trend, freshness and a state named by the
thresholds file — shown as text and icon as well as colour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dash import html

from wall.core.chinatime import CHINA, format_cn_date
from wall.core.formats import format_cn_number
from wall.core.layouts import TILE_KINDS, Layouts, Level, Panel, Thresholds
from wall.core.plan.models import NodeState, Tier
from wall.read.judge import State, Verdict
from wall.read.wallstate import WallState
from wall.web.panels.registry import panel
from wall.web.widgets import verdict_attrs

LEVEL_MARK = {Level.ok: "✔ 达标", Level.careful: "● 留意", Level.warn: "▲ 关注",
              Level.bad: "✖ 落后", Level.none: "— 无数据"}  # fmt: skip


def tile(
    tile_id: str,
    label: str,
    value: str,
    target: str,
    level: Level,
    trend: str = "",
    note: str = "",
    stale: str | None = None,
    mark: str | None = None,
    verdict: Verdict | None = None,
) -> html.A:
    """One tile. `stale` (the time of the last data) greys it out and says the data stopped."""
    status = "■ 数据中断" if stale else (mark or LEVEL_MARK[level])
    return html.A(  # each tile opens the page that explains it
        [
            html.Div(
                [html.Span(label), html.Span(status, className="tile-mark")], className="tile-label"
            ),
            html.Div(
                [
                    html.Span(value, className="tile-value"),
                    html.Span(trend, className="tile-trend"),
                ],
                className="tile-main",
            ),
            html.Div(target, className="tile-target"),
            html.Div(f"数据中断 · 最后更新 {stale}" if stale else note, className="tile-note"),
        ],
        className=f"tile tile-{'stale' if stale else level.value}",
        id=f"tile-{tile_id}",
        href=TILE_PAGES.get(tile_id, "/"),
        **(verdict_attrs(verdict) if verdict is not None else {}),
    )


# where each tile's explanation lives
TILE_PAGES = {
    "vcpu": "/province",
    "migrated": "/province",
    "cities": "/?screen=operations",
    "prd": "/prd",
    "industry": "/?screen=operations",
    "utilization": "/compare?field=utilization",
    "city_targets": "/compare?field=migration_rate",
    "incidents": "/alerts",
}


def _signed(delta: float, fmt: Callable[[float], str]) -> str:
    arrow = "▲" if delta > 0 else ("▼" if delta < 0 else "■")
    return f"{arrow} {'+' if delta > 0 else ''}{fmt(delta)}"


def _province_stale(state: WallState) -> str | None:
    """When every provincial centre's data is stale: the time of its newest sample."""
    prov = [v.node.id for v in state.overview.nodes if v.node.tier == Tier.province]
    health = [state.health[n] for n in prov if n in state.health]
    if state.replay or not health or any(h.health != "stale" for h in health):
        return None
    return max(h.time for h in health).astimezone(CHINA).strftime("%m-%d %H:%M")


def _all_stale(state: WallState) -> str | None:
    if state.replay or not state.health or any(h.health != "stale" for h in state.health.values()):
        return None
    return max(h.time for h in state.health.values()).astimezone(CHINA).strftime("%m-%d %H:%M")


def _fresh_note(state: WallState, when: datetime | None) -> str:
    if when is None:
        return ""
    if state.replay:  # never later than the day replayed (a tile timed by the refresh's now)
        return f"数据日期 {format_cn_date(min(when, state.asof).astimezone(CHINA).date())}"
    newest = [h.time for h in state.health.values() if h.time]
    at = max(newest) if newest else when
    return f"更新于 {at.astimezone(CHINA):%H:%M}"


# the judge's state as a tile's level: red only when the plan's moment passed unmet
STATE_LEVEL = {
    State.met_on_time: Level.ok, State.met_late: Level.ok, State.on_track: Level.ok,
    State.behind: Level.warn, State.not_due: Level.ok, State.ongoing: Level.ok,
    State.overdue: Level.bad, State.missed: Level.bad, State.unmet: Level.bad,
    State.unknown: Level.none,
}  # fmt: skip


def figure_tile(state: WallState, tile_id: str, label: str, metric: str) -> html.Div:
    """A provincial figure against the target due next, as the judge decides it (on track or
    behind the straight line to it, met, overdue)."""
    v = state.verdicts.next_target.get(metric)
    figure = state.overview.figures.get(metric)
    if v is None:
        return tile(tile_id, label, "—", "", Level.none, note="方案未设此项目标")
    goal = f"目标 {v.goal_text} · {format_cn_date(v.due)}" if v.due else f"目标 {v.goal_text}"
    if figure is None or figure.value is None:
        return tile(tile_id, label, "—", goal, Level.none, note="暂无采集数据")
    target = state.overview.plan.target(v.id)
    trend = (
        f"近30天 {_signed(figure.value - figure.previous, format_cn_number)}"
        if figure.previous is not None
        else ""
    )
    marks = {State.met_on_time: "✔ 已达标", State.met_late: "✔ 已达标（逾期）",
             State.overdue: "✖ 逾期未达标", State.behind: "▲ 进度滞后",
             State.unknown: "？ 无法判断"}  # fmt: skip
    return tile(
        tile_id,
        label,
        format_cn_number(figure.value),
        f"{goal} · 完成 {figure.value / target.value:.0%}",
        STATE_LEVEL[v.state],
        trend,
        v.reason if v.state == State.unknown else _fresh_note(state, figure.time),
        _province_stale(state),
        marks.get(v.state),
        v,
    )


def count_tile(
    state: WallState,
    tile_id: str,
    label: str,
    tier: Tier,
    states: tuple,
    target: str,
    extra: str = "",
) -> html.Div:
    ov = state.overview
    done, total = ov.count(tier, *states), ov.total(tier)
    late = sum(1 for v in ov.nodes if v.node.tier == tier and v.late and not v.done)
    level = Level.ok if done == total else (Level.bad if late else Level.warn)
    mark = "✔ 全部完成" if done == total else (f"✖ {late} 个逾期" if late else None)
    note = f"{late} 个逾期未完成" if late else "无逾期未完成"
    return tile(tile_id, label, f"{done}/{total}", target, level, extra, note, mark=mark)


def utilization_tile(state: WallState) -> html.Div:
    """The city nodes' 云资源整体使用率 (the plan sets its floor for them, ≥60% within a year of
    going live: the provincial platform has none), and the judge's one-year verdicts."""
    util = state.city_utilization
    goal = "目标 ≥60%（地市节点上线1年内）"
    if util is None:
        return tile("utilization", "地市资源使用率", "—", goal, Level.none, note="暂无采集数据")
    years = state.verdicts.year.values()
    missed = sum(v.state == State.missed for v in years)
    below = sum(
        1 for v in years if v.state == State.not_due and v.figure is not None and v.figure < 0.6
    )
    level = Level.bad if missed else (Level.warn if below else Level.ok)
    before = state.utilization_before
    trend = ""
    if before is not None:
        delta = round((util - before) * 100, 1)
        trend = (
            f"近30天 {_signed(delta, lambda d: f'{d:.1f}个百分点')}" if delta else "近30天 ■ 持平"
        )
    note = (f"一周年未达标 {missed} 个" if missed else "") + (
        f"{' · ' if missed else ''}未满一年低于60% {below} 个" if below else "")  # fmt: skip
    return tile(
        "utilization", "地市资源使用率", f"{util:.1%}", goal, level, trend,
        note or _fresh_note(state, state.now), _all_stale(state),
        f"✖ {missed} 个未达标" if missed else None,
    )  # fmt: skip


def city_targets_tile(state: WallState) -> html.Div:
    """The judge's one-year verdicts (附件第6项): met / decided so far."""
    met, decided, missed, live = state.city_targets()
    goal = "上线一周年：迁移率≥50% 且 使用率≥60%"
    if not decided:
        return tile(
            "city_targets", "地市一年期达标", "—", goal, Level.none,
            f"已上线 {live} 个，未满一年", "上线满1年后考核",
        )  # fmt: skip
    level = Level.bad if missed else Level.ok
    return tile(
        "city_targets", "地市一年期达标", f"{met}/{decided}", goal, level,
        f"已考核 {decided} 个 · 未达成 {missed} 个 · 已上线 {live} 个", _fresh_note(state, state.now),
        _all_stale(state),
    )  # fmt: skip


def incidents_tile(state: WallState, th: Thresholds) -> html.Div:
    sec = state.security
    if sec is None:
        return tile("incidents", "未关闭安全事件", "—", "目标 0", Level.none, note="暂无采集数据")
    n = sec.open_total
    high = sec.open_by_severity().get("high", 0)
    judge = th.fields.get("open_high_incidents")
    level = judge.level(high) if judge else Level.none  # judged by the high-severity ones
    by_sev = sec.events_by("severity")
    total = sum(by_sev.values())
    trend = f"24小时 {total:,.0f} 起 · 高危 {by_sev.get('high', 0):.0f}"
    return tile(
        "incidents", "未关闭安全事件", f"{n}", f"其中高危 {high} · 目标 0", level, trend,
        _fresh_note(state, state.now), _all_stale(state),
    )  # fmt: skip


def tiles(state: WallState, kinds: list[str], th: Thresholds) -> html.Div:
    ov = state.overview
    prd_interop = ov.count(Tier.prd, NodeState.interop)
    builders = {
        "vcpu": lambda: figure_tile(state, "vcpu", "省级计算能力", "vcpu_total"),
        "migrated": lambda: figure_tile(state, "migrated", "省级业务系统迁移上云", "systems_migrated"),
        "cities": lambda: count_tile(
            state, "cities", "地市节点上线", Tier.city, (NodeState.online,),
            "目标 2020年6月30日前全部建成",
        ),
        "prd": lambda: count_tile(
            state, "prd", "珠三角自建云对接", Tier.prd, (NodeState.displayed, NodeState.interop),
            "目标 展示对接→资源互通", f"其中资源互通 {prd_interop}",
        ),
        "industry": lambda: count_tile(
            state, "industry", "特色行业云对接", Tier.industry,
            (NodeState.displayed, NodeState.interop), "一事一议 · 党建 人才 气象 医疗",
        ),
        "utilization": lambda: utilization_tile(state),
        "city_targets": lambda: city_targets_tile(state),
        "incidents": lambda: incidents_tile(state, th),
    }  # fmt: skip
    return html.Div([builders[k]() for k in kinds], className="tiles")


@panel("tiles")
def tiles_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Div:
    return tiles(state, spec.tiles or list(TILE_KINDS), layouts.thresholds)
