"""create_app: the Dash wall. Callbacks stay thin: they read, build an overview, draw panels.

The map's geometry is sent once, with the page; every refresh patches its colours and texts.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dash
from dash import Input, Output, dcc, html

from wall import ids, queries
from wall.chinatime import CHINA, deadline_end, format_cn_date, now_utc
from wall.overview import Overview, build_overview
from wall.panels import gdmap
from wall.panels import plan as plan_panels
from wall.plan.loader import cached_plan
from wall.progress import Progress, list_events
from wall.settings import Settings
from wall.state.db import connect
from wall.store import Store, StoreError, store_from_settings

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
REPLAY_AFTER_S = 60  # an as-of more than this in the past is a replay, not the live view


def parse_asof(search: str | None) -> datetime:
    """Read ?asof=YYYY-MM-DD (the end of that China day); anything else means now."""
    from urllib.parse import parse_qs

    values = parse_qs((search or "").lstrip("?")).get("asof")
    if values:
        try:
            day = datetime.strptime(values[0], "%Y-%m-%d").date()
        except ValueError:
            return now_utc()
        # the last instant of that day in China: events of the day count, the next day's not
        return min(deadline_end(day) - timedelta(microseconds=1), now_utc())
    return now_utc()


@dataclass(frozen=True)
class WallState:
    overview: Overview
    views: list[gdmap.CityView]
    health: dict[str, queries.NodeHealth]
    replay: bool
    store_error: str | None


def wall_state(settings: Settings, store: Store, asof: datetime) -> WallState:
    """Everything one refresh shows, as of an instant."""
    plan = cached_plan(settings.plan_path)
    with closing(connect(settings.state_db_path)) as conn:
        progress = Progress(plan, list_events(conn))
    now = now_utc()
    replay = (now - asof).total_seconds() > REPLAY_AFTER_S
    error = None
    try:
        figures = {m: queries.province_figure(store, plan, m, asof) for m in queries.WALL_FIGURES}
        health = {} if replay else queries.node_health(store, settings.stale_after_s, now)

        def reached(target_id: str, when: datetime):
            return queries.target_reached_at(store, plan, plan.target(target_id), when)

    except StoreError as exc:  # keep showing the plan and progress; say the data is away
        error, figures, health, reached = str(exc), {}, {}, None
    ov = build_overview(plan, progress, asof, figures, reached)
    states = {v.node.id: v.state for v in ov.nodes}
    views = gdmap.city_views(plan, states, health, now, replay=replay)
    return WallState(ov, views, health, replay, error)


def banner(state: WallState):
    """A banner when data is not arriving: the store is away, or every node's data is stale."""
    if state.store_error:
        return html.Div(f"⚠ 数据存储不可用：{state.store_error[:120]}", className="alert-banner")
    if state.replay or not state.health:
        return None
    if all(h.health == "stale" for h in state.health.values()):
        newest = max(h.time for h in state.health.values()).astimezone(CHINA)
        return html.Div(f"⚠ 采集中断 · 最后更新 {newest:%m-%d %H:%M}", className="alert-banner")
    return None


def node_summary(state: WallState, node_id: str | None):
    """The clicked city's node: state, health, data age, figures (operator pages come later)."""
    if not node_id:
        return html.Div("点击地图上的城市查看节点概况", className="summary-hint")
    view = next((v for v in state.overview.nodes if v.node.id == node_id), None)
    if view is None:
        return html.Div("未知节点", className="summary-hint")
    node = view.node
    h = state.health.get(node_id)
    provider = state.overview.plan.provider(node.provider).name
    rows = [
        ("节点", f"{node.name}（{node.id}）"),
        ("状态", plan_panels.STATE_LABEL[view.state] + (" · 逾期" if view.late else "")),
        ("计划", format_cn_date(node.deadline) if node.deadline else "—"),
        (
            "上线/对接",
            format_cn_date(view.live_at.astimezone(CHINA).date()) if view.live_at else "—",
        ),
        ("服务方", provider),
    ]
    if h is not None:
        rows += [
            ("健康", gdmap.HEALTH_LABEL[h.health]),
            ("最后数据", f"{h.time.astimezone(CHINA):%Y-%m-%d %H:%M:%S}"),
            ("云资源整体使用率", f"{h.utilization:.1%}" if h.utilization is not None else "—"),
            ("CPU 利用率", f"{h.cpu_util:.1%}" if h.cpu_util is not None else "—"),
        ]
    return html.Table(
        [html.Tr([html.Th(k), html.Td(v)]) for k, v in rows], className="summary", id="node-summary"
    )


