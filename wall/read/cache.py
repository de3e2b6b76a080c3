"""The query layer's cache: one result per query, arguments and time bucket.

The wall floors "now" to a time bucket before it asks anything, so every screen refreshing in
the same bucket asks the same questions; the first one reads the store and the others get its
answer. With Redis configured (GDWALL_REDIS_URL) the answers are shared by every worker
process, otherwise each process keeps its own. A cache that is down costs speed, never an
answer: the query runs against the store as if nothing were cached.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from flask_caching.backends import NullCache, RedisCache

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_MISSING = object()
DOWN_FOR_S = 5.0
# answers kept per process: a minute of buckets of every screen and page (expired ones are
# dropped when it fills), so a worker's memory levels off instead of growing with the day
CACHE_ENTRIES = 600
# with Redis, the newest of them also kept in the process
NEAR_ENTRIES = 200
# answers kept for longer than this (a past year's daily tables, a node's first year, a
# past day's figures) are counted apart, LONG_ENTRIES of them: a replay asks ~20 new short
# answers a frame, and in one lane they pushed out the history its frames are looked up in
# (a replay of over 30 weeks read each year's tables again mid-play, a second a year). A
# frame adds ~3 long ones (small: a day's figures), a year's tables a few MB
LONG_S = 600
LONG_ENTRIES = 1000


class Kept:
    """Answers kept in this process as they are (not pickled: their readers never change
    them), each until its timeout, the least recently used dropped beyond size (the
    long-lived ones beyond long_size, apart); the get/set of a flask-caching backend."""

    def __init__(self, size: int, long_size: int = 0):
        self.size = size
        self.long_size = long_size
        self._kept: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._long: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            for lane in (self._kept, self._long):
                kept = lane.get(key)
                if kept is None:
                    continue
                if kept[0] <= time.monotonic():
                    del lane[key]
                    return None
                lane.move_to_end(key)
                return kept[1]
            return None

    def set(self, key: str, value, timeout: float) -> None:
        long = timeout > LONG_S and self.long_size > 0
        lane, size = (self._long, self.long_size) if long else (self._kept, self.size)
        if size <= 0:
            return
        with self._lock:
            (self._kept if long else self._long).pop(key, None)
            lane[key] = (time.monotonic() + timeout, value)
            lane.move_to_end(key)
            while len(lane) > size:
                lane.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._long.clear()


class QueryCache:
    """A flask-caching backend with single-flight misses inside the process."""

    def __init__(self, redis_url: str | None = None, ttl_s: float = 60, enabled: bool = True):
        self.ttl_s = max(int(ttl_s), 1)
        self.kind = "redis" if redis_url else "memory"
        if not enabled:
            self.kind, self.backend = "off", NullCache()
        elif redis_url:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # fail fast, never retry: a cache that is away must cost a refresh nothing
            client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1,
                                          retry=Retry(NoBackoff(), 0))  # fmt: skip
            self.backend = RedisCache(host=client, key_prefix="gdwall:", default_timeout=self.ttl_s)
        else:  # answers kept as they are, never pickled
            self.backend = Kept(CACHE_ENTRIES, LONG_ENTRIES)
        # while Redis is away, this process's own cache answers; Redis is tried again after
        # DOWN_FOR_S (so a stopped Redis costs one failed call per worker per period, not one
        # per query)
        self.fallback = Kept(CACHE_ENTRIES, LONG_ENTRIES)
        # the answers this process read from Redis last, unpickled: a refresh asks the same few
        # answers several times (the bucket's live read feeds health, figures and today's
        # provincial row), and unpickling frames each time cost more than the rest of it
        self._near = Kept(NEAR_ENTRIES if self.kind == "redis" else 0)
        self._down_until = 0.0
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.hits = self.misses = self.errors = 0

    def _active(self):
        if self.kind == "redis" and time.monotonic() < self._down_until:
            return self.fallback
        return self.backend

    def _failed(self, exc: Exception, what: str) -> None:
        self.errors += 1
        _count("error")
        if self.kind == "redis" and time.monotonic() >= self._down_until:
            self._down_until = time.monotonic() + DOWN_FOR_S
            log.warning("query cache unavailable (%s): %s; this process's own cache answers "
                        "for %g s", exc, what, DOWN_FOR_S)  # fmt: skip

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            if len(self._locks) > 4096:
                self._locks.clear()
            return self._locks.setdefault(key, threading.Lock())

    def _get(self, key: str):
        try:
            value = self._active().get(key)
        except Exception as exc:  # redis down or a value that no longer unpickles
            self._failed(exc, "reading the store directly")
            return _MISSING
        return _MISSING if value is None else value

    def _set(self, key: str, value, ttl_s: float | None) -> None:
        try:
            self._active().set(key, value, timeout=int(ttl_s or self.ttl_s))
        except Exception as exc:
            self._failed(exc, "answer kept in this process")
            self.fallback.set(key, value, timeout=int(ttl_s or self.ttl_s))

    def get_or_compute(self, key: str, compute: Callable[[], R], ttl_s: float | None = None) -> R:
        """The cached answer for key, computing it once per process when missing."""
        value = self._near.get(key) or _MISSING
        if value is _MISSING:
            value = self._get(key)
            if value is not _MISSING:
                self._near.set(key, value, ttl_s or self.ttl_s)
        if value is not _MISSING:
            self.hits += 1
            _count("hit")
            return value[0]
        with self._lock(key):
            value = self._get(key)  # another thread may have just computed it
            if value is not _MISSING:
                self.hits += 1
                _count("hit")
                self._near.set(key, value, ttl_s or self.ttl_s)
                return value[0]
            self.misses += 1
            _count("miss")
            result = compute()
            self._set(key, (result,), ttl_s)  # wrapped, so a None answer is cached too
            self._near.set(key, (result,), ttl_s or self.ttl_s)
            return result

    def ping(self) -> bool:
        """Whether the cache answers (the in-process one always does)."""
        if self.kind != "redis":
            return True
        try:
            return bool(self.backend._write_client.ping())
        except Exception:
            return False

    def clear(self) -> None:
        for memo in list(_memos):
            memo.clear()
        self._near.clear()
        self.fallback.clear()
        try:
            self.backend.clear()
        except Exception as exc:
            log.warning("query cache not cleared: %s", exc)


# who counts lookups (the web's /metrics sets it): called with hit, miss or error
_observer: Callable[[str], None] | None = None


def observe(counter: Callable[[str], None] | None) -> None:
    """Have every lookup's outcome (hit, miss, error) passed to counter."""
    global _observer
    _observer = counter


