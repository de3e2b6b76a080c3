"""The wall: the command centre's screens (layouts/*.yaml), their panels on the layout's grid,
the carousel and the refresh. The page arrives drawn (its first state computed with the page);
the map's geometry is sent once and every refresh patches its colours and texts. The browser
paces the refreshes (assets/wall.js): it asks for the next one only when the last has landed,
so a slow store never piles requests up and never freezes the clock.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from urllib.parse import parse_qs, urlencode

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html

from wall.core.chinatime import CHINA, format_cn_date, now_utc
from wall.core.layouts import Layouts, PanelKind, Screen
from wall.read.view import View, ViewError
from wall.read.wallstate import WallState
from wall.web import access, frame, ids, panels
from wall.web.panels import gdmap
from wall.web.registry import Page as PageSpec
from wall.web.registry import action, add_page, clientside

log = logging.getLogger(__name__)
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


def geometry_url(geometry_path) -> str:
    """Where the browser fetches the map's boundaries (app.py serves them there)."""
    from geo import geometry

    return f"/geo/cities-{geometry.digest(geometry_path)}.geojson"


def initial_map(plan, geometry_path, colour: str = "plan") -> dict:
    """The map as first sent (geometry, names, no health yet), built once per process and
    colouring: a plotly figure of 21 boundaries takes longer to build than the rest of the
    page."""
    key = (plan.cache_name, str(geometry_path), colour)
    if key not in _MAPS:
        views = gdmap.city_views(plan, {}, {}, now_utc())
        figure = gdmap.figure(views, geometry_path, colour).to_plotly_json()
        # the boundaries by their address (/geo/…, kept by the browser for good): a reload
        # then carries none of their 60,000 coordinate pairs, in the layout or in the JSON
        # encoder
        figure["data"][0]["geojson"] = geometry_url(geometry_path)
        _MAPS[key] = figure
    return _MAPS[key]


