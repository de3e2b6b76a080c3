"""The read layer's one door: a Reader is bound to the store, the state database, the plan and a
request's view, and answers what a screen, a page or a bulletin shows. Pages and panels take a
Reader and import neither the store nor the state database.

`Backend` is what a process reads over (made once, at start); `Reader(backend, view)` is made
per request.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from wall.core.layouts import Thresholds
from wall.core.links import LinksFile, in_use
from wall.core.plan.models import Node, Plan
from wall.core.progress import Progress
from wall.read import cache, network, queries, ranking
from wall.read.view import View
from wall.read.wallstate import WallState, wall_state
from wall.state import StateDatabaseError, StateDB, alertlog, auth
from wall.state.progress import list_events
from wall.store import Store, StoreError

log = logging.getLogger(__name__)
# the wall's states decided in this process: a screen refreshing twice in one time bucket,
# or a second screen showing the same, is decided once (a bucket's states of a few screens,
# node pages and replay frames)
_STATES = cache.Memo(32)
StateUnavailable = StateDatabaseError  # what a page catches when the state database is away
DataUnavailable = StoreError  # and when the store is


@dataclass
class Backend:
    """What a process reads over: the store, the state database, the plan."""

    store: Store
    state: StateDB
    plan: Plan
    stale_after_s: float = 300.0
    bulletin_dir: Path | None = None
    layouts_dir: Path | None = None
    links: LinksFile = field(default_factory=in_use)  # the extranet's links (the process's)
    # alert episodes, read back once per cache bucket per process (see Reader.wall_state)
    _episodes: dict = field(default_factory=lambda: {"now": None, "episodes": {}})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def forget_episodes(self) -> None:
        """An acknowledgement was recorded: read the episodes again at the next refresh."""
        with self._lock:
            self._episodes["now"] = None


class Reader:
    """Reads as of one request's view."""

    def __init__(self, backend: Backend, view: View):
        self.backend = backend
        self.view = view
        self.plan = backend.plan
        self._store = backend.store

    # -- the wall's state, as of the view

    def progress(self) -> Progress:
        """The recorded progress events (the plan versus actual behind every verdict)."""
        with self.backend.state.connection() as conn:
            return Progress(self.plan, list_events(conn))

    def wall_state(
        self, thresholds: Thresholds, scope: Node | None = None, episodes: bool = False
    ) -> WallState:
        """Everything the wall shows as of the view (a node page's scope: only that node's);
        with episodes, the live alerts recorded and read back with since-when and by-whom."""
        v = self.view
        progress = self.progress()
        # what the state depends on: the data (named by the store and the time bucket of now
        # and asof), the recorded events, the thresholds and the scope
        key = (self._store.cache_name, self.backend.state.cache_name, v.now, v.asof, v.replay,
               scope.id if scope else None, progress.digest(), thresholds.model_dump_json(),
               self.backend.stale_after_s, id(self.backend.links))  # fmt: skip

        def decide() -> WallState:
            return wall_state(self._store, self.plan, progress, v.now, v.asof, v.replay,
                              thresholds, self.backend.stale_after_s, scope,
                              links=self.backend.links)  # fmt: skip

        if getattr(self._store, "uncached", False):  # a traced store: every read must be seen
            state = decide()
        else:  # a store that failed is asked again next time
            state = _STATES.get_or_compute(key, decide, lambda s: s.store_error is None)
        return self._with_episodes(state) if episodes else state

    def _with_episodes(self, state: WallState) -> WallState:
        """Record the live alerts and read back their episodes once per cache bucket in this
        process; refreshes within the bucket reuse them (bookkeeping never costs a refresh)."""
        if state.replay:
            return state
        memo = self.backend._episodes
        with self.backend._lock:
            fresh = memo["now"] == state.now
            episodes = memo["episodes"]
        if not fresh:
            try:
                with self.backend.state.connection() as conn:
                    alertlog.sync(conn, state.alerts, state.now)
                    episodes = alertlog.open_episodes(conn)
                with self.backend._lock:
                    memo.update(now=state.now, episodes=episodes)
            except StateDatabaseError as exc:
                log.warning("alert log not updated: %s", exc)
                return state
        return dataclasses.replace(state, episodes=episodes)

    # -- one node

    def node_series(self, node: str, measurement: str, fields: tuple[str, ...]) -> dict:
        """A node's fields over the view's chart window."""
        w = self.view.window
        return queries.node_series(self._store, node, measurement, fields, w.start, w.end, w.step)

    def node_sources(self, node: str) -> list[queries.SourceStatus]:
        return queries.node_sources(self._store, node, self.view.now)

    def node_migration(self, node: str) -> pd.DataFrame:
        return queries.node_migration(self._store, node, self.view.asof)

    def node_allocation(self, node: str) -> dict[str, float]:
        return queries.node_allocation(self._store, node, self.view.asof)

    def latest(self, measurement: str, fields: list[str], nodes: list[str] | None = None):
        """The newest value of each field per node, as of the view: live, the newest samples;
        on a replayed day, the last value of that day (long form: node, field, value, time)."""
        if not self.view.replay:
            return self._store.latest(measurement, fields, nodes=nodes)
        return ranking.latest_asof(self._store, measurement, fields, self.view.asof, nodes)

    # -- the extranet

    def link_rows(self, thresholds: Thresholds | None) -> list[network.LinkRow]:
        """Every link of the links file with its state as of the view: live, the newest
        probes; a past day, that day's last values."""
        v = self.view
        if v.replay or v.asof != v.now:
            health = network.link_health_asof(self._store, v.asof)
        else:
            health = queries.link_health(self._store, self.backend.stale_after_s, v.now)
        return network.link_rows(self.backend.links, health, thresholds)

    def link_series(self, link: str, fields: tuple[str, ...]) -> dict:
        """One link's fields over the view's chart window (hourly or daily means)."""
        w = self.view.window
        return queries.link_series(self._store, link, fields, w.start, w.end)

    def demonstrations(self, rows: list[network.LinkRow]) -> list[network.Demonstration]:
        return network.demonstrations(self.backend.links, rows)

    # -- the province

    def province_daily(self, metric: str, start: datetime) -> pd.Series:
        """A provincial figure per day from start to the view's instant."""
        end = self.view.asof + timedelta(seconds=1)
        return queries.province_daily(self._store, self.plan, metric, start, end)

    # -- every node

    def ranking(self, field: str) -> pd.DataFrame:
        return ranking.ranking(self._store, self.plan, field, self.view)

    # -- the state database and the archive (the admin's and evaluators' pages)

    def users(self) -> list[tuple]:
        with self.backend.state.connection() as conn:
            return auth.list_users(conn)

    def tokens(self) -> list[tuple]:
        with self.backend.state.connection() as conn:
            return auth.list_tokens(conn)

    def audit_entries(self, limit: int) -> list[tuple]:
        with self.backend.state.connection() as conn:
            return auth.audit_entries(conn, limit=limit)

    def thresholds_text(self) -> str | None:
        from wall.core.layouts import THRESHOLDS_FILE

        if self.backend.layouts_dir is None:
            return None
        return (Path(self.backend.layouts_dir) / THRESHOLDS_FILE).read_text(encoding="utf-8")

    def bulletin_archive(self) -> list[tuple[str, datetime, list[Path]]]:
        """Each period in the bulletin archive with its files, newest first."""
        from wall.core.chinatime import CHINA

        archive = self.backend.bulletin_dir
        if archive is None or not archive.exists():
            return []
        periods: dict[str, list[Path]] = {}
        for path in archive.glob("bulletin-*.*"):
            periods.setdefault(path.stem.removeprefix("bulletin-"), []).append(path)
        out = []
        for label, files in periods.items():
            when = datetime.fromtimestamp(max(f.stat().st_mtime for f in files), CHINA)
            out.append((label, when, sorted(files, key=lambda f: f.suffix)))
        return sorted(out, key=lambda item: item[1], reverse=True)
