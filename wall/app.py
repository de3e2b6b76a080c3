"""create_app: the Dash wall. Callbacks stay thin: they read, build an overview, draw panels."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import dash
from dash import Input, Output, dcc, html

from wall import ids, queries
from wall.chinatime import CHINA, deadline_end, format_cn_date, now_utc
from wall.overview import build_overview
from wall.panels import plan as plan_panels
from wall.plan.loader import cached_plan
from wall.progress import Progress, list_events
from wall.settings import Settings
from wall.state.db import connect
from wall.store import Store, store_from_settings

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


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


def render_body(settings: Settings, store: Store, asof: datetime) -> list:
    """The wall's content as of an instant (plan, progress, metrics, milestones)."""
    plan = cached_plan(settings.plan_path)
    with closing(connect(settings.state_db_path)) as conn:
        progress = Progress(plan, list_events(conn))
    figures = {m: queries.province_figure(store, plan, m, asof) for m in queries.WALL_FIGURES}

    def reached(target_id: str, when: datetime):
        return queries.target_reached_at(store, plan, plan.target(target_id), when)

    ov = build_overview(plan, progress, asof, figures, reached)
    return [
        plan_panels.tiles(ov),
        html.Div(
            [
                html.Div(plan_panels.nodes_by_tier(ov), className="col-nodes"),
                html.Div(
                    [html.H2("实施计划里程碑 · 计划与实际"), plan_panels.milestone_table(ov)],
                    className="col-milestones",
                ),
            ],
            className="main-grid",
        ),
    ]


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
    banner = (
        html.Div("演示模式 · 未启用登录 · 数据为模拟", className="demo-banner", id="demo-banner")
        if settings.demo
        else None
    )
    app.layout = html.Div(
        [
            dcc.Location(id=ids.URL),
            dcc.Interval(id=ids.REFRESH, interval=int(settings.refresh_s * 1000)),
            html.Header(
                [
                    html.H1("广东“数字政府”政务云 · 全省一片云"),
                    html.Div(plan.document, className="doc-no"),
                    html.Div(id=ids.ASOF, className="asof"),
                    html.Div(id=ids.CLOCK, className="clock"),
                    banner,
                ],
                className="wall-header",
            ),
            html.Main(id=ids.BODY, className="wall-body"),
        ],
        className="wall",
    )

    @app.callback(
        Output(ids.BODY, "children"),
        Output(ids.CLOCK, "children"),
        Output(ids.ASOF, "children"),
        Input(ids.REFRESH, "n_intervals"),
        Input(ids.URL, "search"),
    )
    def refresh(_n, search):
        asof = parse_asof(search)
        now = now_utc().astimezone(CHINA)
        asof_label = (
            f"截至 {format_cn_date(asof.astimezone(CHINA).date())}"
            if (now_utc() - asof).total_seconds() > 60
            else "实时"
        )
        return render_body(settings, store, asof), now.strftime("%Y-%m-%d %H:%M"), asof_label

    return app
