"""create_app: the Dash wall. Screens come from layouts/*.yaml; callbacks stay thin: they read
the wall's state (through the cached query layer) and draw the panels of the screen on show.

The map's geometry is sent once, with the page; every refresh patches its colours and texts.
The browser paces the refreshes (assets/wall.js): it asks for the next one only when the last
has landed, so a slow store never piles requests up and never freezes the clock.
"""

from __future__ import annotations

import dataclasses
import logging
from contextlib import closing
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import dash
import numpy as np
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html

from wall.core import logs
from wall.core.chinatime import CHINA, format_cn_date, now_utc
from wall.core.layouts import TILE_KINDS, Layouts, LayoutSource, PanelKind, Screen
from wall.core.plan.loader import cached_plan
from wall.core.settings import Settings
from wall.read import cache
from wall.read.wallstate import WallState, asof_for_search, settings_now, wall_state
from wall.state import alertlog, auth
from wall.state.db import StateDatabaseError, connect
from wall.store import Store, StoreError, store_from_settings
from wall.web import access, health, ids
from wall.web.pages import admin as admin_page
from wall.web.pages import alerts as alerts_page
from wall.web.pages import bulletins as bulletins_page
from wall.web.pages import compare, frame, province, routes
from wall.web.pages import node as node_page
from wall.web.panels import gdmap, ops, tiles
from wall.web.panels import plan as plan_panels

log = logging.getLogger(__name__)
ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
MAP_CONFIG = {
    "topojsonURL": "/assets/topojson/",
    "displayModeBar": False,
    "scrollZoom": False,
    "responsive": True,
    "locale": "zh-CN",
}
REFRESH_TIMEOUT_S = 60  # a refresh not landed after this is given up and asked again


def banner(state: WallState, layout_error: Exception | None):
    """A banner when something is wrong: the store is away, every node's data is stale, or a
    layout file changed on disk and was refused."""
    items = []
    if state.store_error:
        shown = [h.time for h in state.health.values() if h.time is not None]
        last = f" · 显示 {max(shown).astimezone(CHINA):%m-%d %H:%M} 的数据" if shown else ""
        items.append(f"⚠ 数据存储不可用{last}：{state.store_error[:120]}")
    elif (
        not state.replay
        and state.health
        and all(h.health == "stale" for h in state.health.values())
    ):
        newest = max(h.time for h in state.health.values()).astimezone(CHINA)
        items.append(f"⚠ 采集中断 · 最后更新 {newest:%m-%d %H:%M}")
    if layout_error is not None:
        first = str(layout_error).splitlines()[0]
        items.append(f"⚠ 布局文件有误，仍用上一版：{first}")
    return [html.Div(t, className="alert-banner") for t in items] or None


def _area(a) -> str:
    return f"{a.row} / {a.col} / span {a.height} / span {a.width}"


_MAPS: dict[tuple, dict] = {}


def initial_map(plan, geometry_path) -> dict:
    """The map as first sent (geometry, names, no health yet), built once per process: a
    plotly figure of 21 boundaries takes longer to build than the rest of the page."""
    key = (plan.cache_name, str(geometry_path))
    if key not in _MAPS:
        views = gdmap.city_views(plan, {}, {}, now_utc())
        figure = gdmap.figure(views, geometry_path).to_plotly_json()
        for feature in figure["data"][0]["geojson"]["features"]:
            # rings as arrays: the JSON encoder passes arrays whole instead of walking
            # 60,000 coordinate pairs one by one on every page load
            geom = feature["geometry"]
            polygons = geom["coordinates"]
            if geom["type"] == "Polygon":
                polygons = [polygons]
            arrays = [[np.asarray(ring, dtype=float) for ring in poly] for poly in polygons]
            geom["coordinates"] = arrays if geom["type"] == "MultiPolygon" else arrays[0]
        _MAPS[key] = figure
    return _MAPS[key]