def screen_div(
    screen: Screen,
    services,
    layouts: Layouts,
    state: WallState | None,
    digests: dict[str, str] | None = None,
) -> html.Div:
    """One screen: its panels on the grid the layout file gives (and its wide variant), drawn
    with the state given (the page arrives complete; refreshes replace the panels) or empty
    until its first refresh. The digests of the panels drawn as a refresh would draw them go into `digests`."""
    g = screen.grid
    sections = []
    for i, p in enumerate(screen.panels):
        style = {"--area": _area(p.area), "--area-wide": _area(p.wide or p.area)}
        first = panels.draw(p, state, layouts) if state is not None else None
        if digests is not None and (digest := panels.digest(first)) is not None:
            digests[f"{screen.id}:{i}"] = digest
        body = html.Div(first, id=ids.panel(screen.id, i), className="panel-body")
        if p.panel == PanelKind.map:
            plan = services.plan
            figure = initial_map(plan, services.settings.geometry_file, p.colour)
            if state is not None:
                figure = gdmap.with_views(figure, state.views, p.colour)
            if (unit := frame.screen_unit()) is not None:
                figure = gdmap.sized(figure, unit)
            floor = plan.target("city-utilization").value
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
                            html.Div(gdmap.legend(p.colour, floor), className="legend"),
                            html.Div("点击城市查看节点详情", className="summary-hint"),
                        ],
                        className="map-side",
                    ),
                    html.Div(id=ids.panel(screen.id, i), className="panel-hidden"),
                    html.Div(id=ids.replay_day(screen.id), className="replay-day"),
                ],
                className="panel-body map-body",
            )
        children = [html.H2(p.title)] if p.title else []
        sections.append(
            html.Section([*children, body], className=f"panel panel-{p.panel}", style=style)
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


def replay_range(plan, state: WallState | None) -> tuple[str, str]:
    """What ▶ 回放 plays by default: from the plan period's start to the last due date the
    judge knows (every node's deadline, security platform and first anniversary included)."""
    dues = [m.deadline for m in plan.milestones if m.deadline] + [
        n.deadline for n in plan.nodes if n.deadline
    ]
    if state is not None:
        v = state.verdicts
        dues += [
            x.due
            for x in (*v.milestones, *v.built.values(), *v.security.values(), *v.year.values())
            if x.due
        ]
    last = max(dues)
    return plan.period.start.isoformat(), min(last, datetime.now(CHINA).date()).isoformat()


def page_config(layouts: Layouts, replay: tuple[str, str] | None = None) -> dict:
    reloads = [s.reload_s for s in layouts.screens if s.reload_s > 0]
    return {
        "replay": {"from": replay[0], "to": replay[1]} if replay else None,
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


def asof_label(state: WallState | None) -> str | None:
    """What the screen shows, large under the clock: a replayed day, or live with the time of
    the newest data any node has sent (not the time of the refresh: a collector that stopped
    shows here as an old time)."""
    if state is None:
        return None
    if state.replay:
        return f"回放 · 截至 {format_cn_date(state.asof.astimezone(CHINA).date())}"
    times = [h.time for h in state.health.values() if h.time is not None]
    if not times:
        return "实时 · 暂无数据"
    newest = max(times).astimezone(CHINA)
    day = "" if newest.date() == datetime.now(CHINA).date() else f"{newest:%m-%d} "
    return f"实时 · 数据截至 {day}{newest:%H:%M:%S}"


def landed(state: WallState | None, layouts: Layouts, digests: dict[str, str]) -> dict | None:
    """What the refresh callback answers in DONE; a page drawn with a state counts as one
    (and the panels it arrived with are shown already)."""
    if state is None:
        return None
    return {"t": state.now.timestamp(), "version": layouts.version, "drawn": digests}


def first_state(services, layouts: Layouts, view: View | None) -> WallState | None:
    """The state the page opens with, as of its view, from the cache the refreshes share
    (only for a browser asking for its page, not Dash's own checks)."""
    if view is None or not frame.for_a_page():
        return None
    try:
        return services.reader(view).wall_state(layouts.thresholds, episodes=True)
    except Exception:  # the first refresh will say what is wrong, in its banner
        log.exception("first paint of the wall failed")
        return None


def wall_layout(services, view: View | None) -> html.Div:
    """The wall's page: every screen (only the one on show drawn now; the others when the
    carousel reaches them), the header and the stores the browser's pacing reads."""
    layouts = services.layouts.get()
    location = frame.page_location()
    search = location.get("search", "").lstrip("?")
    state = first_state(services, layouts, view)
    active = active_screen(layouts, search, int(now_utc().timestamp() * 1000))
    digests: dict[str, str] = {}
    screens = [
        screen_div(s, services, layouts, state if s.id == active else None, digests)
        for s in layouts.screens
    ]
    for div in screens:
        if div.id == ids.screen(active):
            div.className = "screen active"
    return html.Div(
        [
            # given the page's own address, so that mounting it changes no property and
            # triggers no refresh of a page that arrived drawn
            dcc.Location(id=ids.URL, refresh="callback-nav", **location),
            dcc.Interval(id=ids.TICK, interval=1000),
            dcc.Store(id=ids.CONFIG, data=page_config(layouts, replay_range(services.plan, state))),
            dcc.Store(id=ids.REPLAY),
            # only on a ?replay= link: starts it as the page opens (the replay's own callback
            # waits for a click, not running for nothing on every other opening)
            *([dcc.Store(id=ids.REPLAY_LINK, data=True)] if "replay" in parse_qs(search) else []),
            dcc.Store(id=ids.TRIGGER),
            dcc.Store(id=ids.NAV),
            dcc.Store(id=ids.DONE, data=landed(state, layouts, digests)),
            dcc.Store(id=ids.SCREEN, data=active),
            dcc.Store(id=ids.SIZE),
            html.Header(
                [
                    html.Div(  # the document number under the title: never squeezed out
                        [
                            html.H1("广东“数字政府”政务云 · 全省一片云"),
                            html.Div(f"依据 {services.plan.document}", className="doc-no"),
                        ],
                        className="title-block",
                    ),
                    # the title and the clock drawn with the page, so that nothing needs
                    # computing in the browser as it opens (assets/wall.js keeps them after:
                    # each callback run on opening cost dash-renderer ~30 ms)
                    html.Div(
                        layouts.screen(active).title, id=ids.SCREEN_TITLE, className="screen-title"
                    ),
                    frame.asof_control(services.plan, None, with_label=False),
                    html.Div(
                        [
                            html.Button(
                                "▶ 回放",
                                id=ids.REPLAY_PLAY,
                                className="asof-live replay-play",
                                title="从规划期起点按周回放到最后一个截止日期",
                            ),
                            html.Button(
                                "单步 ›",
                                id=ids.REPLAY_STEP,
                                className="asof-live",
                                title="回放下一步",
                            ),
                        ],
                        className="replay-control",
                    ),
                    frame.demo_banner(services.settings.demo),
                    access.user_badge(),
                    html.Div(  # the time, and how fresh what the screen shows is
                        [
                            html.Div(
                                f"{datetime.now(CHINA):%Y-%m-%d %H:%M}",
                                id=ids.CLOCK,
                                className="clock",
                            ),
                            html.Div(asof_label(state), id=ids.ASOF, className="asof stamp"),
                        ],
                        className="clock-block",
                    ),
                    html.Div(className="unit-probe"),  # the screen's unit, measured by scaleMap
                ],
                className="wall-header",
            ),
            html.Div(
                banner(state, services.layouts.error) if state else None,
                id=ids.BANNER,
                className="banners",
            ),
            html.Div(
                [*screens, html.Div(id=ids.STATUS, className="refresh-status")],
                className="screens",
            ),
        ],
        className="wall",
    )


PAGE = add_page(PageSpec("wall", "/", "总览大屏", "wall", body=wall_layout, whole=True, order=0))


def frame_text(day) -> str:
    """The day a replay's frame shows large over the map (empty when none is replayed)."""
    try:
        return format_cn_date(date.fromisoformat(day)) if isinstance(day, str) else ""
    except ValueError:
        return ""


@action(
    Output(ids.panel(ALL, ALL), "children"),
    Output(ids.map_graph(ALL), "figure"),
    Output(ids.BANNER, "children"),
    Output(ids.ASOF, "children"),
    Output(ids.DONE, "data"),
    Output(ids.replay_day(ALL), "children", allow_duplicate=True),
    Input(ids.TRIGGER, "data"),
    Input(ids.SCREEN, "data"),
    Input(ids.URL, "search"),
    Input(ids.REPLAY, "data"),
    State(ids.DONE, "data"),
    capability="wall",
    page="wall",
    prevent_initial_call=True,
)
def refresh(services, _trigger, screen_id, search, replay=None, shown=None):
    """The screen on show, redrawn as of the view (its panels, the map's patch, the banner);
    a replay's frame is the same view as of the frame's day (?asof=), nothing else. A panel
    drawn as the browser already shows it (its digest in the last answer's DONE) is left out:
    neither encoded here nor rendered again there."""
    layouts = services.layouts.get()
    nu = dash.no_update
    outputs = dash.ctx.outputs_list
    panel_ids = [o["id"] for o in outputs[0]]
    map_ids = [o["id"] for o in outputs[1]]
    frame_day = replay.get("at") if isinstance(replay, dict) else None
    # a replay's frame is on screen when its day is (over the map): the browser counts the
    # frames by it; a day the view refuses is still a frame (the banner says why)
    days = [frame_text(frame_day) if o["id"]["screen"] == screen_id else nu for o in outputs[5]]
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
    if isinstance(frame_day, str):
        search = "?" + urlencode({**params, "asof": frame_day})
    done = {"t": now_utc().timestamp(), "version": layouts.version, "at": frame_day}
    try:
        screen = layouts.screen(screen_id)
    except KeyError:  # before the browser has chosen a screen, or a screen just removed
        return [nu] * len(panel_ids), [nu] * len(map_ids), nu, nu, done, [nu] * len(days)
    try:
        _, view = services.view("/", search)
    except ViewError as exc:  # the page itself says what is wrong with its address
        note = [html.Div(f"⚠ {exc}", className="alert-banner")]
        return [nu] * len(panel_ids), [nu] * len(map_ids), note, nu, done, days
    if not view.replay:  # live: the next buckets' newest values read as they start
        services.live_ahead.seen()
    state = services.reader(view).wall_state(layouts.thresholds, episodes=True)
    had = shown.get("drawn") if isinstance(shown, dict) else None
    had = had if isinstance(had, dict) else {}
    drawn, digests = [], {}
    for pid in panel_ids:
        if pid["screen"] != screen.id or pid["index"] >= len(screen.panels):
            drawn.append(nu)
            continue
        drawing = panels.draw(screen.panels[pid["index"]], state, layouts)
        key = f"{screen.id}:{pid['index']}"
        digest = panels.digest(drawing)
        if digest is not None:
            digests[key] = digest
        drawn.append(nu if digest is not None and had.get(key) == digest else drawing)
    done["drawn"] = digests
    colour = next((p.colour for p in screen.panels if p.panel == PanelKind.map), "plan")
    maps = [gdmap.patch(state.views, colour) if m["screen"] == screen.id else nu for m in map_ids]
    # as a replay starts, its last day (the history all its frames look up) read before the
    # first frame is answered; the replay's next frame, read while the browser draws this one
    if isinstance(frame_day, str):
        for key, read in (("last", services.read_now), ("next", services.read_ahead)):
            if isinstance(day := replay.get(key), str):
                read("?" + urlencode({**params, "asof": day}), layouts.thresholds)
    return drawn, maps, banner(state, services.layouts.error), asof_label(state), done, days


clientside(
    ClientsideFunction("wall", "schedule"),
    Output(ids.SCREEN, "data"),
    Output(ids.screen(ALL), "className"),
    Output(ids.SCREEN_TITLE, "children"),
    Input(ids.TICK, "n_intervals"),
    Input(ids.URL, "search"),
    State(ids.CONFIG, "data"),
    State(ids.SCREEN, "data"),
    prevent_initial_call=True,
)
clientside(  # the date control and ?asof= in the URL follow each other (every page)
    ClientsideFunction("wall", "asof"),
    Output(ids.URL, "search"),
    Output(ids.ASOF_PICK, "date"),
    Input(ids.URL, "search"),
    Input(ids.ASOF_PICK, "date"),
    Input(ids.ASOF_LIVE, "n_clicks"),
    prevent_initial_call=True,
)
clientside(
    ClientsideFunction("wall", "pace"),
    Output(ids.TRIGGER, "data"),
    Output(ids.STATUS, "children"),
    Output(ids.CLOCK, "children"),
    Input(ids.TICK, "n_intervals"),
    State(ids.CONFIG, "data"),
    State(ids.SCREEN, "data"),
    State(ids.DONE, "data"),
    prevent_initial_call=True,
)
clientside(  # ▶ 回放: started, paused, stepped, and given way to a day picked
    ClientsideFunction("wall", "replay"),
    Output(ids.REPLAY, "data"),
    Output(ids.REPLAY_PLAY, "children"),
    Output(ids.replay_day(ALL), "children"),
    Input(ids.REPLAY_PLAY, "n_clicks"),
    Input(ids.REPLAY_STEP, "n_clicks"),
    Input(ids.URL, "search"),
    State(ids.CONFIG, "data"),
    prevent_initial_call=True,
)
clientside(  # a ?replay= link: the replay started as the page opens
    ClientsideFunction("wall", "replayLink"),
    Output(ids.REPLAY, "data", allow_duplicate=True),
    Output(ids.REPLAY_PLAY, "children", allow_duplicate=True),
    Output(ids.replay_day(ALL), "children", allow_duplicate=True),
    Input(ids.REPLAY_LINK, "data"),
    State(ids.URL, "search"),
    State(ids.CONFIG, "data"),
    prevent_initial_call="initial_duplicate",
)
clientside(  # the map's texts and markers follow the screen's size: sent sized for the
    # unit the browser last measured (frame.screen_unit), rescaled when the window's size
    # changes or the page finds its unit another (assets/wall.js sets SIZE then). Not at
    # every page's opening: an initial call held the map's first draw back by ~70 ms
    ClientsideFunction("wall", "scaleMap"),
    Output(ids.map_graph(ALL), "figure", allow_duplicate=True),
    Input(ids.SIZE, "data"),
    State(ids.map_graph(ALL), "figure"),
    prevent_initial_call=True,
)
clientside(  # a city clicked on the map opens its node page
    ClientsideFunction("wall", "openNode"),
    Output(ids.NAV, "data"),
    Input(ids.map_graph(ALL), "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
