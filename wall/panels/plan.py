"""Panels of plan versus actual: target tiles, node cards by tier, the milestone table."""

from __future__ import annotations

from dash import html

from wall.chinatime import CHINA, format_cn_date
from wall.overview import NodeView, Overview
from wall.plan.models import STATE_LABEL, TIER_LABEL, NodeState, Tier
from wall.progress import MILESTONE_STATUS_LABEL, MilestoneStatus

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


def tile(label: str, value: str, target: str, note: str, level: str, tile_id: str) -> html.Div:
    """One KPI tile: big value, the plan's target, a note; level is ok/warn/bad/none."""
    return html.Div(
        [
            html.Div(label, className="tile-label"),
            html.Div(value, className="tile-value"),
            html.Div(target, className="tile-target"),
            html.Div(note, className="tile-note"),
        ],
        className=f"tile tile-{level}",
        id=tile_id,
    )


def tiles(ov: Overview) -> html.Div:
    """Tiles for the plan's countable targets; metric tiles say plainly when data is missing."""
    cities_online = ov.count(Tier.city, NodeState.online)
    prd = ov.count(Tier.prd, NodeState.displayed, NodeState.interop)
    prd_interop = ov.count(Tier.prd, NodeState.interop)
    ind = ov.count(Tier.industry, NodeState.displayed, NodeState.interop)
    vcpu = ov.plan.target("prov-vcpu")
    mig = next_target(ov, "systems_migrated")
    late_cities = sum(1 for v in ov.nodes if v.node.tier == Tier.city and v.late and not v.done)
    late_prd = sum(1 for v in ov.nodes if v.node.tier == Tier.prd and v.late and not v.done)

    def level(done: int, total: int, late: bool) -> str:
        return "ok" if done == total else ("bad" if late else "warn")

    return html.Div(
        [
            tile(
                "地市节点上线",
                f"{cities_online}/{ov.total(Tier.city)}",
                "目标：2020年6月30日前全部建成",
                f"{late_cities} 个逾期未完成" if late_cities else "无逾期未完成",
                level(cities_online, ov.total(Tier.city), late_cities > 0),
                "tile-cities",
            ),
            tile(
                "珠三角自建云对接",
                f"{prd}/{ov.total(Tier.prd)}",
                f"其中资源互通 {prd_interop}",
                f"{late_prd} 个逾期未对接" if late_prd else "无逾期未对接",
                level(prd, ov.total(Tier.prd), late_prd > 0),
                "tile-prd",
            ),
            tile(
                "特色行业云对接",
                f"{ind}/{ov.total(Tier.industry)}",
                "一事一议，持续推进",
                "党建 人才 气象 医疗",
                "none",
                "tile-industry",
            ),
            figure_tile("省级计算能力", ov, "vcpu_total", vcpu, "tile-vcpu"),
            figure_tile("省级业务系统迁移上云", ov, "systems_migrated", mig, "tile-migrated"),
        ],
        className="tiles",
    )


def next_target(ov: Overview, metric: str):
    """The provincial target of a metric that is due next as of the overview's date (the 400
    of 2019 before 2020, the 1,000 of 2020 after), or the last one once all are past."""
    from wall.chinatime import deadline_end

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


def format_cn_number(value: float) -> str:
    """Large figures the Chinese way: 92,848 → 9.28万; 350,000,000 → 3.5亿."""
    if abs(value) >= 1e8:
        return f"{value / 1e8:.3g}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.3g}万"
    return f"{value:,.0f}"


def figure_tile(label: str, ov: Overview, metric: str, target, tile_id: str) -> html.Div:
    """A provincial figure against its target: value, target, date of the data, and state."""
    from wall.chinatime import deadline_end

    figure = ov.figures.get(metric)
    goal = (
        f"目标 ≥{format_cn_number(target.value)} {target.unit}（{format_cn_date(target.deadline)}）"
    )
    if figure is None or figure.value is None:
        return tile(label, "—", goal, "暂无采集数据", "none", tile_id)
    met = figure.value >= target.value
    overdue = not met and ov.asof >= deadline_end(target.deadline)
    level = "ok" if met else ("bad" if overdue else "warn")
    when = format_cn_date(figure.time.astimezone(CHINA).date())
    note = f"{'已达标' if met else ('逾期未达标' if overdue else '未达标')} · 数据日期 {when}"
    return tile(label, format_cn_number(figure.value), goal, note, level, tile_id)


def node_card(view: NodeView) -> html.Div:
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
    return html.Div(
        [html.Div(node.name, className="node-name"), html.Div(bits, className="node-meta")],
        className="node-card" + (" node-late" if view.late and not view.done else ""),
        id=f"node-{node.id}",
        title=node.id,
    )


def nodes_by_tier(ov: Overview) -> html.Div:
    """All nodes of the plan, one section per tier."""
    sections = []
    for tier in Tier:
        views = [v for v in ov.nodes if v.node.tier == tier]
        sections.append(
            html.Section(
                [
                    html.H2(f"{TIER_LABEL[tier]}（{len(views)}）"),
                    html.Div([node_card(v) for v in views], className="node-grid"),
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
                    html.Td(m.title, className="ms-title"),
                    html.Td(
                        format_cn_date(m.deadline) if m.deadline else "持续",
                        className="ms-deadline",
                    ),
                    html.Td(
                        f"{STATUS_ICON[status]} {MILESTONE_STATUS_LABEL[status]}",
                        className=f"ms-status {STATUS_CLASS[status]}",
                    ),
                    html.Td(
                        (format_cn_date(done) if done else "")
                        + (f" {outcome.detail}" if outcome.detail else "")
                    ),
                ],
                id=f"ms-{m.id}",
            )
        )
    head = html.Tr([html.Th(h) for h in ("序号", "工作任务", "计划完成", "状态", "完成情况")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="milestones")
