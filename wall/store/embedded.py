"""The embedded store: SQLite in WAL mode, so one collector process writes while several
wall workers read. Same contract and same results as the InfluxDB store.

Layout: a `series` table (one row per measurement and tag set), one wide table per
measurement (a row per series and second, a column per field, absent fields NULL), the
`latest` table (the newest value of each field per series, so the wall's most frequent read
touches one row per node), and hourly and daily rollups (count, sum, min, max, last per
field) recomputed from the level below for every bucket a write touches — so writing the
same sample twice changes nothing, and late or backfilled data lands in its rollups too.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from wall.store.base import (
    CHINA_OFFSET_S,
    DAY,
    HOUR,
    ROLLUP_READ,
    ROLLUP_STATS,
    Latest,
    Resolution,
    Retention,
    Store,
    StoreRefused,
    StoreUnavailable,
    WriteResult,
    as_batches,
    check_by,
    check_field,
    check_stats,
    choose_resolution,
    combine_rollup,
    combine_series,
    day_bucket,
    epoch,
    hour_bucket,
    note_query,
    series_agg,
)
from wall.store.samples import Batch
from wall.store.schema import MEASUREMENTS, FieldType, measurement


def _q(name: str) -> str:
    """Quote an identifier (names come from the schema, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def _table(measurement_name: str) -> str:
    return _q("m_" + measurement_name)


def _migration_1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE series (id INTEGER PRIMARY KEY, measurement TEXT NOT NULL,"
        " key TEXT NOT NULL, node TEXT, tags TEXT NOT NULL, UNIQUE (measurement, key))"
    )
    conn.execute("CREATE INDEX series_node ON series (measurement, node)")
    for res in ("1h", "1d"):
        conn.execute(
            f"CREATE TABLE rollup_{res} (series_id INTEGER NOT NULL, field TEXT NOT NULL,"
            " bucket INTEGER NOT NULL, count INTEGER NOT NULL, sum REAL NOT NULL,"
            " min REAL NOT NULL, max REAL NOT NULL, last REAL NOT NULL, last_ts INTEGER NOT NULL,"
            " PRIMARY KEY (series_id, field, bucket)) WITHOUT ROWID"
        )
    conn.execute(
        "CREATE TABLE latest (series_id INTEGER NOT NULL, field TEXT NOT NULL,"
        " ts INTEGER NOT NULL, value, PRIMARY KEY (series_id, field)) WITHOUT ROWID"
    )


# Structural migrations, in order; PRAGMA user_version records how many ran. Measurement
# tables and columns follow the schema additively (see _sync_measurements).
MIGRATIONS = [_migration_1]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file to the current schema; return the version it had."""
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > len(MIGRATIONS):
        raise StoreRefused(f"embedded store schema {before} is newer than this code")
    for version in range(before + 1, len(MIGRATIONS) + 1):
        conn.execute("BEGIN")
        MIGRATIONS[version - 1](conn)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    _sync_measurements(conn)
    return before


def _sync_measurements(conn: sqlite3.Connection) -> None:
    for m in MEASUREMENTS.values():
        table = _table(m.name)
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (series_id INTEGER NOT NULL,"
            " ts INTEGER NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID"
        )
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, spec in m.fields.items():
            if name not in have:
                kind = "TEXT" if spec.type == FieldType.text else "REAL"
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {_q(name)} {kind}")
    conn.commit()


def _reads(method):
    """A read whose SQLite error (a damaged page, an I/O error) comes out as StoreUnavailable,
    which the wall shows as 数据存储不可用, never as a crash."""

    @functools.wraps(method)
    def read(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    return read


def parse_sqlite_url(url: str) -> Path:
    """sqlite:///relative/path.db (three slashes) or sqlite:////absolute/path.db (four)."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a sqlite URL: {url!r} (sqlite:///relative or sqlite:////absolute)")
    rest = url[len("sqlite:///") :]
    if not rest:
        raise ValueError(f"sqlite URL {url!r} names no file")
    return Path(rest)


@functools.lru_cache(maxsize=65536)
def _tag_values(name: str, tags: str) -> tuple[str, ...]:
    """A series' tag values in its measurement's order, from the series table's JSON (the
    same few hundred series each live read: decoded once)."""
    decoded = json.loads(tags)
    return tuple(decoded.get(k) or "" for k in measurement(name).tags)


class EmbeddedStore(Store):
    @property
    def cache_name(self) -> str:
        return self._name

    def __init__(self, path: str | Path, retention: Retention | None = None, timeout_s: float = 10):
        self.path = Path(path)
        self._name = f"sqlite:{self.path.resolve()}"  # asked by every cached query
        self.retention = retention or Retention()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._timeout = timeout_s
        self._series_ids: dict[tuple[str, str], int] = {}
        self._problem: tuple[float, str] | None = None
        conn = self._conn()
        try:
            migrate(conn)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc

    # -- connections: one per thread, WAL so readers never block the writer
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
            self._local.conn = conn
        return conn

    @contextmanager
    def capture_queries(self) -> Iterator[list[str]]:
        """SQLite reports each statement with its parameters bound (this thread's connection)."""
        with super().capture_queries() as captured:
            conn = self._conn()
            conn.set_trace_callback(
                lambda sql: sql.lstrip().startswith("SELECT") and note_query(sql)
            )
            try:
                yield captured
            finally:
                conn.set_trace_callback(None)

    PROBLEM_KEPT_S = 60.0

    def _failed(self, exc: sqlite3.Error) -> StoreUnavailable:
        """The error as the store's; a damaged file (not a busy one) is its problem a while."""
        message = f"{self.path}: {exc}"
        if not isinstance(exc, sqlite3.OperationalError):  # "database is locked" passes
            self._problem = (time.monotonic(), message)
        return StoreUnavailable(message)

    @property
    def problem(self) -> str | None:
        """What made the last reads fail (a damaged page), for a minute after."""
        if self._problem and time.monotonic() - self._problem[0] < self.PROBLEM_KEPT_S:
            return self._problem[1]
        return None

    def ping(self) -> bool:
        """A real read of the tables every refresh reads (SELECT 1 reads no page at all)."""
        try:
            conn = self._conn()
            conn.execute("SELECT count(*), max(ts) FROM latest").fetchone()
            conn.execute("SELECT count(*) FROM series").fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return False
        except StoreUnavailable:
            return False
        return self.problem is None

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writing
    def _series_id(self, conn: sqlite3.Connection, name: str, tags: dict[str, str]) -> int:
        key = ",".join(f"{k}={tags[k]}" for k in sorted(tags))
        sid = self._series_ids.get((name, key))
        if sid is None:
            conn.execute(
                "INSERT OR IGNORE INTO series (measurement, key, node, tags) VALUES (?, ?, ?, ?)",
                (name, key, tags.get("node"), json.dumps(tags, ensure_ascii=False, sort_keys=True)),
            )
            sid = conn.execute(
                "SELECT id FROM series WHERE measurement = ? AND key = ?", (name, key)
            ).fetchone()[0]
            self._series_ids[(name, key)] = sid
        return sid

    def write(self, data, complete_buckets: bool = False) -> WriteResult:
        batches = as_batches(data)
        conn = self._conn()
        lines = 0
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for batch in batches:
                    lines += self._write_batch(conn, batch, complete_buckets)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreUnavailable(f"{self.path} is busy: {exc}") from exc
            raise StoreRefused(f"{self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreRefused(f"{self.path}: {exc}") from exc
        return WriteResult(lines, len(batches))

    def _write_batch(self, conn: sqlite3.Connection, batch: Batch, complete: bool = False) -> int:
        if len(batch) == 0:
            return 0
        m = measurement(batch.measurement)
        tag_names = sorted(batch.tags)
        tag_cols = [batch.tags[t].tolist() for t in tag_names]
        combos: dict[tuple, int] = {}
        sids = []
        for combo in zip(*tag_cols, strict=True):
            sid = combos.get(combo)
            if sid is None:
                sid = self._series_id(conn, m.name, dict(zip(tag_names, combo, strict=True)))
                combos[combo] = sid
            sids.append(sid)
        fields = sorted(batch.fields)
        cols = []
        for f in fields:
            col = batch.fields[f]
            if m.field(f).type == FieldType.text:
                cols.append(col.tolist())
            else:
                cols.append(
                    np.where(np.isnan(col), None, col).tolist()
                    if np.isnan(col).any()
                    else col.tolist()
                )
        times = batch.time.tolist()
        names = ", ".join(_q(f) for f in fields)
        marks = ", ".join("?" for _ in fields)
        updates = ", ".join(f"{_q(f)} = coalesce(excluded.{_q(f)}, {_q(f)})" for f in fields)
        conn.executemany(
            f"INSERT INTO {_table(m.name)} (series_id, ts, {names}) VALUES (?, ?, {marks})"
            f" ON CONFLICT (series_id, ts) DO UPDATE SET {updates}",
            zip(sids, times, *cols, strict=True),
        )
        self._update_latest(conn, np.asarray(sids), batch, fields)
        series = sorted(set(sids))
        tmin, tmax = min(times), max(times)
        numeric = [f for f in fields if m.field(f).type == FieldType.float]
        # SQLite recomputes touched buckets in C faster than Python could build them from
        # the batch, so the bulk promise (complete) changes nothing here
        self._recompute(conn, m.name, numeric, series, tmin, tmax)
        return len(times)

    def _update_latest(self, conn, sids: np.ndarray, batch: Batch, fields: list[str]) -> None:
        rows = []
        times = batch.time
        for f in fields:
            col = batch.fields[f]
            present = (
                np.array([v is not None for v in col]) if col.dtype == object else ~np.isnan(col)
            )
            for sid in np.unique(sids):
                mask = (sids == sid) & present
                if not mask.any():
                    continue
                idx = np.flatnonzero(mask)
                i = idx[np.argmax(times[idx])]
                value = col[i]
                rows.append(
                    (int(sid), f, int(times[i]), value.item() if hasattr(value, "item") else value)
                )
        conn.executemany(
            "INSERT INTO latest (series_id, field, ts, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (series_id, field) DO UPDATE SET ts = excluded.ts, value = excluded.value"
            " WHERE excluded.ts >= latest.ts",
            rows,
        )

    def _recompute(
        self, conn, name: str, fields: list[str], series: list[int], tmin: int, tmax: int
    ):
        """Rebuild the hourly then daily rollups of every bucket in [tmin, tmax] for series."""
        if not fields:
            return
        ids = ",".join(str(s) for s in series)
        h0, h1 = hour_bucket(tmin), hour_bucket(tmax) + HOUR
        d0, d1 = day_bucket(tmin), day_bucket(tmax) + DAY
        table = _table(name)
        for f in fields:
            col = _q(f)
            conn.execute(
                f"DELETE FROM rollup_1h WHERE series_id IN ({ids}) AND field = ?"
                " AND bucket >= ? AND bucket < ?",
                (f, h0, h1),
            )
            conn.execute(
                "INSERT INTO rollup_1h (series_id, field, bucket, count, sum, min, max, last, last_ts)"
                f" SELECT a.series_id, ?, a.bucket, a.c, a.s, a.mn, a.mx, r.{col}, a.lts FROM"
                f" (SELECT series_id, ts - ts % {HOUR} AS bucket, count({col}) AS c, sum({col}) AS s,"
                f" min({col}) AS mn, max({col}) AS mx, max(ts) AS lts FROM {table}"
                f" WHERE series_id IN ({ids}) AND ts >= ? AND ts < ? AND {col} IS NOT NULL"
                " GROUP BY series_id, bucket) AS a"
                f" JOIN {table} AS r ON r.series_id = a.series_id AND r.ts = a.lts",
                (f, h0, h1),
            )
            conn.execute(
                f"DELETE FROM rollup_1d WHERE series_id IN ({ids}) AND field = ?"
                " AND bucket >= ? AND bucket < ?",
                (f, d0, d1),
            )
            conn.execute(
                "INSERT INTO rollup_1d (series_id, field, bucket, count, sum, min, max, last, last_ts)"
                " SELECT a.series_id, ?, a.day, a.c, a.s, a.mn, a.mx, h.last, a.lts FROM"
                f" (SELECT series_id, (bucket + {CHINA_OFFSET_S}) / {DAY} * {DAY} - {CHINA_OFFSET_S}"
                " AS day, sum(count) AS c, sum(sum) AS s, min(min) AS mn, max(max) AS mx,"
                " max(last_ts) AS lts, max(bucket) AS lb FROM rollup_1h"
                f" WHERE series_id IN ({ids}) AND field = ? AND bucket >= ? AND bucket < ?"
                " GROUP BY series_id, day) AS a"
                # the day's last value is the last hour's: join on the primary key, not last_ts
                " JOIN rollup_1h AS h ON h.series_id = a.series_id AND h.field = ? AND h.bucket = a.lb",
                (f, f, d0, d1, f),
            )

    # -- reading
    def _series_of(self, name: str, nodes: Sequence[str] | None) -> pd.DataFrame:
        sql = "SELECT id, tags FROM series WHERE measurement = ?"
        args: list = [name]
        if nodes is not None:
            sql += f" AND node IN ({','.join('?' for _ in nodes)})"
            args += list(nodes)
        rows = self._conn().execute(sql, args).fetchall()
        tags = [json.loads(t) for _, t in rows]
        frame = pd.DataFrame(tags, columns=list(measurement(name).tags))
        frame.insert(0, "series_id", [r[0] for r in rows])
        return frame

    @_reads
    def latest(self, measurement_name, fields, nodes=None) -> pd.DataFrame:
        for f in fields:
            check_field(measurement_name, f)
        m = measurement(measurement_name)
        series = self._series_of(measurement_name, nodes)
        columns = [*m.tags, "field", "value", "time"]
        if series.empty or not fields:
            return pd.DataFrame(columns=columns)
        ids = ",".join(str(int(s)) for s in series["series_id"])
        marks = ",".join("?" for _ in fields)
        rows = (
            self._conn()
            .execute(
                f"SELECT series_id, field, value, ts FROM latest WHERE series_id IN ({ids})"
                f" AND field IN ({marks})",
                list(fields),
            )
            .fetchall()
        )
        frame = pd.DataFrame(rows, columns=["series_id", "field", "value", "ts"])
        frame = series.merge(frame, on="series_id")
        frame["time"] = pd.to_datetime(frame["ts"], unit="s", utc=True)
        return frame[columns].sort_values([*m.tags, "field"]).reset_index(drop=True)

    @_reads
    def latest_many(self, wanted) -> dict[str, Latest]:
        """One query for every measurement wanted (the wall's live read each time bucket)."""
        for name, fields in wanted.items():
            for f in fields:
                check_field(name, f)
        pairs = [(name, f) for name, fields in wanted.items() for f in fields]
        rows: dict[str, list] = {name: [] for name in wanted}
        if pairs:
            marks = ",".join("(?, ?)" for _ in pairs)
            found = self._conn().execute(
                "SELECT s.measurement, s.tags, l.field, l.value, l.ts FROM latest AS l"
                " JOIN series AS s ON s.id = l.series_id"
                f" WHERE (s.measurement, l.field) IN (VALUES {marks})",
                [v for pair in pairs for v in pair],
            )
            for name, tags, field, value, ts in found:
                rows[name].append((_tag_values(name, tags), field, value, ts))
        return {name: Latest.of(measurement(name), got) for name, got in rows.items()}

    @_reads
    def series(self, measurement_name, field, node, start, end, step, agg=None, resolution=None):
        check_field(measurement_name, field, numeric=True)
        agg = series_agg(measurement_name, field, agg)
        s0, s1, step_s = epoch(start), epoch(end), int(step.total_seconds())
        if step_s <= 0:
            raise ValueError("step must be positive")
        res = resolution or choose_resolution(
            s0, s1, step_s, self.retention, epoch(datetime.now().astimezone())
        )
        offset = -CHINA_OFFSET_S % step_s if step_s % DAY == 0 else 0
        series = self._series_of(measurement_name, [node])
        if series.empty:
            return pd.DataFrame(
                {"time": pd.Series(dtype="datetime64[ns, UTC]"), "value": pd.Series(dtype=float)}
            )
        ids = ",".join(str(int(s)) for s in series["series_id"])
        bucket = f"(({{t}} - {offset}) / {step_s}) * {step_s} + {offset}"
        if res == Resolution.raw:
            col, table = _q(field), _table(measurement_name)
            b = bucket.format(t="ts")
            per_series = (
                f"SELECT series_id, {b} AS b, ts, {col} AS v FROM {table}"
                f" WHERE series_id IN ({ids}) AND ts >= ? AND ts < ? AND {col} IS NOT NULL"
            )
            args: list = [s0, s1]
            frame = pd.DataFrame(
                self._conn().execute(per_series, args).fetchall(),
                columns=["series_id", "b", "ts", "v"],
            )
            grouped = frame.sort_values("ts").groupby(["series_id", "b"])["v"]
            reduce = {
                "mean": "mean",
                "max": "max",
                "min": "min",
                "last": "last",
                "sum": "sum",
                "count": "count",
            }
            per = grouped.agg(reduce[agg]).reset_index()
        else:
            table = "rollup_1h" if res == Resolution.hourly else "rollup_1d"
            b = bucket.format(t="bucket")
            rows = (
                self._conn()
                .execute(
                    f"SELECT series_id, {b} AS b, bucket, count, sum, min, max, last FROM {table}"
                    f" WHERE series_id IN ({ids}) AND field = ? AND bucket >= ? AND bucket < ?",
                    [field, s0, s1],
                )
                .fetchall()
            )
            frame = pd.DataFrame(
                rows, columns=["series_id", "b", "bucket", "count", "sum", "min", "max", "last"]
            )
            g = frame.sort_values("bucket").groupby(["series_id", "b"])
            if agg == "mean":
                sums = g[["sum", "count"]].sum()
                per = (sums["sum"] / sums["count"]).rename("v").reset_index()
            else:
                column, how = ROLLUP_READ[agg]
                per = g[column].agg(how).rename("v").reset_index()
        return combine_series(per, agg)

    @_reads
    def counters(self, measurement_name, fields, asof) -> pd.DataFrame:
        for f in fields:
            check_field(measurement_name, f, numeric=True)
        m = measurement(measurement_name)
        series = self._series_of(measurement_name, None)
        columns = [*m.tags, *fields]
        if series.empty:
            return pd.DataFrame(columns=columns)
        day = day_bucket(epoch(asof))
        out = series.copy()
        ids = json.dumps([int(s) for s in series["series_id"]])
        for f in fields:
            # one primary-key probe per series (its newest day up to asof), not a table scan
            rows = (
                self._conn()
                .execute(
                    "SELECT s.value, (SELECT r.last FROM rollup_1d AS r WHERE r.series_id = s.value"
                    " AND r.field = ? AND r.bucket <= ? ORDER BY r.bucket DESC LIMIT 1)"
                    " FROM json_each(?) AS s",
                    (f, day, ids),
                )
                .fetchall()
            )
            values = {sid: v for sid, v in rows if v is not None}
            out[f] = out["series_id"].map(values)
        out = out.dropna(subset=list(fields), how="all")
        return out[columns].sort_values(list(m.tags)).reset_index(drop=True)

    @_reads
    def rollup(
        self,
        measurement_name,
        field,
        start,
        end,
        resolution,
        nodes=None,
        stats=ROLLUP_STATS,
        by=("node",),
    ):
        check_field(measurement_name, field, numeric=True)
        stats = check_stats(stats)
        by = check_by(measurement_name, by)
        if resolution == Resolution.raw:
            raise ValueError("rollups are hourly or daily")
        series = self._series_of(measurement_name, nodes)
        if series.empty:
            return combine_rollup(pd.DataFrame(), stats, by=by)
        table = "rollup_1h" if resolution == Resolution.hourly else "rollup_1d"
        ids = ",".join(str(int(s)) for s in series["series_id"])
        rows = (
            self._conn()
            .execute(
                f"SELECT series_id, bucket, {', '.join(stats)} FROM {table}"
                f" WHERE series_id IN ({ids}) AND field = ? AND bucket >= ? AND bucket < ?",
                (field, epoch(start), epoch(end)),
            )
            .fetchall()
        )
        frame = pd.DataFrame(rows, columns=["series_id", "bucket", *stats])
        frame = frame.merge(series[["series_id", *by]], on="series_id")
        return combine_rollup(frame, stats, measurement(measurement_name).tags == ("node",), by)

    @_reads
    def apply_retention(self, now: datetime) -> None:
        now_s = epoch(now)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        cut = self.retention.cutoff(Resolution.raw, now_s)
        if cut is not None:
            for m in MEASUREMENTS.values():
                conn.execute(f"DELETE FROM {_table(m.name)} WHERE ts < ?", (cut,))
        for res, table in ((Resolution.hourly, "rollup_1h"), (Resolution.daily, "rollup_1d")):
            cut = self.retention.cutoff(res, now_s)
            if cut is not None:
                conn.execute(f"DELETE FROM {table} WHERE bucket < ?", (cut,))
        conn.execute("COMMIT")