def screen_div(
    screen: Screen,
    plan,
    settings: Settings,
    layouts: Layouts,
    state: WallState | None,
    with_map: bool = True,
) -> html.Div:
    """One screen: its panels on the grid the layout file gives (and its wide variant), drawn
    with the state given (the page arrives complete; refreshes replace the panels) or empty
    until its first refresh; the callbacks' validation layout leaves out the map's figure."""
    g = screen.grid
    sections = []
    for i, p in enumerate(screen.panels):
        style = {"--area": _area(p.area), "--area-wide": _area(p.wide or p.area)}
        first = render_panel(p, state, layouts) if state is not None else None
        body = html.Div(first, id=ids.panel(screen.id, i), className="panel-body")
        if p.panel == PanelKind.map:
            figure = initial_map(plan, settings.geometry_path) if with_map else None
            if figure is not None and state is not None:
                figure = gdmap.with_views(figure, state.views)
            body = html.Div(
                [
                    dcc.Graph(
                        id=ids.map_graph(screen.id),
                        figure=figure,
                        config=MAP_CONFIG,
                        className="map-graph",
                        style={"height": "100%", "width": "100%"},
                    ),
                    html.Div(
                        [
                            html.Div(gdmap.legend(), className="legend"),
                            html.Div("点击城市查看节点详情", className="summary-hint"),
                        ],
                        className="map-side",
                    ),
                    html.Div(id=ids.panel(screen.id, i), className="panel-hidden"),
                ],
                className="panel-body map-body",
            )
        children = [html.H2(p.title)] if p.title else []
        sections.append(
            html.Section([*children, body], className=f"panel panel-{p.panel.value}", style=style)
        )
    style = {
        "--cols": str(g.columns),
        "--rows": str(g.rows),
        "--wide-cols": str(g.wide_columns or g.columns),
        "--wide-rows": str(g.wide_rows or g.rows),
    }
    return html.Div(sections, id=ids.screen(screen.id), className="screen", style=style)


def active_screen(layouts: Layouts, search: str, now_ms: int) -> str:
    """The screen on show: ?screen= if it names one, else the carousel's position by the wall
    clock (the same rule as assets/wall.js, so the page opens on the screen the browser keeps)."""
    from urllib.parse import parse_qs

    wanted = parse_qs(search).get("screen", [""])[0]
    names = [s.id for s in layouts.screens]
    if wanted in names:
        return wanted
    rotating = [s for s in layouts.screens if s.dwell_s > 0]
    if not rotating:
        return names[0]
    t = now_ms % sum(int(s.dwell_s * 1000) for s in rotating)
    for s in rotating:
        if t < int(s.dwell_s * 1000):
            return s.id
        t -= int(s.dwell_s * 1000)
    return rotating[-1].id


def page_config(layouts: Layouts) -> dict:
    reloads = [s.reload_s for s in layouts.screens if s.reload_s > 0]
    return {
        "screens": [
            {
                "id": s.id,
                "title": s.title,
                "dwell_ms": int(s.dwell_s * 1000),
                "refresh_ms": int(s.refresh_s * 1000),
            }
            for s in layouts.screens
        ],
        "reload_ms": int(min(reloads) * 1000) if reloads else 0,
        "timeout_ms": REFRESH_TIMEOUT_S * 1000,
        "version": layouts.version,
    }


def render_panel(panel, state: WallState, layouts: Layouts):
    th = layouts.thresholds
    kind = panel.panel
    if kind == PanelKind.tiles:
        return tiles.tiles(state, panel.tiles or list(TILE_KINDS), th)
    if kind == PanelKind.milestones:
        return plan_panels.milestone_table(state.overview)
    if kind == PanelKind.nodes:
        return plan_panels.nodes_by_tier(state.overview, state.replay_day)
    if kind == PanelKind.security:
        return ops.security(state, th)
    if kind == PanelKind.alerts:
        return ops.alerts(state, panel.limit)
    return None  # the map is patched, not re-rendered


