"""Which store reads a figure came from.

A bulletin is built over a TracedStore: every read (the Store call with all its arguments,
the store's own query texts, and a digest of the answer) is kept once, and listed under the
figure being computed when it was made (`with figure("cities/gz-city/availability"):`).
The record written beside the bulletin therefore traces any number back to its queries, the
hash of the inputs is the hash of the answers read, and `replay` runs the reads again to say
whether the store still gives the same answers.

A traced store is never answered from the query cache: a cached answer would hide its read.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum

import pandas as pd

from wall.core.chinatime import CHINA
from wall.store.base import Resolution, Store

READS = ("latest", "series", "counters", "rollup")

_figure: ContextVar[str | None] = ContextVar("traced_figure", default=None)


@contextmanager
def figure(name: str) -> Iterator[None]:
    """Reads made inside the block are listed under this figure (nested names replace)."""
    token = _figure.set(name)
    try:
        yield
    finally:
        _figure.reset(token)


@dataclass(frozen=True)
class Read:
    id: str
    method: str
    args: dict  # plain JSON: instants as ISO text, resolutions and steps as text/seconds
    queries: list[str]  # what the store ran (InfluxQL or SQL)
    rows: int
    sha256: str


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(CHINA).isoformat()  # as the bulletin's periods read
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _revive(name: str, value):
    if value is None:
        return None
    if name in ("start", "end", "asof"):
        return datetime.fromisoformat(value)
    if name == "step":
        return timedelta(seconds=value)
    if name == "resolution":
        return Resolution(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def frame_digest(frame: pd.DataFrame) -> str:
    """The same rows give the same digest, whatever order the store returned them in."""
    if frame.empty:
        text = ",".join(map(str, frame.columns))
    else:
        ordered = frame[sorted(frame.columns)]
        ordered = ordered.sort_values(list(ordered.columns)).reset_index(drop=True)
        text = ordered.to_csv(index=False, float_format="%.12g", date_format="%Y-%m-%dT%H:%M:%SZ")
    return hashlib.sha256(text.encode()).hexdigest()


def _call(store: Store, method: str, args: dict) -> pd.DataFrame:
    return getattr(store, method)(**{k: _revive(k, v) for k, v in args.items()})


class TracedStore:
    """A Store's reads, recorded (writes and everything else pass straight through)."""

    uncached = True  # wall.read.cache calls the query function itself

    def __init__(self, store: Store):
        self.store = store
        self._reads: dict[str, Read] = {}
        self._answers: dict[str, pd.DataFrame] = {}
        self.trace: dict[str, list[str]] = {}

    def __getattr__(self, name):
        return getattr(self.store, name)

    @property
    def cache_name(self) -> str:
        return f"{self.store.cache_name}:traced"

    def _read(self, method: str, *args, **kwargs) -> pd.DataFrame:
        bound = inspect.signature(getattr(Store, method)).bind(None, *args, **kwargs)
        bound.apply_defaults()
        plain = {k: _plain(v) for k, v in list(bound.arguments.items())[1:]}
        key = method + json.dumps(plain, sort_keys=True, ensure_ascii=False)
        read = self._reads.get(key)
        if read is None:  # the same read twice in one bulletin is made once: one answer
            with self.store.capture_queries() as queries:
                answer = getattr(self.store, method)(*args, **kwargs)
            read = Read(f"r{len(self._reads) + 1}", method, plain, list(queries), len(answer),
                        frame_digest(answer))  # fmt: skip
            self._reads[key], self._answers[key] = read, answer
        name = _figure.get()
        if name is not None and read.id not in self.trace.setdefault(name, []):
            self.trace[name].append(read.id)
        return self._answers[key].copy()

    def latest(self, *args, **kwargs):
        return self._read("latest", *args, **kwargs)

    def series(self, *args, **kwargs):
        return self._read("series", *args, **kwargs)

    def latest_many(self, wanted):
        # one traced `latest` a measurement: passed straight through to a store that reads
        # them in one request, the reads went unrecorded
        return Store.latest_many(self, wanted)

    def counters(self, *args, **kwargs):
        return self._read("counters", *args, **kwargs)

    def rollup(self, *args, **kwargs):
        return self._read("rollup", *args, **kwargs)

    @property
    def reads(self) -> list[Read]:
        return list(self._reads.values())

    def record(self) -> dict:
        return {"reads": [asdict(r) for r in self.reads], "trace": self.trace}

    def inputs_hash(self, rules: dict) -> str:
        """A hash of every answer read and the rules applied to them."""
        payload = json.dumps(
            {"reads": sorted(self._reads[k].sha256 + k for k in self._reads), "rules": rules},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Replayed:
    id: str
    method: str
    same: bool
    rows: int
    sha256: str


def replay(store: Store, reads: list[dict]) -> list[Replayed]:
    """Run a record's reads again: does the store still give the answers the bulletin used?"""
    out = []
    for r in reads:
        answer = _call(store, r["method"], r["args"])
        digest = frame_digest(answer)
        out.append(Replayed(r["id"], r["method"], digest == r["sha256"], len(answer), digest))
    return out
