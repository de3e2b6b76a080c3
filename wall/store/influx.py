"""The InfluxDB store, over the v1 HTTP API (line protocol to /write, InfluxQL to /query),
which InfluxDB 1.x serves natively, 2.x through its v1 compatibility API (database = bucket,
token auth) and 3.x natively.

Retention is InfluxDB's own: retention policies `raw`, `hourly`, `daily` and `latest` in
the database, created or altered to the configured durations. Rollups are this module's
work, not continuous queries (1.x only, and they skip backfilled data): after every write
the touched hourly buckets are recomputed from raw and the touched days from hourly, and
buckets older than what the lower level keeps are computed from the batch itself. The
`latest` policy holds, per series, the newest value of each field with its time (field
`<name>__ts`), so the wall's most frequent read does not scan the write cache.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import numpy as np
import orjson
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
from wall.store.lineprotocol import (
    batch_lines,
    columns_lines,
    escape_key,
    escape_measurement,
    format_float,
    quote_string,
)
from wall.store.rollups import STATS, rollup_from_batch
from wall.store.samples import Batch
from wall.store.schema import FieldType, measurement

CHUNK_LINES = 10_000
SENDERS = 2
# influxd answers one query on one core at roughly 3 µs a row: a long rollup read is cut into
# READERS time slices queried side by side once it spans more than SLICE_ROWS rows
READERS = 2
SLICE_ROWS = 4000
# shard groups per retention policy: influxd opens every shard a query touches, so a year of
# daily rollups in 52 weekly shards reads about twice as slowly as from one (measured in
# benchmarks/store_bench.py); raw keeps influxd's default (one day for 90 days of retention)
SHARD_S = {"hourly": 28 * DAY, "daily": 364 * DAY, "latest": 364 * DAY}
RP_NAMES = {Resolution.raw: "raw", Resolution.hourly: "hourly", Resolution.daily: "daily"}


@dataclass(frozen=True)
class InfluxConfig:
    url: str  # http(s)://host:port
    database: str
    username: str | None = None
    password: str | None = None
    token: str | None = None
    verify: bool | str = True
    timeout_s: float = 10.0


def parse_influx_url(
    url: str, password: str | None = None, token: str | None = None
) -> InfluxConfig:
    """influxdb://[user[:password]@]host[:port]/database[?verify=false|/path/ca.pem&timeout_s=N];
    influxdbs:// for TLS. Secrets are better passed from the environment or a file (settings)."""
    parts = urlsplit(url)
    if parts.scheme not in ("influxdb", "influxdbs"):
        raise ValueError(f"not an InfluxDB URL: {url!r} (influxdb://host:8086/database)")
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise ValueError(
            f"InfluxDB URL {url!r} must name one database: influxdb://host:8086/gdcloud"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    verify: bool | str = True
    if "verify" in query:
        verify = {"false": False, "true": True}.get(query["verify"].lower(), query["verify"])
    scheme = "https" if parts.scheme == "influxdbs" else "http"
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return InfluxConfig(
        url=f"{scheme}://{host}:{parts.port or 8086}",
        database=database,
        username=unquote(parts.username) if parts.username else None,
        password=password
        if password is not None
        else (unquote(parts.password) if parts.password else None),
        token=token,
        verify=verify,
        timeout_s=float(query.get("timeout_s", 10.0)),
    )


def _ident(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _duration(seconds: int | None) -> str:
    return "INF" if seconds is None else f"{max(seconds // HOUR, 1)}h"


class InfluxStore(Store):
    def __init__(self, config: InfluxConfig, retention: Retention | None = None):
        self.config = config
        self.retention = retention or Retention()
        # no gzip on the answers: compressing megabytes of JSON costs influxd more CPU than
        # sending them, and the wall talks to its store over a fast network
        headers = {"Accept-Encoding": "identity"}
        auth = None
        if config.token:
            headers["Authorization"] = f"Token {config.token}"
        elif config.username:
            auth = httpx.BasicAuth(config.username, config.password or "")
        self._client = httpx.Client(
            base_url=config.url,
            headers=headers,
            auth=auth,
            verify=config.verify,
            timeout=httpx.Timeout(config.timeout_s),
            limits=httpx.Limits(max_keepalive_connections=8, max_connections=16),
        )
        self._latest_ts: dict[str, dict[tuple, dict[str, int]]] = {}
        self._lock = threading.Lock()
        self._ready = False
        self._sender = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="influx-write")
        self._readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="influx-read")
        self._inflight: deque[Future] = deque()

    @property
    def cache_name(self) -> str:
        return f"influxdb:{self.config.url}/{self.config.database}"

    # -- HTTP plumbing
    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise StoreUnavailable(f"InfluxDB at {self.config.url} unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise StoreUnavailable(f"InfluxDB {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise StoreRefused(f"InfluxDB refused ({response.status_code}): {response.text[:300]}")
        return response

    def query(self, q: str, write: bool = False) -> list[dict]:
        """Run InfluxQL; return the results list, raising StoreRefused on statement errors."""
        self.ensure_database()
        note_query(q)
        return self._query(q, write)

    def _query(self, q: str, write: bool = False) -> list[dict]:
        params = {"q": q, "db": self.config.database, "epoch": "s"}
        response = self._request("POST" if write else "GET", "/query", params=params)
        results = orjson.loads(response.content).get("results", [])
        for r in results:
            if "error" in r:
                raise StoreRefused(f"InfluxQL error: {r['error']} in {q[:200]}")
        return results

    def ping(self) -> bool:
        try:
            return self._client.get("/ping", timeout=2).status_code == 204
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        self._sender.shutdown(wait=True)
        self._readers.shutdown(wait=False)
        self._client.close()

    def ensure_database(self) -> None:
        """Create the database and retention policies when missing (where allowed)."""
        if self._ready:
            return
        db = _ident(self.config.database)
        try:
            self._query(f"CREATE DATABASE {db}", write=True)
        except StoreRefused as exc:
            if "403" not in str(exc) and "not authorized" not in str(exc):
                raise
        existing = {
            row[0]
            for r in self._query(f"SHOW RETENTION POLICIES ON {db}")
            for s in r.get("series", [])
            for row in s["values"]
        }
        wanted = {
            "raw": self.retention.raw_s,
            "hourly": self.retention.hourly_s,
            "daily": self.retention.daily_s,
            "latest": None,
        }
        for name, seconds in wanted.items():
            verb = "ALTER" if name in existing else "CREATE"
            default = " DEFAULT" if name == "raw" else ""
            shard = SHARD_S.get(name)
            # a shard group may not outlast its policy; new groups take an altered duration
            shard_clause = (
                f" SHARD DURATION {_duration(shard)}"
                if shard and (seconds is None or seconds > shard)
                else ""
            )
            self._query(
                f"{verb} RETENTION POLICY {_ident(name)} ON {db} DURATION {_duration(seconds)}"
                f" REPLICATION 1{shard_clause}{default}",
                write=True,
            )
        self._ready = True

    def _send(self, lines: list[str], rp: str) -> None:
        """Post in the background, SENDERS bodies in flight at most (influxd parses them in
        parallel); _drain() waits for all and re-raises the first failure."""
        while len(self._inflight) >= SENDERS:
            self._inflight.popleft().result()
        body = "\n".join(lines).encode()
        params = {"db": self.config.database, "rp": rp, "precision": "s"}
        self._inflight.append(
            self._sender.submit(self._request, "POST", "/write", params=params, content=body)
        )

    def _drain(self) -> None:
        error = None
        while self._inflight:
            try:
                self._inflight.popleft().result()
            except Exception as exc:  # keep draining: no request may outlive the write call
                error = error or exc
        if error is not None:
            raise error

    def _from(self, rp: str, name: str) -> str:
        return f"{_ident(self.config.database)}.{_ident(rp)}.{_ident(name)}"

    def _series(self, results: list[dict]) -> list[dict]:
        return [s for r in results for s in r.get("series", [])]

    # -- writing
    def write(self, data, complete_buckets: bool = False) -> WriteResult:
        """Write batches and keep the rollups and latest values in step. Each step is one
        request for all batches (raw points, latest values, then each level's rollups
        recomputed in one multi-statement query): a collection cycle of a few measurements
        costs a handful of round trips, not a handful per measurement."""
        batches = as_batches(data)
        self.ensure_database()
        now_s = epoch(datetime.now().astimezone())
        lines = 0
        with self._lock:
            try:
                hourly, daily, latest = [], [], []
                for batch in batches:
                    if len(batch) == 0:
                        continue
                    h, d = self._write_batch(batch, now_s, complete_buckets)
                    hourly += h
                    daily += d
                    latest += self._latest_lines(batch)
                    lines += len(batch)
                for i in range(0, len(latest), CHUNK_LINES):
                    self._send(latest[i : i + CHUNK_LINES], "latest")
                # hourly is recomputed from raw once raw is written, daily from hourly
                for statements, dst in ((hourly, "hourly"), (daily, "daily")):
                    if statements:
                        self._drain()
                        self._recompute(statements, dst)
            finally:
                self._drain()
        return WriteResult(lines, len(batches))

    def _write_batch(self, batch: Batch, now_s: int, complete: bool) -> tuple[list, list]:
        """Send a batch's raw points (and rollups the batch itself makes whole); return the
        statements that recompute its hourly and daily buckets from the level below."""
        m = measurement(batch.measurement)
        raw_cut = self.retention.cutoff(Resolution.raw, now_s)
        hourly_cut = self.retention.cutoff(Resolution.hourly, now_s)
        keep = batch.time >= raw_cut if raw_cut is not None else np.ones(len(batch), bool)
        recent = batch if keep.all() else _subset(batch, keep)
        for i in range(0, len(recent), CHUNK_LINES):
            # serialize the next chunk while the previous one is on the wire
            part = (
                recent if len(recent) <= CHUNK_LINES else _subset(recent, slice(i, i + CHUNK_LINES))
            )
            self._send(batch_lines(part), "raw")
        numeric = [f for f in batch.fields if m.field(f).type == FieldType.float]
        if not numeric:
            return [], []
        tmax = int(batch.time.max())
        hourly, daily = [], []
        # only the series the batch touched have buckets to recompute
        nodes = sorted(set(batch.tags["node"])) if "node" in batch.tags else None
        if nodes is not None and len(nodes) > 100:
            nodes = None
        # hourly: from the batch where raw is not kept (or the caller vouches the hours are
        # whole), else recomputed from raw, which may hold earlier points of the same hours
        if complete or not keep.all():
            old = batch if complete else _subset(batch, ~keep)
            self._write_rollup(old, rollup_from_batch(old, HOUR), "hourly", hourly_cut)
        if keep.any() and not complete:
            h0 = hour_bucket(int(batch.time[keep].min()))
            hourly.append(self._rollup_query(m.name, numeric, "raw", HOUR, h0, hour_bucket(tmax) + HOUR, nodes))  # fmt: skip
        # daily: likewise from the batch, or from hourly
        old_days = batch.time < hourly_cut if hourly_cut is not None else np.zeros(len(batch), bool)
        if complete or old_days.any():
            old = batch if complete else _subset(batch, old_days)
            self._write_rollup(old, rollup_from_batch(old, DAY), "daily", None)
        if not complete and not old_days.all():
            d0 = day_bucket(int(batch.time[~old_days].min()))
            daily.append(self._rollup_query(m.name, numeric, "hourly", DAY, d0, day_bucket(tmax) + DAY, nodes))  # fmt: skip
        return hourly, daily

    def _write_rollup(self, batch: Batch, frame: pd.DataFrame, rp: str, cutoff: int | None) -> None:
        if cutoff is not None:
            frame = frame[frame["bucket"] >= cutoff]
        if frame.empty:
            return
        m = measurement(batch.measurement)
        fields = {
            c: frame[c].to_numpy(dtype=np.float64)
            for c in frame.columns
            if c.rsplit("_", 1)[-1] in STATS and c not in m.tags
        }
        rollup = Batch.__new__(Batch)
        rollup.measurement = m.name
        rollup.time = frame["bucket"].to_numpy(dtype=np.int64)
        rollup.tags = {t: frame[t].to_numpy(dtype=object) for t in m.tags}
        rollup.fields = fields
        lines = _raw_lines(rollup)
        for i in range(0, len(lines), CHUNK_LINES):
            self._send(lines[i : i + CHUNK_LINES], rp)

    def _rollup_query(
        self, name: str, fields: list[str], src: str, step: int, t0: int, t1: int, nodes=None
    ) -> str:
        """The InfluxQL that recomputes the buckets [t0, t1) of `step` from the level below
        (of the given nodes' series, or all)."""
        if src == "raw":
            select = ", ".join(
                f"{fn}({_ident(f)}) AS {_ident(f + '_' + stat)}"
                for f in fields
                for stat, fn in zip(STATS, ("count", "sum", "min", "max", "last"), strict=True)
            )
        else:
            select = ", ".join(
                f"{fn}({_ident(f + '_' + stat)}) AS {_ident(f + '_' + stat)}"
                for f in fields
                for stat, fn in zip(STATS, ("sum", "sum", "min", "max", "last"), strict=True)
            )
        offset = f", {(-CHINA_OFFSET_S) % DAY}s" if step == DAY else ""
        return (
            f"SELECT {select} FROM {self._from(src, name)} WHERE time >= {t0}s AND time < {t1}s"
            f"{self._node_filter(nodes)} GROUP BY time({step}s{offset}), * fill(none)"
        )

    def _recompute(self, statements: list[str], dst: str) -> None:
        """Run the rollup statements in one request and write their buckets into dst."""
        lines = []
        for s in self._series(self.query(";".join(statements))):
            m = measurement(s["name"])
            head = escape_measurement(m.name)
            tags = "".join(
                f",{escape_key(k)}={escape_key(v)}"
                for k, v in sorted(s.get("tags", {}).items())
                if v
            )
            if len([k for k, v in s.get("tags", {}).items() if v]) != len(m.tags):
                continue
            cols = s["columns"]
            for row in s["values"]:
                values = [
                    f"{escape_key(c)}={format_float(v)}"
                    for c, v in zip(cols[1:], row[1:], strict=True)
                    if v is not None
                ]
                if values:
                    lines.append(f"{head}{tags} {','.join(values)} {row[0]}")
        for i in range(0, len(lines), CHUNK_LINES):
            self._send(lines[i : i + CHUNK_LINES], dst)

    def _latest_lines(self, batch: Batch) -> list[str]:
        """The latest-value lines a batch changes (each field's newest point per series)."""
        m = measurement(batch.measurement)
        known = self._latest_known(m.name)
        tag_names = sorted(m.tags)
        frame = pd.DataFrame({t: batch.tags[t] for t in tag_names} | {"__time": batch.time})
        head = escape_measurement(m.name)
        parts: dict[tuple, list[str]] = {}
        for f, col in batch.fields.items():
            text = m.field(f).type == FieldType.text
            frame["__v"] = col
            present = frame[frame["__v"].notna()]
            if present.empty:
                continue
            newest = (
                present.sort_values("__time", kind="stable").groupby(tag_names, sort=False).tail(1)
            )
            for row in newest.itertuples(index=False):
                key = tuple(row[: len(tag_names)])
                t, v = int(row[-2]), row[-1]
                seen = known.setdefault(key, {})
                if t < seen.get(f, -(2**62)):
                    continue
                seen[f] = t
                value = quote_string(v) if text else format_float(v)
                parts.setdefault(key, []).extend(
                    [f"{escape_key(f)}={value}", f"{escape_key(f + '__ts')}={float(t)!r}"]
                )
        lines = [
            head
            + "".join(
                f",{escape_key(k)}={escape_key(v)}" for k, v in zip(tag_names, key, strict=True)
            )
            + f" {','.join(p)} 0"
            for key, p in parts.items()
        ]
        return lines

    def _latest_known(self, name: str) -> dict[tuple, dict[str, int]]:
        if name not in self._latest_ts:
            known: dict[tuple, dict[str, int]] = {}
            tag_names = sorted(measurement(name).tags)
            for s in self._series(
                self.query(f"SELECT * FROM {self._from('latest', name)} GROUP BY *")
            ):
                key = tuple(s["tags"].get(t, "") for t in tag_names)
                cols = s["columns"]
                for row in s["values"]:
                    for c, v in zip(cols, row, strict=True):
                        if c.endswith("__ts") and v is not None:
                            known.setdefault(key, {})[c[:-4]] = int(v)
            self._latest_ts[name] = known
        return self._latest_ts[name]

    # -- reading
    def _node_filter(self, nodes: Sequence[str] | None) -> str:
        if nodes is None:
            return ""
        if not nodes:
            return " AND false"
        return " AND (" + " OR ".join(f'"node" = {_literal(n)}' for n in nodes) + ")"

    def latest(self, measurement_name, fields, nodes=None) -> pd.DataFrame:
        for f in fields:
            check_field(measurement_name, f)
        m = measurement(measurement_name)
        if (nodes is not None and not nodes) or not fields:
            return Latest(m, []).frame()
        where = self._node_filter(nodes).replace(" AND ", " WHERE ", 1)
        results = self.query(self._latest_select(m, fields) + where)
        return self._latest(m, fields, self._series(results)).frame()

    def latest_many(self, wanted) -> dict[str, Latest]:
        """One request: a statement per measurement."""
        for name, fields in wanted.items():
            for f in fields:
                check_field(name, f)
        wanted = {n: list(f) for n, f in wanted.items()}
        asked = [n for n, f in wanted.items() if f]
        out = {n: Latest(measurement(n), []) for n, f in wanted.items() if not f}
        if asked:
            results = self.query(
                ";".join(self._latest_select(measurement(n), wanted[n]) for n in asked)
            )
            for n, r in zip(asked, results, strict=True):
                out[n] = self._latest(measurement(n), wanted[n], r.get("series", []))
        return {n: out[n] for n in wanted}

    def _latest_select(self, m, fields) -> str:
        """The fields wanted, their times and the tags as columns of one series: a third of
        the time and bytes of `SELECT * … GROUP BY *`, which answers a series per tag set."""
        columns = [f"{_ident(t)}::tag" for t in m.tags]
        columns += [_ident(c) for f in fields for c in (f, f + "__ts")]
        return f"SELECT {','.join(columns)} FROM {self._from('latest', m.name)}"

    @staticmethod
    def _latest(m, fields, series: list[dict]) -> Latest:
        rows = []
        for s in series:
            grouped = s.get("tags") or {}
            at = {c: i for i, c in enumerate(s["columns"])}
            tag_at = [(at.get(t), grouped.get(t, "")) for t in m.tags]
            field_at = [(f, at[f], at[f + "__ts"], m.field(f).type == FieldType.text)
                        for f in fields if f in at and f + "__ts" in at]  # fmt: skip
            for row in s["values"]:
                tags = tuple(default if i is None else row[i] or default for i, default in tag_at)
                for f, i, ts_i, text in field_at:
                    value, ts = row[i], row[ts_i]
                    if value is not None and ts is not None:
                        rows.append((tags, f, value if text else float(value), int(ts)))
        return Latest.of(m, rows)

    def series(self, measurement_name, field, node, start, end, step, agg=None, resolution=None):
        check_field(measurement_name, field, numeric=True)
        agg = series_agg(measurement_name, field, agg)
        s0, s1, step_s = epoch(start), epoch(end), int(step.total_seconds())
        if step_s <= 0:
            raise ValueError("step must be positive")
        res = resolution or choose_resolution(
            s0, s1, step_s, self.retention, epoch(datetime.now().astimezone())
        )
        offset = f", {(-CHINA_OFFSET_S) % step_s}s" if step_s % DAY == 0 else ""
        where = f'WHERE time >= {s0}s AND time < {s1}s AND "node" = {_literal(node)}'
        if res == Resolution.raw:
            expr = f"{agg}({_ident(field)})"
            src = self._from("raw", measurement_name)
            select = f"{expr} AS v"
        else:
            src = self._from(RP_NAMES[res], measurement_name)
            if agg == "mean":
                select = f"sum({_ident(field + '_sum')}) AS s, sum({_ident(field + '_count')}) AS c"
            else:
                column, fn = ROLLUP_READ[agg]
                select = f"{fn}({_ident(field + '_' + column)}) AS v"
        q = f"SELECT {select} FROM {src} {where} GROUP BY time({step_s}s{offset}), * fill(none)"
        rows = []
        for s in self._series(self.query(q)):
            cols = s["columns"]
            for row in s["values"]:
                record = dict(zip(cols, row, strict=True))
                if "c" in record:
                    if record["c"]:
                        rows.append((record["time"], record["s"] / record["c"]))
                elif record["v"] is not None:
                    rows.append((record["time"], record["v"]))
        frame = pd.DataFrame(rows, columns=["b", "v"])
        return combine_series(frame, agg)

    def counters(self, measurement_name, fields, asof) -> pd.DataFrame:
        for f in fields:
            check_field(measurement_name, f, numeric=True)
        m = measurement(measurement_name)
        day = day_bucket(epoch(asof))
        statements = ";".join(
            f"SELECT last({_ident(f + '_last')}) AS v FROM {self._from('daily', m.name)}"
            f" WHERE time <= {day}s GROUP BY *"
            for f in fields
        )
        values: dict[tuple, dict[str, float]] = {}
        results = self.query(statements) if fields else []
        for f, result in zip(fields, results, strict=True):
            for s in result.get("series", []):
                key = tuple(s["tags"].get(t, "") for t in m.tags)
                values.setdefault(key, {})[f] = float(s["values"][0][1])
        rows = [[*key, *(vals.get(f) for f in fields)] for key, vals in values.items()]
        frame = pd.DataFrame(rows, columns=[*m.tags, *fields])
        return frame.sort_values(list(m.tags)).reset_index(drop=True)

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
        if nodes is not None and not nodes:
            return combine_rollup(pd.DataFrame(), stats, by=by)
        select = ", ".join(f"{_ident(field + '_' + s)} AS {s}" for s in stats)
        source = self._from(RP_NAMES[Resolution(resolution)], measurement_name)
        statements = [
            f"SELECT {select} FROM {source}"
            f" WHERE time >= {t0}s AND time < {t1}s{self._node_filter(nodes)} GROUP BY *"
            for t0, t1 in read_slices(
                epoch(start),
                epoch(end),
                HOUR if Resolution(resolution) == Resolution.hourly else DAY,
                nodes,
            )
        ]
        self.ensure_database()
        for q in statements:
            note_query(q)
        series = [
            s
            for results in self._readers.map(self._query, statements)
            for s in self._series(results)
        ]
        if not series:
            return combine_rollup(pd.DataFrame(), stats, by=by)
        values = np.array([row for s in series for row in s["values"]], dtype=np.float64)
        frame = pd.DataFrame(values, columns=["bucket", *stats])
        counts = [len(s["values"]) for s in series]
        for i, tag in enumerate(by):
            frame.insert(1 + i, tag, np.repeat([s["tags"].get(tag, "") for s in series], counts))
        return combine_rollup(
            frame.dropna(subset=[stats[0]]),
            stats,
            measurement(measurement_name).tags == ("node",),
            by,
        )

    def apply_retention(self, now: datetime) -> None:
        # InfluxDB enforces its retention policies itself; make sure they match configuration.
        self._ready = False
        self.ensure_database()


def read_slices(
    start: int, end: int, bucket_s: int, nodes: Sequence[str] | None
) -> list[tuple[int, int]]:
    """Cut [start, end) into at most READERS slices, one unless the read spans more than
    SLICE_ROWS rows (buckets times nodes, 30 nodes when all are asked for). A rollup point
    carries its bucket's start, so each lands in exactly one slice wherever the cuts fall."""
    buckets = max(-(-(end - start) // bucket_s), 1)
    rows = buckets * (len(nodes) if nodes is not None else 30)
    parts = min(READERS, max(rows // SLICE_ROWS, 1), buckets)
    edges = [start + (buckets * i // parts) * bucket_s for i in range(parts)] + [end]
    return list(pairwise(edges))


def _subset(batch: Batch, mask: np.ndarray | slice) -> Batch:
    out = Batch(
        batch.measurement,
        batch.time[mask],
        {k: v[mask] for k, v in batch.tags.items()},
        {k: v[mask] for k, v in batch.fields.items()},
    )
    out._validated = True
    return out


def _raw_lines(rollup: Batch) -> list[str]:
    """Lines of a rollup batch (field names <field>_<stat>, outside the canonical schema)."""
    return columns_lines(rollup.measurement, rollup.time, rollup.tags, rollup.fields)
