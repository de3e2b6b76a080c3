"""KPI tiles against the plan: value, target, trend, freshness and a state named by the
thresholds file — shown as text and icon as well as colour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dash import html

from wall.core.chinatime import CHINA, deadline_end, format_cn_date
from wall.core.formats import format_cn_number
from wall.core.layouts import TILE_KINDS, Layouts, Level, Panel, Thresholds
from wall.core.plan.models import NodeState, Tier
from wall.read.wallstate import WallState
from wall.web.panels.plan import next_target
from wall.web.panels.registry import panel

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
    if state.replay:
        return f"数据日期 {format_cn_date(when.astimezone(CHINA).date())}"
    newest = [h.time for h in state.health.values() if h.time]
    at = max(newest) if newest else when
    return f"更新于 {at.astimezone(CHINA):%H:%M}"


def figure_tile(
    state: WallState, th: Thresholds, tile_id: str, label: str, metric: str
) -> html.Div:
    """A provincial figure against the target due next: pace by plan_pace, red only when the
    deadline has passed unmet."""
    ov = state.overview
    target = next_target(ov, metric)
    goal = (
        f"目标 ≥{format_cn_number(target.value)} {target.unit} · {format_cn_date(target.deadline)}"
    )
    figure = ov.figures.get(metric)
    if figure is None or figure.value is None:
        return tile(tile_id, label, "—", goal, Level.none, note="暂无采集数据")
    pace = figure.value / target.value
    level = th["plan_pace"].level(pace) if "plan_pace" in th.fields else Level.none
    overdue = ov.asof >= deadline_end(target.deadline)
    if level == Level.bad and not overdue:
        level = Level.warn  # behind, but the deadline has not passed
    if pace >= 1:
        level = Level.ok
    trend = (
        f"近30天 {_signed(figure.value - figure.previous, format_cn_number)}"
        if figure.previous is not None
        else ""
    )
    mark = "✔ 已达标" if pace >= 1 else ("✖ 逾期未达标" if overdue else None)
    return tile(
        tile_id,
        label,
        format_cn_number(figure.value),
        f"{goal} · 完成 {pace:.0%}",
        level,
        trend,
        _fresh_note(state, figure.time),
        _province_stale(state),
        mark,
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


def utilization_tile(state: WallState, th: Thresholds) -> html.Div:
    util = state.province_utilization
    goal = "目标 ≥60%（地市上线1年内）"
    if util is None:
        return tile("utilization", "全省资源使用率", "—", goal, Level.none, note="暂无采集数据")
    level = (
        th["province_utilization"].level(util)
        if "province_utilization" in th.fields
        else Level.none
    )
    before = state.utilization_before
    trend = ""
    if before is not None:
        delta = round((util - before) * 100, 1)
        trend = (
            f"近30天 {_signed(delta, lambda d: f'{d:.1f}个百分点')}" if delta else "近30天 ■ 持平"
        )
    return tile(
        "utilization", "全省资源使用率", f"{util:.1%}", goal, level, trend,
        _fresh_note(state, state.now), _all_stale(state),
    )  # fmt: skip


def city_targets_tile(state: WallState, th: Thresholds) -> html.Div:
    meeting, due, online = state.city_targets()
    goal = "迁移率≥50% 且 使用率≥60%"
    if not due:
        return tile(
            "city_targets", "地市一年期达标", "—", goal, Level.none,
            f"已上线 {online} 个，未满一年", "上线满1年后考核",
        )  # fmt: skip
    level = th["city_targets"].level(meeting / due) if "city_targets" in th.fields else Level.none
    return tile(
        "city_targets", "地市一年期达标", f"{meeting}/{due}", goal, level,
        f"上线满一年 {due} 个 · 已上线 {online} 个", _fresh_note(state, state.now),
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
        "vcpu": lambda: figure_tile(state, th, "vcpu", "省级计算能力", "vcpu_total"),
        "migrated": lambda: figure_tile(state, th, "migrated", "省级业务系统迁移上云", "systems_migrated"),
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
        "utilization": lambda: utilization_tile(state, th),
        "city_targets": lambda: city_targets_tile(state, th),
        "incidents": lambda: incidents_tile(state, th),
    }  # fmt: skip
    return html.Div([builders[k]() for k in kinds], className="tiles")


@panel("tiles")
def tiles_panel(spec: Panel, state: WallState, layouts: Layouts) -> html.Div:
    return tiles(state, spec.tiles or list(TILE_KINDS), layouts.thresholds)