def create_app(settings: Settings, store: Store | None = None) -> dash.Dash:
    """Build the Dash app; every asset is served by the app itself (no CDN, no remote font)."""
    plan = cached_plan(settings.plan_path)
    connect(settings.state_db_path).close()  # create and migrate before the first request
    store = store or store_from_settings(settings)

    def audit_files(target: str, files: list[Path]) -> None:
        try:
            with closing(connect(settings.state_db_path)) as conn:
                auth.audit_config(conn, target, files)
        except (StateDatabaseError, OSError) as exc:
            log.warning("configuration change not audited: %s", exc)

    def layouts_changed(directory: Path) -> None:
        audit_files("layouts", sorted(Path(directory).glob("*.yaml")))

    # a bad layout refuses to start, naming the line
    source = LayoutSource(settings.layouts_dir, on_change=layouts_changed)
    layouts_changed(source.directory)  # the versions running now, if not yet in the trail
    audit_files("plan", [Path(settings.plan_path)])
    cache.configure(
        cache.QueryCache(settings.redis_url, ttl_s=max(settings.cache_bucket_s * 6, 60))
    )
    app = dash.Dash(
        __name__,
        title="广东数字政府政务云 · 全省一片云",
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        compress=True,  # flask-compress: plotly.js travels as brotli/gzip, not 4.6 MB
        update_title=None,
    )
    app.server.after_request(_cache_headers)
    # the layout and the callback list are asked for while the scripts still load, not after
    # (the renderer's own requests then find the answers already on their way)
    prefix = app.config.requests_pathname_prefix
    preloads = "".join(
        f'\n        <link rel="preload" href="{prefix}{path}" as="fetch" crossorigin="anonymous">'
        for path in ("_dash-layout", "_dash-dependencies")
    )
    app.index_string = dash.dash._default_index.replace("{%css%}", "{%css%}" + preloads)
    demo_banner = (
        html.Div("演示模式 · 未启用登录 · 数据为模拟", className="demo-banner", id="demo-banner")
        if settings.demo
        else None
    )

    def asof_control(label: str | None) -> html.Div:
        return html.Div(
            [
                html.Label("查看日期", htmlFor=ids.ASOF_PICK),
                dcc.Input(
                    id=ids.ASOF_PICK,
                    type="date",
                    min=plan.period.start.isoformat(),
                    max=datetime.now(CHINA).date().isoformat(),
                    className="asof-pick",
                ),
                html.Button("实时", id=ids.ASOF_LIVE, className="asof-live"),
                html.Div(label, id=ids.ASOF, className="asof"),
            ],
            className="asof-control",
        )

    def layout(validation: bool = False):
        """The page a path names: the wall at /, an operator page elsewhere (the path is
        the Referer's: Dash asks every page's layout from the same address)."""
        if validation:  # every component any callback names, for Dash to check them against
            return html.Div([wall_layout(True), operator_layout("/node/-", "", validation=True)])
        where = page_location()
        if where.get("pathname", "/") in ("", "/") or not for_a_page():
            return wall_layout()
        return operator_layout(where["pathname"], where["search"])

    def render_page(pathname: str, search: str) -> list:
        """The body of an operator page, or a clear "not found" saying what is wrong."""
        layouts = source.get()
        try:
            route = routes.parse(pathname, search, plan, settings_now(settings))
            asof = asof_for_search(search)
            if route.page == "compare":
                return compare.compare_body(store, plan, route, wall_state_asof(asof))
            if route.page == "bulletins":
                return bulletins_page.bulletins_body(settings.bulletin_path)
            if route.page == "admin":
                return admin_view()
            if route.page == "alerts":
                state = with_episodes(wall_state(settings, store, asof, layouts.thresholds))
                user = access.signed_in()
                return alerts_page.alerts_body(
                    state, user.name if user else None, access.may("ack")
                )
            if route.page in ("province", "prd"):
                state = wall_state(settings, store, asof, layouts.thresholds)
                build = province.province_body if route.page == "province" else province.prd_body
                return build(state, store, route)
            node = next(n for n in plan.nodes if n.id == route.node_id)
            state = wall_state(settings, store, asof, layouts.thresholds, scope=node)
            return node_page.node_body(
                node_page.NodeContext(node, state, route), store, layouts.thresholds
            )
        except routes.NotFound as exc:
            return frame.not_found(exc)
        except StoreError as exc:  # the page says so; the wall's banner says the same
            return [html.Div(f"⚠ 数据存储不可用：{str(exc)[:200]}", className="alert-banner")]

    synced: dict[str, object] = {"now": None, "episodes": {}}

    def with_episodes(state: WallState) -> WallState:
        """Record the live alerts and read back their episodes (since when each holds, who
        acknowledged it) once per cache bucket in this process; refreshes within the bucket
        reuse them, so the state database is not opened on every refresh."""
        if state.replay:
            return state
        if synced["now"] != state.now:
            try:
                with closing(connect(settings.state_db_path)) as conn:
                    alertlog.sync(conn, state.alerts, state.now)
                    synced["episodes"] = alertlog.open_episodes(conn)
                synced["now"] = state.now
            except StateDatabaseError as exc:  # bookkeeping must never cost the wall its refresh
                log.warning("alert log not updated: %s", exc)
                return state
        return dataclasses.replace(state, episodes=synced["episodes"])

    def wall_state_asof(asof: datetime) -> datetime:
        """The instant a page's figures are read as of: a replayed day, or now's bucket."""
        now = settings_now(settings)
        return asof if (now - asof).total_seconds() > 60 else now

    @app.server.route("/bulletins/download/<name>")
    def download_bulletin(name: str):
        """A file of the bulletin archive, as an attachment (names only: no path escapes)."""
        from flask import abort, send_from_directory

        if "/" in name or "\\" in name or name.startswith(".") or not name.startswith("bulletin-"):
            abort(404)
        response = send_from_directory(settings.bulletin_path, name, as_attachment=True)
        access.audit(settings, "bulletin_download", name)
        return response

    @app.callback(
        Output(ids.PAGE_BODY, "children", allow_duplicate=True),
        Input("bulletin-make", "n_clicks"),
        State("bulletin-period", "value"),
        State("bulletin-formats", "value"),
        prevent_initial_call=True,
    )
    def make_bulletin(clicks, period, formats):
        """Produce a bulletin into the archive from the evaluators' page."""
        from wall import bulletin
        from wall.bulletin.evaluation import PeriodError, load_bulletin_config, parse_period
        from wall.core.configfile import ConfigError
        from wall.core.progress import Progress
        from wall.state.progress import list_events

        if not clicks:
            return dash.no_update
        archive = settings.bulletin_path
        try:
            if not formats:
                raise bulletin.BulletinError("请至少选择一种格式")
            the_period = parse_period(period or "", datetime.now(CHINA).date())
            with closing(connect(settings.state_db_path)) as conn:
                progress = Progress(plan, list_events(conn))
            config = load_bulletin_config(settings.bulletin_config)
            b = bulletin.build(store, plan, progress, the_period, config)
            written = bulletin.write(b, list(formats), archive)
            access.audit(settings, "bulletin_make", the_period.label,
                         "、".join(p.name for p in written))  # fmt: skip
        except (PeriodError, bulletin.BulletinError, StoreError, ConfigError) as exc:
            return bulletins_page.bulletins_body(archive, f"⚠ {exc}", error=True)
        return bulletins_page.bulletins_body(
            archive, f"✔ 已生成 {the_period.label} 的通报，见下方归档"
        )

    def admin_view(message: str | None = None, error: bool = False) -> list:
        return admin_page.admin_body(settings.state_db_path, message, error, source.directory)

    @app.callback(
        Output(ids.PAGE_BODY, "children", allow_duplicate=True),
        Input("admin-thresholds-save", "n_clicks"),
        State("admin-thresholds", "value"),
        prevent_initial_call=True,
    )
    def admin_thresholds(clicks, text):
        """Replace thresholds.yaml from the administrators' page: validated first (the error
        names line and field, the file stays), written atomically, audited with its hash."""
        from wall.core.layouts import replace_thresholds

        if not clicks:
            return dash.no_update
        try:
            digest = replace_thresholds(source.directory, text or "")
        except (ValueError, OSError) as exc:
            return admin_view(f"⚠ 阈值未保存：{exc}", error=True)
        access.audit(settings, "thresholds_edit", "thresholds.yaml", f"sha256={digest[:16]}")
        return admin_view("✔ 阈值已保存，各大屏下次刷新时采用")

    @app.callback(
        Output(ids.PAGE_BODY, "children", allow_duplicate=True),
        Input("admin-user-add", "n_clicks"),
        Input({"type": "user-disable", "id": ALL}, "n_clicks"),
        State("admin-user-name", "value"),
        State("admin-user-role", "value"),
        State("admin-user-password", "value"),
        prevent_initial_call=True,
    )
    def admin_users(add, disables, name, role, password):
        """Add a user, or disable one, from the administrators' page (audited)."""
        trigger = dash.ctx.triggered_id
        if not trigger or not (add or any(disables or [])):
            return dash.no_update
        try:
            with closing(connect(settings.state_db_path)) as conn:
                if trigger == "admin-user-add":
                    user = auth.add_user(conn, name or "", role or "", password or "")
                    done, target, detail = "user_add", user.name, f"role={user.role}"
                else:
                    target = trigger["id"]
                    auth.disable_user(conn, target)
                    done, detail = "user_disable", None
        except auth.AuthError as exc:
            return admin_view(f"⚠ {exc}", error=True)
        access.audit(settings, done, target, detail)
        said = "已新增用户" if done == "user_add" else "已停用用户"
        return admin_view(f"✔ {said}：{target}")

    @app.callback(
        Output(ids.PAGE_BODY, "children", allow_duplicate=True),
        Input("admin-token-add", "n_clicks"),
        Input({"type": "token-revoke", "id": ALL}, "n_clicks"),
        State("admin-token-label", "value"),
        prevent_initial_call=True,
    )
    def admin_tokens(add, revokes, label):
        """Create a screen's token (its sign-in address shown once), or revoke one (audited)."""
        from flask import request

        trigger = dash.ctx.triggered_id
        if not trigger or not (add or any(revokes or [])):
            return dash.no_update
        user = access.signed_in()
        try:
            with closing(connect(settings.state_db_path)) as conn:
                if trigger == "admin-token-add":
                    token_id, token = auth.create_token(
                        conn, label or "", user.name if user else "演示"
                    )
                    access.audit(settings, "token_add", f"{token_id}:{label}")
                    address = f"{request.host_url.rstrip('/')}/login/token/{token}"
                    return admin_view(f"✔ 令牌已创建，请在大屏上打开（只显示这一次）：{address}")
                token_id = int(trigger["id"])
                revoked = auth.revoke_token(conn, token_id)
        except (auth.AuthError, ValueError) as exc:
            return admin_view(f"⚠ {exc}", error=True)
        access.audit(settings, "token_revoke", f"{token_id}:{revoked}")
        return admin_view(f"✔ 已吊销令牌 {token_id}（{revoked}）")

    @app.server.route("/export/ranking.<fmt>")
    def export_ranking(fmt: str):
        """The ranking table as a file, with the same numbers as the page."""
        from flask import Response, request

        try:
            route = routes.parse(
                "/compare", request.query_string.decode(), plan, settings_now(settings)
            )
            field = compare.rank_field(route.params)
            frame = compare.ranking(
                store, plan, field, wall_state_asof(asof_for_search(request.query_string.decode()))
            )
            body, mime = compare.export(frame, field, fmt)
        except routes.NotFound as exc:
            return Response(str(exc), status=404, mimetype="text/plain")
        except StoreError as exc:
            return Response(f"数据存储不可用：{exc}", status=503, mimetype="text/plain")
        access.audit(settings, "export", f"ranking.{fmt}", field)
        day = datetime.now(CHINA).strftime("%Y%m%d")
        name = quote(f"节点排名-{compare.RANK_FIELDS[field].label}-{day}.{fmt}")
        return Response(body, mimetype=mime,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})  # fmt: skip

    def operator_layout(pathname: str, search: str, validation: bool = False):
        body = [] if validation else render_page(pathname, search)
        location = dcc.Location(
            id=ids.URL, refresh="callback-nav", **({} if validation else page_location())
        )
        header = frame.page_header(
            asof_control(None),
            demo_banner,
            access.user_badge(),
            lambda path: access.may(access.page_capability(path)),
        )
        return frame.page(location, header, body)

    def wall_layout(validation: bool = False):
        layouts = source.get()
        search = page_search()
        state = None if validation else first_state(layouts, search)
        active = active_screen(layouts, search, int(now_utc().timestamp() * 1000))
        # only the screen on show is drawn now; the others when the carousel reaches them
        screens = [
            screen_div(
                s, plan, settings, layouts, state if s.id == active else None, not validation
            )
            for s in layouts.screens
        ]
        if not validation:
            for div in screens:
                if div.id == ids.screen(active):
                    div.className = "screen active"
        return html.Div(
            [
                # given the page's own address, so that mounting it changes no property and
                # triggers no refresh of a page that arrived drawn
                dcc.Location(
                    id=ids.URL, refresh="callback-nav", **({} if validation else page_location())
                ),
                dcc.Interval(id=ids.TICK, interval=1000),
                dcc.Store(id=ids.CONFIG, data=page_config(layouts)),
                dcc.Store(id=ids.TRIGGER),
                dcc.Store(id=ids.NAV),
                dcc.Store(id=ids.DONE, data=landed(state, layouts)),
                dcc.Store(id=ids.SCREEN, data=None if validation else active),
                html.Header(
                    [
                        html.H1("广东“数字政府”政务云 · 全省一片云"),
                        html.Div(id=ids.SCREEN_TITLE, className="screen-title"),
                        html.Div(plan.document, className="doc-no"),
                        asof_control(asof_label(state)),
                        html.Div(id=ids.STATUS, className="refresh-status"),
                        demo_banner,
                        access.user_badge(),
                        html.Div(id=ids.CLOCK, className="clock"),
                    ],
                    className="wall-header",
                ),
                html.Div(
                    banner(state, source.error) if state else None,
                    id=ids.BANNER,
                    className="banners",
                ),
                html.Div(
                    screens,
                    className="screens",
                ),
            ],
            className="wall",
        )

    def page_location() -> dict:
        """The address of the page asking for its layout (the Referer of that request)."""
        from urllib.parse import urlsplit

        from flask import has_request_context, request

        if not has_request_context() or not request.referrer:
            return {}
        url = urlsplit(request.referrer)
        search = f"?{url.query}" if url.query else ""
        return {"pathname": url.path, "search": search, "hash": "", "href": request.referrer}

    def page_search() -> str:
        return page_location().get("search", "").lstrip("?")

    def for_a_page() -> bool:
        """Whether a browser is asking for its page's layout (not Dash checking the layout
        at start-up or rendering its index): only then is the store read for it."""
        from flask import has_request_context, request

        return has_request_context() and request.path.endswith("/_dash-layout")

    def first_state(layouts: Layouts, search: str) -> WallState | None:
        """The state the page opens with, as of the page's ?asof=, from the cache the
        refreshes share."""
        if not for_a_page():
            return None
        try:
            state = wall_state(settings, store, asof_for_search(search), layouts.thresholds)
            return with_episodes(state)
        except Exception:  # the first refresh will say what is wrong, in its banner
            log.exception("first paint of the wall failed")
            return None

    app.layout = layout
    # what the browser checks callbacks against: every component, without the map's 250 KB
    # figure (Dash would otherwise put a whole rendered layout into every page's config)
    app.validation_layout = layout(validation=True)

    app.clientside_callback(
        ClientsideFunction("wall", "schedule"),
        Output(ids.SCREEN, "data"),
        Output(ids.screen(ALL), "className"),
        Output(ids.SCREEN_TITLE, "children"),
        Input(ids.TICK, "n_intervals"),
        Input(ids.URL, "search"),
        State(ids.CONFIG, "data"),
        State(ids.SCREEN, "data"),
    )
    app.clientside_callback(  # the date control and ?asof= in the URL follow each other
        ClientsideFunction("wall", "asof"),
        Output(ids.URL, "search"),
        Output(ids.ASOF_PICK, "value"),
        Input(ids.URL, "search"),
        Input(ids.ASOF_PICK, "value"),
        Input(ids.ASOF_LIVE, "n_clicks"),
    )
    app.clientside_callback(
        ClientsideFunction("wall", "pace"),
        Output(ids.TRIGGER, "data"),
        Output(ids.STATUS, "children"),
        Output(ids.CLOCK, "children"),
        Input(ids.TICK, "n_intervals"),
        State(ids.CONFIG, "data"),
        State(ids.SCREEN, "data"),
        State(ids.DONE, "data"),
    )

    @app.callback(
        Output(ids.panel(ALL, ALL), "children"),
        Output(ids.map_graph(ALL), "figure"),
        Output(ids.BANNER, "children"),
        Output(ids.ASOF, "children"),
        Output(ids.DONE, "data"),
        Input(ids.TRIGGER, "data"),
        Input(ids.SCREEN, "data"),
        Input(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def refresh(_trigger, screen_id, search):
        layouts = source.get()
        outputs = dash.ctx.outputs_list
        panel_ids = [o["id"] for o in outputs[0]]
        map_ids = [o["id"] for o in outputs[1]]
        done = {"t": now_utc().timestamp(), "version": layouts.version}
        try:
            screen = layouts.screen(screen_id)
        except KeyError:  # before the browser has chosen a screen, or a screen just removed
            nu = dash.no_update
            return [nu] * len(panel_ids), [nu] * len(map_ids), nu, nu, done
        asof = asof_for_search(search)
        state = with_episodes(wall_state(settings, store, asof, layouts.thresholds))
        panels = []
        for pid in panel_ids:
            if pid["screen"] != screen.id or pid["index"] >= len(screen.panels):
                panels.append(dash.no_update)
                continue
            p = screen.panels[pid["index"]]
            panels.append(render_panel(p, state, layouts))
        maps = [
            gdmap.patch(state.views) if m["screen"] == screen.id else dash.no_update
            for m in map_ids
        ]
        banners = banner(state, source.error)
        return panels, maps, banners, asof_label(state), done

    @app.callback(
        Output(ids.PAGE_BODY, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def page_body(pathname, search):
        return render_page(pathname or "/", search or "")

    app.clientside_callback(  # a city clicked on the map opens its node page
        ClientsideFunction("wall", "openNode"),
        Output(ids.NAV, "data"),
        Input(ids.map_graph(ALL), "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.PAGE_BODY, "children", allow_duplicate=True),
        Input({"type": "ack", "id": ALL}, "n_clicks"),
        State({"type": "ack-by", "id": ALL}, "value"),
        State({"type": "ack-note", "id": ALL}, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def acknowledge(clicks, names, notes, search):
        """Acknowledge the alert whose button was pressed, then redraw the alert list."""
        trigger = dash.ctx.triggered_id
        if not trigger or not any(clicks):
            return dash.no_update
        ids_in_order = [item["id"]["id"] for item in dash.ctx.inputs_list[0]]
        index = ids_in_order.index(trigger["id"])
        message = None
        from flask import g

        user = g.get("user")  # signed in: the acknowledgement is theirs, whatever was typed
        by = names[index] if user is None or user.kind == "demo" else user.name
        with closing(connect(settings.state_db_path)) as conn:
            try:
                alertlog.acknowledge(conn, int(trigger["id"]), by, notes[index], now_utc())
            except alertlog.AckError as exc:
                message = str(exc)
        if message is None:
            access.audit(settings, "alert_ack", str(trigger["id"]), (notes[index] or "")[:200])
        synced["now"] = None  # read the acknowledgement back at the next refresh
        body = render_page("/alerts", search or "")
        return (
            [html.Div(f"⚠ {message}", className="alert-banner", id="ack-error")] if message else []
        ) + body

    app.clientside_callback(
        ClientsideFunction("wall", "compareNodes"),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.COMPARE_NODES, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("wall", "customRange"),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.RANGE_APPLY, "n_clicks"),
        State(ids.RANGE_FROM, "value"),
        State(ids.RANGE_TO, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )

    logs.install(app.server)
    health.install(app.server, settings, store)
    access.install(app.server, settings, access.registered_callbacks(app.callback_map))

    # Dash registers the files it may serve while rendering the index page; a gunicorn worker
    # asked for a script before it rendered one would refuse it, so render it once now
    with app.server.test_request_context("/"):
        app._setup_server()
        app.index()
    access.security_headers(app.server, list(app.csp_hashes()))
    return app


def asof_label(state: WallState | None) -> str | None:
    if state is None:
        return None
    if state.replay:
        return f"回放 · 截至 {format_cn_date(state.asof.astimezone(CHINA).date())}"
    return f"实时 · 更新于 {datetime.now(CHINA):%H:%M:%S}"


def landed(state: WallState | None, layouts: Layouts) -> dict | None:
    """What the refresh callback answers in DONE; a page drawn with a state counts as one."""
    return None if state is None else {"t": state.now.timestamp(), "version": layouts.version}


def _cache_headers(response):
    """Assets whose URL carries their modification time (?m=) never change under that URL:
    browsers keep them a year. The rest of /assets/ (fonts named by the stylesheet) a day.
    Layouts are never kept."""
    from flask import request

    if request.path.endswith("/_dash-layout"):
        # the layout depends on the page asking (its Referer) and on the moment: a browser
        # going back must not reuse the node page's layout for the wall
        response.cache_control.no_store = True
        response.vary.add("Referer")
    if request.path.startswith("/assets/") and response.status_code == 200:
        # hand flask-compress the whole file, not a stream: it compresses a stream on the fly
        # and its answer then carries an ETag a browser can never revalidate
        response.direct_passthrough = False
        response.set_data(response.get_data())
        fingerprinted = "m" in request.args
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = 365 * 86400 if fingerprinted else 86400
        if fingerprinted:
            response.cache_control.immutable = True
    return response