def create_app(settings: Settings) -> dash.Dash:
    """Build the Dash app; every asset is served by the app itself (no CDN, no remote font)."""
    plan = cached_plan(settings.plan_path)
    connect(settings.state_db_path).close()  # create and migrate before the first request
    store = store_from_settings(settings)
    app = dash.Dash(
        __name__,
        title="广东数字政府政务云 · 全省一片云",
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        compress=False,
        update_title=None,
    )
    demo_banner = (
        html.Div("演示模式 · 未启用登录 · 数据为模拟", className="demo-banner", id="demo-banner")
        if settings.demo
        else None
    )

    def layout():
        # geometry only: the first refresh fires at once and patches in colours and texts, so the
        # page load does not read the store a second time
        views = gdmap.city_views(plan, {}, {}, now_utc())
        return html.Div(
            [
                dcc.Location(id=ids.URL),
                dcc.Interval(id=ids.REFRESH, interval=int(settings.refresh_s * 1000)),
                html.Header(
                    [
                        html.H1("广东“数字政府”政务云 · 全省一片云"),
                        html.Div(plan.document, className="doc-no"),
                        html.Div(id=ids.ASOF, className="asof"),
                        html.Div(id=ids.CLOCK, className="clock"),
                        demo_banner,
                    ],
                    className="wall-header",
                ),
                html.Div(id=ids.BANNER),
                html.Div(id=ids.TILES),
                html.Main(
                    [
                        html.Section(
                            [
                                html.H2("全省一片云 · 节点分布与健康"),
                                dcc.Graph(
                                    id=ids.MAP,
                                    figure=gdmap.figure(views, settings.geometry_path),
                                    config={
                                        "topojsonURL": "/assets/topojson/",
                                        "displayModeBar": False,
                                        "scrollZoom": False,
                                        "responsive": True,
                                    },
                                    className="map-graph",
                                    style={"height": "52vh"},
                                ),
                                html.Div(gdmap.legend(), className="legend"),
                                html.Div(id=ids.SUMMARY),
                            ],
                            className="col-map panel",
                        ),
                        html.Section(
                            [html.H2("实施计划里程碑 · 计划与实际"), html.Div(id=ids.MILESTONES)],
                            className="col-milestones panel",
                        ),
                    ],
                    className="main-grid",
                ),
                html.Div(id=ids.NODES),
            ],
            className="wall",
        )

    app.layout = layout

    @app.callback(
        Output(ids.TILES, "children"),
        Output(ids.MAP, "figure"),
        Output(ids.MILESTONES, "children"),
        Output(ids.NODES, "children"),
        Output(ids.BANNER, "children"),
        Output(ids.CLOCK, "children"),
        Output(ids.ASOF, "children"),
        Output(ids.SUMMARY, "children"),
        Input(ids.REFRESH, "n_intervals"),
        Input(ids.URL, "search"),
        Input(ids.MAP, "clickData"),
    )
    def refresh(_n, search, click):
        asof = parse_asof(search)
        state = wall_state(settings, store, asof)
        now = now_utc().astimezone(CHINA)
        asof_label = (
            f"截至 {format_cn_date(asof.astimezone(CHINA).date())}" if state.replay else "实时"
        )
        node_id = (click or {}).get("points", [{}])[0].get("customdata") if click else None
        return (
            plan_panels.tiles(state.overview),
            gdmap.patch(state.views),
            plan_panels.milestone_table(state.overview),
            plan_panels.nodes_by_tier(state.overview),
            banner(state),
            now.strftime("%Y-%m-%d %H:%M"),
            asof_label,
            node_summary(state, node_id),
        )

    return app
