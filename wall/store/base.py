"""The Store contract: one interface, two real implementations (InfluxDB and embedded SQLite).

Everything that reads or writes metrics goes through these methods; no InfluxQL or SQL
lives outside wall/store. Reads return tidy pandas frames with UTC timestamps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from wall.store.samples import Batch, Sample, SampleError, to_epoch_s
from wall.store.schema import FieldType, Measurement, measurement

HOUR = 3600
DAY = 86400
CHINA_OFFSET_S = 8 * HOUR  # Asia/Shanghai has had no daylight saving since 1991


class StoreError(Exception):
    """Base of every store failure."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (or timed out): retry later, spool meanwhile."""


class StoreRefused(StoreError):
    """The store answered and refused the request (bad credentials, bad data, full disk)."""


_captured: ContextVar[list[str] | None] = ContextVar("captured_queries", default=None)


def note_query(text: str) -> None:
    """A store notes each query it runs for the caller (if one is capturing: see
    Store.capture_queries)."""
    captured = _captured.get()
    if captured is not None:
        captured.append(text)


class Resolution(StrEnum):
    raw = "raw"
    hourly = "1h"
    daily = "1d"


AGGREGATES = ("mean", "max", "min", "last", "sum", "count")


def hour_bucket(ts: int) -> int:
    return ts - ts % HOUR


def day_bucket(ts: int) -> int:
    """Start (UTC seconds) of the China calendar day holding ts."""
    return (ts + CHINA_OFFSET_S) // DAY * DAY - CHINA_OFFSET_S


@dataclass(frozen=True)
class Retention:
    """How long each resolution is kept; None keeps it for ever. Configuration, in seconds."""

    raw_s: int | None = 90 * DAY
    hourly_s: int | None = 3 * 365 * DAY
    daily_s: int | None = None

    def cutoff(self, resolution: Resolution, now_s: int) -> int | None:
        keep = {
            Resolution.raw: self.raw_s,
            Resolution.hourly: self.hourly_s,
            Resolution.daily: self.daily_s,
        }[resolution]
        return None if keep is None else now_s - keep


def choose_resolution(
    start_s: int, end_s: int, step_s: int, retention: Retention, now_s: int
) -> Resolution:
    """Pick the cheapest resolution that still answers at this step and is still kept."""
    raw_cut = retention.cutoff(Resolution.raw, now_s)
    hourly_cut = retention.cutoff(Resolution.hourly, now_s)
    if step_s >= DAY and step_s % DAY == 0:
        return Resolution.daily
    if step_s >= HOUR and step_s % HOUR == 0 and (hourly_cut is None or start_s >= hourly_cut):
        return Resolution.hourly
    if raw_cut is not None and start_s < raw_cut:
        # raw points are gone that far back: the coarser rollup is all there is
        return (
            Resolution.hourly if hourly_cut is None or start_s >= hourly_cut else Resolution.daily
        )
    return Resolution.raw


@dataclass(frozen=True)
class WriteResult:
    lines: int
    batches: int


def as_batches(data: Batch | Sample | Iterable[Batch | Sample]) -> list[Batch]:
    """Normalize what callers write into validated batches (one per measurement)."""
    if isinstance(data, Batch | Sample):
        data = [data]
    batches: list[Batch] = []
    samples: list[Sample] = []
    for item in data:
        if isinstance(item, Batch):
            batches.append(item.validate())
        elif isinstance(item, Sample):
            samples.append(item)
        else:
            raise SampleError(f"cannot write {type(item).__name__}: expected Sample or Batch")
    return batches + Batch.from_samples(samples)


