"""create_app: the Dash wall, assembled from its registries. The pages (wall.web.pages, each
declaring its address, capability, body, actions and downloads), their body callbacks, the
panels, access derived from those declarations, health, request logs and the security
headers. Every asset is served by the app itself (no CDN, no remote font)."""

from __future__ import annotations

import functools
import gc
import logging
import re
from pathlib import Path

import dash
from dash import Input, Output, html

from wall.core.layouts import LayoutSource
from wall.core.plan.loader import cached_plan
from wall.core.settings import Settings
from wall.read import cache
from wall.read.view import ViewError
from wall.state import StateDatabaseError, StateDB, auth, connect
from wall.store import Store, StoreError, store_from_settings
from wall.web import access, encoding, frame, health, ids, pages, requestlog  # noqa: F401 - pages register
from wall.web.pages.wall import geometry_url, wall_layout
from wall.web.registry import ACTIONS, CLIENTSIDE, DOWNLOADS, PAGES, Action, Page
from wall.web.services import NotFound, Services

log = logging.getLogger(__name__)
ASSETS_DIR = Path(__file__).resolve().parent / "assets"  # shipped in the package


def open_services(settings: Settings, store: Store | None = None) -> Services:
    """The plan, the state database (migrated), the store, the layouts (a bad one refuses to
    start, naming the line) and the query cache; configuration versions audited."""
    plan = cached_plan(settings.plan_path)
    connect(settings.state_db_path).close()  # create and migrate before the first request
    state = StateDB.shared(settings.state_db_path)

    def audit_files(target: str, files: list[Path]) -> None:
        try:
            with state.connection() as conn:
                auth.audit_config(conn, target, files)
        except (StateDatabaseError, OSError) as exc:
            log.warning("configuration change not audited: %s", exc)

    def layouts_changed(directory: Path) -> None:
        audit_files("layouts", sorted(Path(directory).glob("*.yaml")))

    layouts = LayoutSource(settings.layouts_dir, on_change=layouts_changed)
    layouts_changed(layouts.directory)  # the versions running now, if not yet in the trail
    audit_files("plan", [Path(settings.plan_path)])
    cache.configure(
        cache.QueryCache(settings.redis_url, ttl_s=max(settings.cache_bucket_s * 6, 60))
    )
    return Services(settings, plan, store or store_from_settings(settings), layouts)


def render_body(services: Services, page: Page, view) -> list:
    """An operator page's body, or what keeps it from being drawn, in words."""
    try:
        return page.body(services.context(page, view))
    except ViewError as exc:
        return frame.not_found(exc)
    except StoreError as exc:  # the page says so; the wall's banner says the same
        return [html.Div(f"⚠ 数据存储不可用：{str(exc)[:200]}", className="alert-banner")]


def layout(services: Services):
    """The page the asking address names (Dash asks every page's layout from one address:
    the page is its Referer's), drawn complete; an address that names nothing, or names it
    wrongly, gets a page saying what is wrong."""
    plan, demo = services.plan, services.settings.demo
    where = frame.page_location()
    path = where.get("pathname", "/")
    if path in ("", "/") and not frame.for_a_page():
        return wall_layout(services, None)  # Dash rendering its index: no data read
    try:
        page, view = services.view(path, where.get("search", ""))
    except ViewError as exc:
        return frame.page(plan, demo, None, frame.not_found(exc))
    if page.whole:
        return page.body(services, view)
    return frame.page(plan, demo, page.name, render_body(services, page, view))


def body_action(page: Page) -> Action:
    """The callback that redraws a page's body when its address changes: registered with the
    page's capability, it draws that page only (another page's address is not found here)."""

    def render(services: Services, pathname, search):
        try:
            found, view = services.view(pathname, search)
        except ViewError as exc:
            return frame.not_found(exc)
        if found is not page:
            return frame.not_found(NotFound(f"没有这个页面：{pathname}"))
        return render_body(services, page, view)

    render.__name__ = f"{page.name}_body"
    spec = (Output(ids.page_body(page.name), "children"), Input(ids.URL, "pathname"),
            Input(ids.URL, "search"))  # fmt: skip
    return Action(render.__name__, page.capability, page.name, render, spec,
                  {"prevent_initial_call": True})  # fmt: skip


