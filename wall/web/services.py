"""What the web app works with, made once per process: the settings, the plan, the store, the
state database, the screen layouts and the read layer's backend; and, per request, its view,
its reader and who is asking. Pages get a PageContext; actions (callbacks, downloads) get the
Services and make their own from the inputs they receive."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from wall.core.chinatime import now_utc
from wall.core.layouts import Layouts, LayoutSource
from wall.core.plan.models import Plan
from wall.core.settings import Settings
from wall.read import cache
from wall.read.ahead import LiveAhead
from wall.read.reader import Backend, Reader
from wall.read.view import View, ViewError, make_view
from wall.state import StateDB
from wall.store import Store
from wall.web import access
from wall.web.registry import Page, resolve

log = logging.getLogger(__name__)


class NotFound(ViewError):
    """The address names no page (or no such node)."""


@dataclass(frozen=True)
class Viewer:
    """Who is asking: their name (None in the demo) and what they may do."""

    name: str | None
    may: Callable[[str], bool]


@dataclass(frozen=True)
class PageContext:
    """What a page's body is drawn from: the request's view, a reader bound to it, who asks,
    and the screens' layouts and thresholds."""

    page: Page
    view: View
    read: Reader
    viewer: Viewer
    layouts: Layouts


class Services:
    def __init__(self, settings: Settings, plan: Plan, store: Store, layouts: LayoutSource):
        self.settings = settings
        self.plan = plan
        self.store = store
        self.state = StateDB.shared(settings.state_db_path)
        self.layouts = layouts
        self.backend = Backend(store, self.state, plan, settings.stale_after_s,
                               settings.bulletin_path, layouts.directory)  # fmt: skip
        # the live values of each time bucket read as it starts, while screens watch
        self.live_ahead = LiveAhead(store, settings.cache_bucket_s)
        self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
        self._ahead_busy = threading.Lock()

    @property
    def bulletin_dir(self) -> Path:
        return self.settings.bulletin_path

    def now(self):
        """Now, floored to the cache's time bucket: every request within one bucket asks the
        same questions and shares the answers."""
        return cache.bucket(now_utc(), self.settings.cache_bucket_s)

    def view(self, pathname: str | None, search: str | None) -> tuple[Page, View]:
        """The page an address names and the request's view of it: parsed once, by one rule;
        NotFound or ViewError (with the reason, in Chinese) otherwise."""
        found = resolve(pathname)
        if found is None:
            raise NotFound(f"没有这个页面：{pathname}")
        page, params = found
        node_id = params.get("node_id")
        if node_id is not None and node_id not in {n.id for n in self.plan.nodes}:
            raise NotFound(f"没有编号为 {node_id} 的节点")
        view = make_view(page.name, pathname or "/", search, self.plan, self.now(), node_id,
                         with_window=page.charts)  # fmt: skip
        return page, view

    def reader(self, view: View) -> Reader:
        return Reader(self.backend, view)

    def read_ahead(self, search: str, thresholds) -> bool:
        """Work out the wall's state as of an address in the background: a replay's next
        frame, read while the browser draws this one, so that asking for it finds it kept.
        One job at a time (a frame asked while one runs is not read ahead); an address that
        is not a view, or a read that fails, costs nothing but itself: the frame is read when
        it is asked for. Whether it was taken on."""
        view = self._view(search)
        if view is None or not self._ahead_busy.acquire(blocking=False):
            return False

        def run():
            try:
                self._work_out(view, thresholds)
            finally:
                self._ahead_busy.release()

        self._ahead.submit(run)
        return True

    def read_now(self, search: str, thresholds) -> None:
        """Work out the wall's state as of an address before answering: as a replay starts,
        its last day, and with it the history every frame of it looks up (each year's daily
        tables, each city's first year, up to a second or so cold). Read in the background,
        it took the CPU from the replay's first frames (on 2 cores, 3 of them 100-230 ms
        late); read with the first frame, the frames after it find it kept. As with reading
        ahead, nonsense or a failed read costs nothing but itself."""
        view = self._view(search)
        if view is not None:
            self._work_out(view, thresholds)

    def _view(self, search: str) -> View | None:
        try:
            return self.view("/", search)[1]
        except ViewError:
            return None

    def _work_out(self, view: View, thresholds) -> None:
        try:
            self.reader(view).wall_state(thresholds)
        except Exception as exc:  # the frame's own request reads it again
            log.info("read-ahead as of %s failed: %s", view.asof, exc)

    def viewer(self) -> Viewer:
        user = access.signed_in()
        return Viewer(user.name if user else None, access.may)

    def context(self, page: Page, view: View) -> PageContext:
        return PageContext(page, view, self.reader(view), self.viewer(), self.layouts.get())

    def audit(self, action: str, target: str | None = None, detail: str | None = None) -> None:
        access.audit(self.settings, action, target, detail)