@dataclass(frozen=True)
class Latest:
    """The newest values of one measurement as plain rows of (tag values in the measurement's
    order, field, value, epoch seconds), sorted by tags and field: what the wall's live read
    walks every time bucket. A frame (store.latest's long form) is built only when asked:
    building one per measurement cost the live read more than its query."""

    measurement: Measurement
    rows: list[tuple[tuple[str, ...], str, object, int]]

    @classmethod
    def of(cls, m: Measurement, rows: Iterable[tuple[tuple[str, ...], str, object, int]]) -> Latest:
        return cls(m, sorted(rows, key=lambda r: (r[0], r[1])))

    @classmethod
    def from_frame(cls, m: Measurement, frame: pd.DataFrame) -> Latest:
        """From store.latest's frame (a store that reads measurement by measurement)."""
        if frame.empty:
            return cls(m, [])
        keys = zip(*(frame[t].tolist() for t in m.tags), strict=True)
        seconds = [int(t.timestamp()) for t in frame["time"]]
        return cls.of(m, zip(keys, frame["field"].tolist(), frame["value"].tolist(), seconds,
                             strict=True))  # fmt: skip

    def __len__(self) -> int:
        return len(self.rows)

    def records(self, *tags: str) -> Iterator[tuple]:
        """(the tags asked…, field, value, epoch seconds) of every row."""
        at = [self.measurement.tags.index(t) for t in tags]
        for key, field, value, ts in self.rows:
            yield (*(key[i] for i in at), field, value, ts)

    def frame(self) -> pd.DataFrame:
        """store.latest's long form: the tags, field, value, time (UTC), one row a field."""
        table = self.rows
        columns: dict[str, object] = {
            k: [r[0][i] for r in table] for i, k in enumerate(self.measurement.tags)
        }
        columns["field"] = [r[1] for r in table]
        columns["value"] = [r[2] for r in table]
        seconds = np.array([r[3] for r in table], dtype="datetime64[s]")
        columns["time"] = pd.DatetimeIndex(seconds.astype("datetime64[us]")).tz_localize("UTC")
        return pd.DataFrame(columns)


def check_field(measurement_name: str, field: str, numeric: bool = False) -> None:
    """Raise KeyError for names the schema does not have (so no query is built from them)."""
    spec = measurement(measurement_name).field(field)
    if numeric and spec.type != FieldType.float:
        raise KeyError(f"{measurement_name}.{field} is not numeric")


ROLLUP_STATS = ("count", "sum", "min", "max", "last")
_COMBINE = {"count": "sum", "sum": "sum", "min": "min", "max": "max", "last": "sum"}


def check_stats(stats: Sequence[str]) -> list[str]:
    unknown = [s for s in stats if s not in ROLLUP_STATS]
    if unknown or not stats:
        raise ValueError(f"rollup stats must be among {', '.join(ROLLUP_STATS)}; got {list(stats)}")
    return [s for s in ROLLUP_STATS if s in stats]


def combine_rollup(
    frame: pd.DataFrame, stats: Sequence[str], by_node: bool = False, by: Sequence[str] = ("node",)
) -> pd.DataFrame:
    """Rows of (bucket, tags…, stats…) per series → one row per bucket and the `by` tags;
    by_node says each node has one series already (measurements tagged by node alone)."""
    by = list(by)
    columns = ["time", *by, *stats]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if by_node and by == ["node"]:
        out = frame.sort_values(["bucket", "node"], kind="stable")
    else:
        out = (
            frame.groupby(["bucket", *by])
            .agg(**{s: (s, _COMBINE[s]) for s in stats})
            .reset_index()
            .sort_values(["bucket", *by])
        )
    out.insert(0, "time", pd.to_datetime(out.pop("bucket").astype("int64"), unit="s", utc=True))
    if "count" in out:
        out["count"] = out["count"].astype("int64")
    return out[columns].reset_index(drop=True)


def check_by(measurement_name: str, by: Sequence[str]) -> list[str]:
    """The tags a rollup read keeps apart: node first, then any other tag of the measurement."""
    tags = measurement(measurement_name).tags
    unknown = [t for t in by if t not in tags]
    if unknown or "node" not in by:
        raise ValueError(
            f"a rollup is kept apart by node and tags of {measurement_name} {tags}; got {list(by)}"
        )
    return [t for t in tags if t in by]


# How a series read reduces rollups: (stored stat, aggregate over buckets) per aggregate;
# "mean" is sum of sums over sum of counts and is handled apart.
ROLLUP_READ = {"max": ("max", "max"), "min": ("min", "min"), "last": ("last", "last"),
               "sum": ("sum", "sum"), "count": ("count", "sum")}  # fmt: skip
# How the per-series values of one bucket combine into the node's value.
_ACROSS_SERIES = {
    "mean": "mean",
    "max": "max",
    "min": "min",
    "last": "sum",
    "sum": "sum",
    "count": "sum",
}