def bound(function, services: Services, name: str):
    """A declared function with the app's services, as Dash or Flask calls it."""

    def call(*args, **kwargs):
        return function(services, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = function.__doc__
    return call


def settle() -> None:
    """A serving process done starting: its garbage collected, then what start-up made (the
    modules, the plan, plotly's and pandas' own objects: ~200,000) moved out of the cyclic
    collector's reach. A full collection walks every object it tracks, and with them it
    paused a worker 150–230 ms (a replay's frame, a screen's refresh) every few seconds of
    work; without them 20–55 ms. Nothing is freed or kept longer: the collector stops
    revisiting objects that live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, store: Store | None = None) -> dash.Dash:
    """Build the Dash app from the page, action and panel registries."""
    from geo import geometry

    geometry.use(settings.geometry_file)  # the province's map, if it imported one
    services = open_services(settings, store)
    encoding.install()  # answers encoded in one pass
    app = WallDash(
        __name__,
        title="广东数字政府政务云 · 全省一片云",
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        compress=True,  # flask-compress: plotly.js travels as brotli/gzip, not 4.6 MB
        update_title=None,
        # every page's callbacks are registered once, and a page holds only its own
        # components: the browser would log each other page's as missing. That each one
        # is on the page it serves is tested against the pages as drawn (test_page.py).
        suppress_callback_exceptions=True,
        assets_path_ignore=["vendor", "early"],  # listed by WallDash where they belong, not after
    )
    app.server.after_request(_cache_headers)
    for chunk in EAGER_CHUNKS:
        app.scripts.append_script({"relative_package_path": chunk, "namespace": "dash"})
    app.index_string = _index_with_preloads(app)
    app.map_preload = _preload(app, geometry_url(settings.geometry_file).lstrip("/"))
    app.layout = lambda: layout(services)
    actions = {**ACTIONS}
    for page in PAGES.values():
        if not page.whole:
            if f"{page.name}_body" in actions:
                raise ValueError(
                    f"action {page.name}_body is the body callback of page {page.name}"
                )
            actions[f"{page.name}_body"] = body_action(page)
    for a in actions.values():
        app.callback(*a.args, **a.kwargs)(bound(a.function, services, a.name))
    for args, kwargs in CLIENTSIDE:
        app.clientside_callback(*args, **kwargs)
    for d in DOWNLOADS.values():
        app.server.add_url_rule(d.rule, d.endpoint, bound(d.function, services, d.endpoint))
    app.server.add_url_rule("/geo/<name>", "geometry", _geometry(settings))
    requestlog.install(app.server)
    health.install(app.server, services.state, services.store)
    rules = access.Rules.derive(actions.values(), DOWNLOADS.values())
    access.install(app.server, settings, access.registered_callbacks(app.callback_map), rules)
    # Dash registers the files it may serve while rendering the index page; a gunicorn worker
    # asked for a script before it rendered one would refuse it, so render it once now
    with app.server.test_request_context("/"):
        app._setup_server()
        app.index()
    access.security_headers(app.server, list(app.csp_hashes()))
    return app


class WallDash(dash.Dash):
    """Dash, with regenerator-runtime on its pages in place of @babel/polyfill: dcc needs the
    runtime (its generators are compiled to regeneratorRuntime calls); the rest of the
    polyfill, core-js 2, replaced native functions of today's browsers (String.prototype.trim,
    which plotly calls all the time) with slower copies, ~30-50 ms of each page's opening."""

    POLYFILL = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')
    RUNTIME = "vendor/regenerator-runtime.js"
    map_preload = ""  # the map's boundaries, asked for with the wall's scripts (create_app)

    def interpolate_index(self, **kwargs) -> str:
        from flask import request

        # the boundaries only on the wall's page: the operators' pages draw no map (the
        # browser fetched 230 KB for nothing and warned of a preload never used)
        if request.path == self.config.requests_pathname_prefix:
            kwargs["css"] += self.map_preload
            # the screen this tab last drew, shown while the page loads (before the other
            # scripts are even read), to the session that drew it
            kwargs["app_entry"] += (
                f'<script src="{self._fingerprinted(self.LAST_SCREEN)}" id="last-screen-script" '
                f'data-viewer="{access.viewer_token()}"></script>'
            )
        kwargs["scripts"] = self.POLYFILL.sub(self._runtime_tag, kwargs["scripts"], 1)
        return super().interpolate_index(**kwargs)

    LAST_SCREEN = "early/last-screen.js"

    @functools.cache  # noqa: B019 - one app a process, a handful of files
    def _fingerprinted(self, name: str) -> str:  # as Dash does its assets: kept for good
        return f"{self.get_asset_url(name)}?m={(ASSETS_DIR / name).stat().st_mtime}"

    @functools.cached_property
    def _runtime_tag(self) -> str:
        return f'<script src="{self._fingerprinted(self.RUNTIME)}"></script>'


def _geometry(settings: Settings):
    """The city boundaries the map draws, by the file's hash: public (no data of the plan or
    of any node), kept by browsers for good under that name."""
    from flask import Response, abort

    from geo import geometry

    def serve(name: str):
        path = settings.geometry_file or geometry.DEFAULT_GEOJSON
        if name != f"cities-{geometry.digest(path)}.geojson":
            abort(404)
        response = Response(path.read_bytes(), mimetype="application/json")
        response.cache_control.public = True
        response.cache_control.max_age = 365 * 86400
        response.cache_control.immutable = True
        return response

    return serve


# dcc's lazily loaded parts that every page of the wall draws (the map and charts, the date
# control). Asked for by the renderer, under a URL without a version, they were revalidated at
# every reload (a 304, but a round trip behind the callbacks of the page: 150 ms of a warm
# reload); listed as page scripts, Dash fingerprints them and browsers keep them for good.
# The other chunks (markdown, mathjax, upload…) stay lazy: the wall does not use them.
EAGER_CHUNKS = ("dcc/async-graph.js", "dcc/async-datepicker.js")


def _index_with_preloads(app: dash.Dash) -> str:
    """The layout and the callback list are asked for while the scripts still load, not after
    (the renderer's own requests then find the answers already on their way). The page says
    it is Chinese: browsers choose the CJK glyphs and offer no translation by it."""
    preloads = "".join(_preload(app, path) for path in ("_dash-layout", "_dash-dependencies"))
    index = dash.dash._default_index.replace("{%css%}", "{%css%}" + preloads)
    return index.replace("<html>", '<html lang="zh-CN">', 1)


def _preload(app: dash.Dash, path: str) -> str:
    prefix = app.config.requests_pathname_prefix
    return (
        f'\n        <link rel="preload" href="{prefix}{path}" as="fetch" crossorigin="anonymous">'
    )


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
