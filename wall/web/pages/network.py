"""The government extranet (/network): every link of the links file with its state, latency,
loss and bandwidth use, sortable; and 梅州's 网随云动 demonstration (重点任务（五）) counted link
by link against the plan's two dates."""

from __future__ import annotations

from dash import dash_table, html

from wall.core.chinatime import format_cn_date
from wall.read.network import Demonstration, LinkRow
from wall.web.registry import page
from wall.web.services import PageContext
from wall.web.urls import node_href
from wall.web.widgets import FONT

STATE_ORDER = {"down": 0, "stale": 1, "degraded": 2, "none": 3, "up": 4}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def link_table(rows: list[LinkRow], names: dict[str, str]) -> dash_table.DataTable:
    """One row a link, the troubled first; sortable by any column in the page."""
    data = []
    for r in sorted(rows, key=lambda r: (STATE_ORDER[r.state], r.link.id)):
        h = r.health
        data.append({
            "link": r.link.name,
            "node": f"[{names.get(r.link.node, r.link.node)}]({node_href(r.link.node)})",
            "site": r.link.site or "—",
            "carrier": r.link.carrier,
            "mbps": r.link.mbps,
            "state": r.words,
            "rtt": None if h is None or h.rtt_ms is None or r.state == "down" else round(h.rtt_ms, 1),
            "loss": _percent(h.loss) if h is not None else None,
            "util": _percent(h.util) if h is not None else None,
        })  # fmt: skip
    return dash_table.DataTable(
        id="link-table",
        data=data,
        columns=[
            {"id": "link", "name": "链路"},
            {"id": "node", "name": "节点", "presentation": "markdown"},
            {"id": "site", "name": "县区站点"},
            {"id": "carrier", "name": "运营商"},
            {"id": "mbps", "name": "签约带宽（Mbit/s）", "type": "numeric"},
            {"id": "state", "name": "状态"},
            {"id": "rtt", "name": "时延（ms）", "type": "numeric"},
            {"id": "loss", "name": "丢包率（%）", "type": "numeric"},
            {"id": "util", "name": "带宽使用率（%）", "type": "numeric"},
        ],
        sort_action="native",
        style_as_list_view=True,
        style_header={"backgroundColor": "#0d1e33", "color": "#9db4d2", "fontWeight": "bold"},
        style_cell={"backgroundColor": "#07121f", "color": "#e6f0ff", "border": "1px solid #14304f",
                    "fontFamily": FONT, "fontSize": "15px", "textAlign": "left"},
        style_data_conditional=[
            {"if": {"filter_query": '{state} = "中断"'}, "color": "#ffc9c9", "fontWeight": "bold"},
            {"if": {"filter_query": '{state} = "质量下降"'}, "color": "#ffe08a"},
        ],
        markdown_options={"link_target": "_self"},
    )  # fmt: skip


def demonstration_card(d: Demonstration, plan) -> html.Div:
    milestone = plan.milestone(d.milestone)
    due = format_cn_date(milestone.deadline) if milestone.deadline else "持续"
    total = len(d.links)
    items = [
        html.Li(f"{r.link.site or r.link.name} · {r.words}", className=f"demo-link demo-{r.state}")
        for r in d.links
    ]
    return html.Div(
        [
            html.H3(milestone.title),
            html.Div(
                [html.B(f"{d.answering} / {total}"), f" 条链路在线 · 计划 {due}"],
                className="demo-count",
            ),
            html.Ul(items, className="demo-links"),
        ],
        className="demo",
        id=f"demo-{d.milestone}",
    )


@page("network", "/network", "政务外网", "pages", order=35)
def network_body(ctx: PageContext) -> list:
    read = ctx.read
    rows = read.link_rows(ctx.layouts.thresholds)
    names = {n.id: n.name for n in read.plan.nodes}
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.words] = counts.get(r.words, 0) + 1
    summary = html.Div(
        [html.Span(f"共 {len(rows)} 条", className="score-item")]
        + [html.Span([html.B(str(n)), f" {w}"], className="score-item") for w, n in counts.items()],
        className="score",
        id="link-summary",
    )
    demos = [demonstration_card(d, read.plan) for d in read.demonstrations(rows)]
    return [
        html.Div(
            [html.H1("电子政务外网 · 链路状态", id="network-title"), summary], className="page-head"
        ),
        html.Div(
            [
                html.Div(
                    [html.H2("梅州“网随云动”政务外网示范 · 按链路探测计"), *demos], className="card"
                ),
                html.Div(
                    [html.H2("全部链路"), link_table(rows, names)], className="card", id="links"
                ),
            ],
            className="col-main",
        ),
    ]