def combine_series(frame: pd.DataFrame, agg: str) -> pd.DataFrame:
    """Per-series bucket values (columns b, v) → the node's series: columns time, value.
    Several series of one node (departments, severities) add up for last/sum/count."""
    out = frame.groupby("b")["v"].agg(_ACROSS_SERIES[agg]).reset_index().sort_values("b")
    return pd.DataFrame(
        {
            "time": pd.to_datetime(out["b"].astype("int64"), unit="s", utc=True),
            "value": out["v"].astype(float),
        }
    ).reset_index(drop=True)


def series_agg(measurement_name: str, field: str, agg: str | None) -> str:
    """The aggregate a series read uses: the caller's, else the field's kind decides (counts
    are summed, cumulative counts take the last, gauges are averaged); unknown ones refused."""
    agg = agg or measurement(measurement_name).field(field).default_agg
    if agg not in AGGREGATES:
        raise ValueError(f"unknown aggregate {agg!r}; one of {', '.join(AGGREGATES)}")
    return agg


class Store(ABC):
    """Write canonical samples; read latest values, series, counters and rollups."""

    retention: Retention

    @property
    @abstractmethod
    def cache_name(self) -> str:
        """Names the data this store holds (no secrets), for query-cache keys."""

    @abstractmethod
    def write(
        self, data: Batch | Sample | Iterable[Batch | Sample], complete_buckets: bool = False
    ) -> WriteResult:
        """Write samples or batches (rollups maintained); raise StoreUnavailable/StoreRefused.

        complete_buckets=True is the bulk path's promise (backfill): every hour and China day
        this call touches is whole in it, so rollups are computed from the data in hand
        instead of being recomputed from what the store holds."""

    @abstractmethod
    def latest(
        self, measurement_name: str, fields: Sequence[str], nodes: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Latest value of each field per series: columns node, field, value, time (+ tags)."""

    def latest_many(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, Latest]:
        """`latest` of several measurements at once ({measurement: fields} → {measurement:
        its rows}): what changes within a day, read in one go (a store that can, in one
        request), as plain rows (Latest.frame() gives latest's frame)."""
        return {name: Latest.from_frame(measurement(name), self.latest(name, fields))
                for name, fields in wanted.items()}  # fmt: skip

    @abstractmethod
    def series(
        self,
        measurement_name: str,
        field: str,
        node: str,
        start: datetime,
        end: datetime,
        step: timedelta,
        agg: str | None = None,
        resolution: Resolution | None = None,
    ) -> pd.DataFrame:
        """One node's field over [start, end) at step, reduced by agg (default: by the
        field's kind): columns time, value.
        Several series of the node (e.g. per department) are combined by agg's nature:
        summed for sum/last/count, else reduced across them too. Empty buckets are left out."""

    @abstractmethod
    def counters(
        self, measurement_name: str, fields: Sequence[str], asof: datetime
    ) -> pd.DataFrame:
        """Cumulative counts as of the end of asof's China day, per series: tags + fields."""

    @abstractmethod
    def rollup(
        self,
        measurement_name: str,
        field: str,
        start: datetime,
        end: datetime,
        resolution: Resolution,
        nodes: Sequence[str] | None = None,
        stats: Sequence[str] = ROLLUP_STATS,
        by: Sequence[str] = ("node",),
    ) -> pd.DataFrame:
        """Stored rollups per bucket and node, combined over the node's series (counts, sums
        and lasts added, min of mins, max of maxes): columns time, node and the stats asked
        for (fewer stats read less: ("count", "sum") is all a mean needs). `by` keeps other
        tags apart too: ("node", "severity") gives security events per severity."""

    @abstractmethod
    def apply_retention(self, now: datetime) -> None:
        """Drop what each resolution's retention no longer keeps."""

    @property
    def problem(self) -> str | None:
        """What keeps the store from answering, when it knows (/readyz shows it)."""
        return None

    @abstractmethod
    def ping(self) -> bool:
        """True if the store answers now."""

    @contextmanager
    def capture_queries(self) -> Iterator[list[str]]:
        """The store's own query texts (InfluxQL, SQL) run by this thread inside the block,
        so a figure can be traced back to them."""
        token = _captured.set([])
        try:
            yield _captured.get()
        finally:
            _captured.reset(token)

    def close(self) -> None:  # noqa: B027 - optional for stores holding nothing
        """Release connections and files."""


epoch = to_epoch_s