def _count(outcome: str) -> None:
    if _observer is None:
        return
    try:
        _observer(outcome)
    except Exception:  # counting must never cost a query its answer
        log.exception("cache lookup not counted")


_cache = QueryCache()


class Memo:
    """Decided states kept in this process, newest last, by everything they depend on (what
    is too costly to pickle through the query cache on every refresh: a screen's whole state,
    the plan's verdicts); emptied with the query cache."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        _memos.add(self)

    def get_or_compute(self, key, compute: Callable[[], R], keep: Callable[[R], bool]) -> R:
        """The value kept for key, else compute's (kept when keep says so); nothing is kept
        while the query cache is off."""
        if _cache.kind == "off":
            return compute()
        with self._lock:
            value = self._kept.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = compute()
        if keep(value):
            with self._lock:
                self._kept[key] = value
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_memos: weakref.WeakSet[Memo] = weakref.WeakSet()


def configure(cache: QueryCache) -> QueryCache:
    """Install the process's query cache (the app does this from its settings)."""
    global _cache
    _cache = cache
    return cache


def current() -> QueryCache:
    return _cache


def bucket(when: datetime, seconds: float) -> datetime:
    """Floor an instant to its time bucket, so refreshes within one bucket share answers."""
    step = max(int(seconds), 1)
    ts = int(when.timestamp())
    return datetime.fromtimestamp(ts - ts % step, UTC)


def _key_part(value) -> str:
    name = getattr(value, "cache_name", None)  # stores and plans name themselves
    if name is not None:
        return str(name)
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def cached(ttl_s: float | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a query-layer function by its name and arguments (which carry the time bucket:
    callers pass a bucketed instant, never a raw clock reading)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if any(getattr(a, "uncached", False) is True for a in args):
                return fn(*args, **kwargs)  # a traced store: every read must be seen
            parts = [fn.__module__, fn.__qualname__, *map(_key_part, args)]
            parts += [f"{k}={_key_part(v)}" for k, v in sorted(kwargs.items())]
            digest = hashlib.sha1(pickle.dumps(parts), usedforsecurity=False).hexdigest()
            return _cache.get_or_compute(
                f"{fn.__name__}:{digest}", lambda: fn(*args, **kwargs), ttl_s
            )

        return wrapper

    return decorate
