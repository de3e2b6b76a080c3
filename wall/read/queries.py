"""The query layer: the named reads the wall and the bulletins make, over the store.

Pages and bulletins never speak to the store themselves; they call these functions, which
return plain values and tidy frames, cached (wall.read.cache) by their arguments and time bucket.

What a screen reads follows what changes when:
- whole past days change only with late data: read once for the whole history and kept an hour
  (the provincial figures per day, the daily table every series' figure of a past day is
  looked up in: a replay's frames and the tiles' 30-day trend make no read of their own);
- within today only the newest values move: one live read per time bucket (`live`, every
  measurement's latest values in one request) gives health, utilization, today's counters,
  today's provincial figures and the open incidents.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from wall.core.chinatime import CHINA, day_start
from wall.core.plan.models import Plan, Tier
from wall.read.cache import bucket as cache_bucket
from wall.read.cache import cached
from wall.store import Latest, Resolution, Store
from wall.store.schema import measurement as schema_of

# the plan's provincial targets and the stored field that measures each
PROVINCE_METRICS = {
    "vcpu_total": ("capacity", "vcpu_total"),
    "vcpu_added": ("capacity", "vcpu_total"),  # growth since the target's `since` day
    "systems_migrated": ("migration", "systems_migrated"),
}
WALL_FIGURES = ("vcpu_total", "systems_migrated")


@dataclass(frozen=True)
class Figure:
    """One number with the time of the data behind it (None when there is no data)."""

    value: float | None
    time: datetime | None
    previous: float | None = None  # the value TREND_DAYS before, for the tile's trend


TREND_DAYS = 30


HISTORY_TTL_S = 3600  # whole past days change only with late data: kept an hour
HISTORY_START = day_start(date(2017, 1, 1))  # before any figure the wall reads


def province_daily(
    store: Store, plan: Plan, metric: str, start: datetime, end: datetime
) -> pd.Series:
    """A provincial figure per China day (the sum over the provincial nodes of each node's
    last value that day), indexed by the day's start in UTC.

    The whole days before end's day are read once an hour (cached by their first and last
    day, shared by every refresh and by the tiles and milestones that ask); only end's own
    day is read each time."""
    today = day_start(end.astimezone(CHINA).date())
    first = day_start(start.astimezone(CHINA).date())
    now_day = day_start(datetime.now(CHINA).date())
    last_day = day_start((end - timedelta(seconds=2)).astimezone(CHINA).date())
    # every whole day before today comes from one read of the whole history (an hour's cache
    # shared by every caller, whatever its start), cut here
    if last_day < now_day and end - last_day >= timedelta(days=1) - timedelta(seconds=2):
        # a past day viewed at its end (a replay's frame): its whole days only
        return _past_sums(store, plan, metric, first, last_day + timedelta(days=1), now_day)[1]
    past_end = min(today, now_day)
    last, past = (
        _past_sums(store, plan, metric, first, past_end, now_day) if first < today else (None, None)
    )
    # the day of end: today's from the time bucket's live read (now is end's bucket), another
    # day's read up to end
    if today == now_day and end > datetime.now(CHINA) - LIVE_WITHIN:
        sums = _province_live(store, plan, metric, today, end - timedelta(seconds=1), last)
        if sums.empty:
            return past if past is not None else sums
        return pd.concat([past, sums]) if past is not None and not past.empty else sums
    tail = _province_tail(store, plan, metric, max(today, start), end) if today < end else None
    if tail is None or tail.empty:
        return past if past is not None else pd.Series(dtype=float)
    if last is not None:  # a centre silent today keeps its last value
        tail = pd.concat([last, tail]).ffill().iloc[len(last) :]
    sums = _sums_of(tail)
    return pd.concat([past, sums]) if past is not None and not past.empty else sums


def _sums_of(frame: pd.DataFrame) -> pd.Series:
    """The provincial figure of each day: the nodes' values summed, a centre silent one day
    keeping its last value."""
    return frame.sort_index().ffill().sum(axis=1, min_count=1).dropna()


@cached(ttl_s=HISTORY_TTL_S)
def _past_sums(store: Store, plan: Plan, metric: str, first: datetime, end: datetime,
               now_day: datetime) -> tuple[pd.DataFrame | None, pd.Series]:  # fmt: skip
    """The whole days from first up to end, summed, and the nodes' values on the last of
    them (carried forward): what today's row is completed from."""
    whole = _province_days(store, plan, metric, HISTORY_START, now_day)
    frame = _cut(whole, first, end)
    if frame.empty:
        return None, pd.Series(dtype=float)
    return frame.sort_index().ffill().iloc[-1:], _sums_of(frame)


LIVE_WITHIN = timedelta(minutes=1)  # an end this close to now is now: read live


def _province_live(store: Store, plan: Plan, metric: str, today: datetime, now: datetime,
                   last: pd.DataFrame | None) -> pd.Series:  # fmt: skip
    """Today's provincial figure from each provincial node's newest value, if it is today's
    (a node's several series add up, as a series read of the day's last values does), a
    centre silent today counting with its value on the last day before (`last`): empty when
    no node has a value today. Plain Python over the bucket's live read: it runs every time
    bucket, and the frames it once built cost more than the read."""
    measurement, field = PROVINCE_METRICS[metric]
    ids = [n.id for n in plan.nodes_of(Tier.province)]
    today_s = today.timestamp()
    row: dict[str, float] = {}
    for node, name, value, ts in live(store, now)[measurement].records("node"):
        if name == field and node in ids and ts >= today_s:
            row[node] = row.get(node, 0.0) + float(value)
    if not row:
        return pd.Series(dtype=float)
    before = last.iloc[-1].to_dict() if last is not None else {}
    values = [row[n] if n in row else before.get(n) for n in ids]
    total = sum(v for v in values if v is not None and v == v)  # NaN: no value that day
    index = pd.DatetimeIndex([pd.Timestamp(today).tz_convert("UTC")], name="time")
    return pd.Series([total], index=index, dtype=float)


def _cut(frame: pd.DataFrame, first: datetime, end: datetime) -> pd.DataFrame:
    """The rows of days from first up to (not including) end."""
    if frame.empty:
        return frame
    return frame[(frame.index >= first) & (frame.index < end)]


@cached()
def _province_tail(
    store: Store, plan: Plan, metric: str, start: datetime, end: datetime
) -> pd.DataFrame:
    return _province_frame(store, plan, metric, start, end)


@cached(ttl_s=HISTORY_TTL_S)
def _province_days(
    store: Store, plan: Plan, metric: str, start: datetime, end: datetime
) -> pd.DataFrame:
    return _province_frame(store, plan, metric, start, end)


def _province_frame(
    store: Store, plan: Plan, metric: str, start: datetime, end: datetime
) -> pd.DataFrame:
    """Each provincial node's last value per China day in [start, end), one column a node."""
    measurement, field = PROVINCE_METRICS[metric]
    parts = []
    for node in plan.nodes_of(Tier.province):
        s = store.series(
            measurement, field, node.id, start, end, timedelta(days=1), "last", Resolution.daily
        )
        parts.append(s.set_index("time")["value"].rename(node.id))
    # sorted by day when the centres' days differ (one silent today), as pandas 4 will not by itself
    return pd.concat(parts, axis=1, sort=True) if parts else pd.DataFrame()


@cached()
def province_figure(store: Store, plan: Plan, metric: str, asof: datetime) -> Figure:
    """The provincial figure as of an instant: the latest day's value up to asof, and the
    value TREND_DAYS before it."""
    start = day_start(asof.astimezone(CHINA).date() - timedelta(days=400))
    daily = province_daily(store, plan, metric, start, asof + timedelta(seconds=1))
    if daily.empty:
        return Figure(None, None)
    latest = daily.index[-1]
    before = daily[daily.index <= latest - pd.Timedelta(days=TREND_DAYS)]
    previous = float(before.iloc[-1]) if not before.empty else None
    return Figure(float(daily.iloc[-1]), latest.to_pydatetime(), previous)


@dataclass(frozen=True)
class NodeHealth:
    """What the wall knows of a node right now: its health and how old the data is."""

    health: str  # ok, degraded, down, stale (no fresh sample), none (never any data)
    time: datetime | None  # of the newest sample
    utilization: float | None  # 云资源整体使用率: mean of allocated ÷ total (vCPU, memory, storage)
    cpu_util: float | None


ALLOCATION = (("vcpu_allocated", "vcpu_total"), ("mem_allocated_gib", "mem_total_gib"),
              ("storage_allocated_tib", "storage_total_tib"))  # fmt: skip
ALLOCATION_FIELDS = tuple(f for pair in ALLOCATION for f in pair)
MIGRATION_FIELDS = ("systems_planned", "systems_migrated")
# what changes within a day, read once per time bucket: every other figure of the wall is
# whole past days (kept an hour) or the plan's verdicts over them
LIVE_FIELDS = {
    "health": ("up", "hosts_down"),
    "capacity": ALLOCATION_FIELDS,
    "usage": ("cpu_util",),
    "migration": MIGRATION_FIELDS,
    "security": ("open_incidents",),
    "link": ("up", "loss", "rtt_ms", "util"),
}


@cached()
def live(store: Store, now: datetime) -> dict[str, Latest]:
    """The newest value of every field in LIVE_FIELDS (plain rows, per measurement), in one
    read per time bucket: health, utilization, today's counters and open incidents."""
    return store.latest_many({m: list(f) for m, f in LIVE_FIELDS.items()})


@cached()
def node_health(store: Store, stale_after_s: float, now: datetime) -> dict[str, NodeHealth]:
    """Health of every node with data, from the newest samples: stale when the newest is
    older than stale_after_s — never shown as ok."""
    snapshot = live(store, now)
    values: dict[str, dict[str, float]] = {}
    newest: dict[str, int] = {}
    for name in ("health", "capacity", "usage"):
        for node, field, value, ts in snapshot[name].records("node"):
            values.setdefault(node, {})[field] = float(value)
            newest[node] = max(newest.get(node, ts), ts)
    out = {}
    for node, v in values.items():
        when = datetime.fromtimestamp(newest[node], UTC)
        age = (now - when).total_seconds()
        if age > stale_after_s:
            state = "stale"
        elif v.get("up") == 0:
            state = "down"
        elif v.get("hosts_down", 0) > 0:
            state = "degraded"
        else:
            state = "ok"
        out[node] = NodeHealth(state, when, utilization(v), v.get("cpu_util"))
    return out


@dataclass(frozen=True)
class LinkHealth:
    """What the probes say of an extranet link right now."""

    node: str
    state: str  # up (the far end answers), down (it does not), stale (no fresh probe)
    time: datetime
    rtt_ms: float | None
    loss: float | None
    util: float | None


@cached()
def link_health(store: Store, stale_after_s: float, now: datetime) -> dict[str, LinkHealth]:
    """Every probed link's state from the newest probes: stale when the newest is older than
    stale_after_s (the probing collector is blind: the link's state is not known)."""
    values: dict[str, dict[str, float]] = {}
    newest: dict[str, datetime] = {}
    nodes: dict[str, str] = {}
    for link, node, field, value, ts in live(store, now)["link"].records("link", "node"):
        values.setdefault(link, {})[field] = float(value)
        nodes[link] = node
        if field == "up":  # the probes' time, not the router's
            newest[link] = datetime.fromtimestamp(ts, UTC)
    out = {}
    for link, v in values.items():
        if link not in newest:
            continue  # read over SNMP only: no probe says whether it answers
        fresh = (now - newest[link]).total_seconds() <= stale_after_s
        state = "stale" if not fresh else ("up" if v.get("up") == 1 else "down")
        out[link] = LinkHealth(nodes[link], state, newest[link], v.get("rtt_ms"), v.get("loss"),
                               v.get("util"))  # fmt: skip
    return out


@cached()
def link_series(
    store: Store, link: str, fields: tuple[str, ...], start: datetime, end: datetime
) -> dict[str, pd.DataFrame]:
    """One link's fields over [start, end) from the rollups (hourly up to 40 days, daily
    beyond), its own series apart from the node's other links: time and value (the mean)."""
    resolution = Resolution.hourly if end - start <= timedelta(days=40) else Resolution.daily
    out = {}
    for f in fields:
        frame = store.rollup("link", f, start, end, resolution, stats=("sum", "count"),
                             by=("node", "link"))  # fmt: skip
        mine = frame[frame["link"] == link] if not frame.empty else frame
        out[f] = pd.DataFrame({"time": mine["time"] if not mine.empty else pd.Series(dtype="datetime64[ns, UTC]"),
                               "value": (mine["sum"] / mine["count"]) if not mine.empty else pd.Series(dtype=float)})  # fmt: skip
    return out


def link_answer_days(store: Store, end_day: datetime) -> dict[str, list[datetime]]:
    """Per link, the China days before end_day on which a probe answered (the daily rollup's
    max of `up` is 1), in order: what a network milestone counts. An end_day not after today
    is looked up in the whole past's (one read an hour, where a replay's frames each read the
    history up to their own day: 78 frames, 78 reads of it)."""
    today = day_start(datetime.now(CHINA).date())
    if end_day > today:
        return _link_answer_days(store, end_day)
    past = _link_answer_days(store, today)
    out = {link: days[: bisect.bisect_left(days, end_day)] for link, days in past.items()}
    return {link: days for link, days in out.items() if days}


@cached(ttl_s=HISTORY_TTL_S)
def _link_answer_days(store: Store, end_day: datetime) -> dict[str, list[datetime]]:
    """link_answer_days, read (kept an hour)."""
    frame = store.rollup("link", "up", HISTORY_START, end_day, Resolution.daily,
                         stats=("max",), by=("node", "link"))  # fmt: skip
    out: dict[str, list[datetime]] = {}
    if frame.empty:
        return out
    answered = frame[frame["max"] >= 1]
    for link, t in zip(answered["link"].tolist(), answered["time"].tolist(), strict=True):
        out.setdefault(link, []).append(t.to_pydatetime())
    return {k: sorted(v) for k, v in out.items()}


@dataclass(frozen=True)
class NodeFigures:
    """A node's standing against the city targets as of a date (from daily rollups)."""

    utilization: float | None  # 云资源整体使用率
    systems_planned: float | None
    systems_migrated: float | None

    @property
    def migration_rate(self) -> float | None:
        if not self.systems_planned or self.systems_migrated is None:
            return None
        return self.systems_migrated / self.systems_planned


@cached()
def counters(store: Store, measurement: str, fields: tuple[str, ...], asof: datetime):
    """store.counters, cached: the wall's figures and a node page's tables share one read."""
    return store.counters(measurement, list(fields), asof)


def counters_of_day(store: Store, measurement: str, fields: tuple[str, ...], asof: datetime):
    """counters as of a day before today, looked up in the whole history's daily table (a
    replay's frames make no read of their own); today's, read."""
    day = asof.astimezone(CHINA).date()
    if day < datetime.now(CHINA).date():
        return daily_table(store, measurement, fields, "last", day.year).last_asof(asof)
    return counters(store, measurement, fields, asof)


@dataclass(frozen=True)
class DailyTable:
    """Every series' daily figure of some fields over the whole history before today (one
    read each, kept an hour): what a replay's frames look up instead of reading the store."""

    tags: list[str]
    keys: list[tuple]  # one per series: its tag values
    days: np.ndarray  # the China days' starts, epoch seconds, ascending
    values: dict[str, np.ndarray]  # field → days × series

    def last_asof(self, asof: datetime) -> pd.DataFrame:
        """As store.counters: each series' newest daily value up to asof's day (a series
        without any by then is left out)."""
        return self._row(asof, carried=True)

    def of_day(self, asof: datetime) -> pd.DataFrame:
        """Each series' figure of asof's own day (the daily sum of counted events)."""
        return self._row(asof, carried=False)

    def _row(self, asof: datetime, carried: bool) -> pd.DataFrame:
        day = day_start(asof.astimezone(CHINA).date()).timestamp()
        i = int(np.searchsorted(self.days, day, side="right")) - 1
        fields = list(self.values)
        if i < 0 or (not carried and self.days[i] != day):
            return pd.DataFrame(columns=[*self.tags, *fields])
        frame = pd.DataFrame(self.keys, columns=self.tags)
        for f, table in self.values.items():
            frame[f] = table[i]
        frame = frame.dropna(subset=fields, how="all")
        return frame.sort_values(self.tags).reset_index(drop=True)


@cached(ttl_s=HISTORY_TTL_S)
def daily_table(
    store: Store, measurement: str, fields: tuple[str, ...], stat: str, year: int
) -> DailyTable:
    """The daily `stat` (last, sum) of each field for every series through one China year
    (read once for the year, kept an hour; a replay's frames only read the years they show);
    `last` is carried forward over the days a series was silent, from the years before too."""
    tags = list(schema_of(measurement).tags)
    first, end = day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))
    parts = {f: store.rollup(measurement, f, first, end, Resolution.daily, stats=(stat,),
                             by=tags) for f in fields}  # fmt: skip
    carried = None  # the year before's last values, as the row of its last day
    if stat == "last" and year > HISTORY_START.astimezone(CHINA).year:
        carried = daily_table(store, measurement, fields, stat, year - 1).last_asof(
            first - timedelta(seconds=1)
        )
        carried = None if carried.empty else carried
    every = pd.concat([p[["time", *tags]] for p in parts.values()], ignore_index=True)
    days = np.unique(_epoch_s(every["time"]))
    keys = set(every[tags].itertuples(index=False, name=None))
    if carried is not None:
        days = np.concatenate([[int((first - timedelta(days=1)).timestamp())], days])
        keys |= set(carried[tags].itertuples(index=False, name=None))
    keys = sorted(keys)
    index = pd.MultiIndex.from_tuples(keys, names=tags) if keys else None
    values = {}
    for f, frame in parts.items():
        table = np.full((len(days), len(keys)), np.nan)
        if carried is not None:
            table[0, index.get_indexer(pd.MultiIndex.from_frame(carried[tags]))] = carried[f]
        if not frame.empty:
            rows = np.searchsorted(days, _epoch_s(frame["time"]))
            cols = index.get_indexer(pd.MultiIndex.from_frame(frame[tags]))
            table[rows, cols] = frame[stat].to_numpy(dtype=float)
        if stat == "last":  # a series silent on a day keeps its last value
            table = pd.DataFrame(table).ffill().to_numpy()
        values[f] = table
    return DailyTable(tags, keys, days.astype(np.int64), values)


def _epoch_s(times: pd.Series) -> np.ndarray:
    """Instants as whole epoch seconds, whatever the column's unit or dtype."""
    t = pd.to_datetime(times, utc=True)
    return ((t - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)


@cached()
def node_figures(store: Store, asof: datetime, daily: bool = False) -> dict[str, NodeFigures]:
    """Utilization and migration of every node as of asof: the last value of each day's
    rollup up to that day (today's rollup holds today's newest sample); daily, a past day's
    from the daily table (a replay's frames)."""
    read = counters_of_day if daily else counters
    capacity = read(store, "capacity", ALLOCATION_FIELDS, asof)
    migration = read(store, "migration", MIGRATION_FIELDS, asof)
    return _node_figures(_by_node(_wide_triples(capacity, ALLOCATION_FIELDS)),
                         _by_node(_wide_triples(migration, MIGRATION_FIELDS)))  # fmt: skip


@cached()
def node_figures_live(store: Store, now: datetime) -> dict[str, NodeFigures]:
    """node_figures as of now, from the bucket's live read (the newest sample is today's
    rollup's last value)."""
    snapshot = live(store, now)
    return _node_figures(_by_node(_triples(snapshot["capacity"])),
                         _by_node(_triples(snapshot["migration"])))  # fmt: skip


def utilization(values: dict[str, float]) -> float | None:
    """云资源整体使用率: the mean of allocated ÷ total over vCPU, memory and storage (None
    unless all three are known)."""
    ratios = [values[a] / values[t] for a, t in ALLOCATION
              if values.get(t) and values.get(a) is not None]  # fmt: skip
    return sum(ratios) / len(ratios) if len(ratios) == len(ALLOCATION) else None


def _triples(latest: Latest):
    """(node, field, value) of a live read's rows."""
    return ((node, field, float(value)) for node, field, value, _ in latest.records("node"))


def _wide_triples(frame: pd.DataFrame, fields: tuple[str, ...]):
    """(node, field, value) of a counters frame (one column a field), missing values left out."""
    for f in fields:
        for node, value in zip(
            frame["node"].tolist(), frame[f].astype(float).tolist(), strict=True
        ):
            if not pd.isna(value):
                yield node, f, value


def _by_node(triples) -> dict[str, dict[str, float]]:
    """Each node's fields, its several series (departments) added up."""
    out: dict[str, dict[str, float]] = {}
    for node, name, value in triples:
        got = out.setdefault(node, {})
        got[name] = got.get(name, 0.0) + value
    return out


def _node_figures(capacity: dict[str, dict[str, float]],
                  migration: dict[str, dict[str, float]]) -> dict[str, NodeFigures]:  # fmt: skip
    out = {}
    for node in sorted(set(capacity) | set(migration)):
        mig = migration.get(node, {})
        out[node] = NodeFigures(utilization(capacity.get(node, {})), mig.get("systems_planned"),
                                mig.get("systems_migrated"))  # fmt: skip
    return out


@cached(ttl_s=HISTORY_TTL_S)
def node_figures_past(store: Store, asof: datetime, daily: bool = False) -> dict[str, NodeFigures]:
    """node_figures as of a past instant (the tiles' trend), kept an hour: pass an hour-bucketed
    asof, so every refresh in that hour shares it."""
    return node_figures.__wrapped__(store, asof, daily)


@dataclass(frozen=True)
class SecuritySummary:
    """Security operations over the day before an instant, as (node, severity, number) rows:
    plain tuples, summed a few ways by every refresh (a group-by of frames cost more)."""

    events: tuple[tuple[str, str, float], ...]  # the events of the last 24 h
    open_incidents: tuple[tuple[str, str, int], ...]  # incidents open at the instant

    @classmethod
    def of(cls, events: pd.DataFrame, open_incidents: pd.DataFrame) -> SecuritySummary:
        return cls(_rows(events, "events", float), _rows(open_incidents, "open_incidents", int))

    def events_by(self, key: str) -> dict[str, float]:
        return _sums(self.events, key)

    def open_by(self, key: str) -> dict[str, int]:
        return _sums(self.open_incidents, key)

    def open_by_severity(self, node: str | None = None) -> dict[str, int]:
        """Incidents open per severity (of one node, if given)."""
        rows = (
            self.open_incidents
            if node is None
            else [r for r in self.open_incidents if r[0] == node]
        )
        return _sums(rows, "severity")

    @property
    def open_total(self) -> int:
        return sum(n for _, _, n in self.open_incidents)


def _rows(frame: pd.DataFrame, column: str, kind: type) -> tuple[tuple[str, str, float], ...]:
    """(node, severity, column) of a frame: rows without a node or severity left out (as
    pandas' group-by drops missing keys), a missing number counting 0."""
    if frame.empty:
        return ()
    return tuple(
        (str(node), str(sev), kind(0 if n is None or n != n else n))
        for node, sev, n in zip(
            frame["node"].tolist(), frame["severity"].tolist(), frame[column].tolist(), strict=True
        )
        if node is not None and node == node and sev is not None and sev == sev
    )


def _sums(rows, key: str) -> dict:
    """The rows' numbers summed per node or severity, keys sorted."""
    at = {"node": 0, "severity": 1}[key]
    out: dict = {}
    for row in rows:
        out[row[at]] = out.get(row[at], 0) + row[2]
    return {k: out[k] for k in sorted(out)}


SEVERITIES = ("high", "medium", "low")


@cached()
def security_summary(store: Store, asof: datetime, daily: bool = False) -> SecuritySummary:
    """Events per node and severity over the 24 h before asof, incidents open at asof; daily,
    a past day's from the daily tables (a replay's frames)."""
    read = counters_of_day if daily else counters
    incidents = read(store, "security", ("open_incidents",), asof)
    today = datetime.now(CHINA).date()
    day = asof.astimezone(CHINA).date()
    at_end = asof >= day_start(day + timedelta(days=1)) - timedelta(seconds=1)
    if daily and day < today and at_end:
        # a past day at its end (a replay's frame): the 24 hours are that day, in the table
        table = daily_table(store, "security", ("events",), "sum", day.year)
        events = table.of_day(asof)[["node", "severity", "events"]]
        return SecuritySummary.of(events, _incidents(incidents))
    return SecuritySummary.of(_security_events(store, asof), _incidents(incidents))


@cached()
def security_summary_live(store: Store, now: datetime) -> SecuritySummary:
    """security_summary as of now, its open incidents from the bucket's live read."""
    rows = live(store, now)["security"].records("node", "severity")
    incidents = tuple((node, sev, int(n)) for node, sev, field, n, _ in rows
                      if field == "open_incidents" and n is not None and n == n)  # fmt: skip
    return SecuritySummary(_recent_events(store, cache_bucket(now, EVENTS_EVERY_S)), incidents)


EVENTS_EVERY_S = 60  # a live screen's 24-hour event counts are read once a minute


@cached()
def _recent_events(store: Store, minute: datetime) -> tuple[tuple[str, str, float], ...]:
    return _rows(_security_events(store, minute), "events", float)


def _incidents(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["node", "severity", "open_incidents"])
    return frame.dropna(subset=["open_incidents"])[["node", "severity", "open_incidents"]]


def _security_events(store: Store, asof: datetime) -> pd.DataFrame:
    start = asof - timedelta(hours=24)
    events = store.rollup(
        "security",
        "events",
        start,
        asof,
        Resolution.hourly,
        stats=("sum",),
        by=("node", "severity"),
    )
    if not events.empty:
        events = (
            events.groupby(["node", "severity"], as_index=False)["sum"]
            .sum()
            .rename(columns={"sum": "events"})
        )
    else:
        events = pd.DataFrame(columns=["node", "severity", "events"])
    return events


# -- one node, for the operator pages ----------------------------------------------------------


@cached()
def node_series(
    store: Store,
    node: str,
    measurement: str,
    fields: tuple[str, ...],
    start: datetime,
    end: datetime,
    step: timedelta,
) -> dict[str, pd.DataFrame]:
    """A node's fields over [start, end) at step (time, value per field); the store picks the
    resolution the step allows (raw minutes, hourly or daily rollups)."""
    return {f: store.series(measurement, f, node, start, end, step) for f in fields}


@dataclass(frozen=True)
class SourceStatus:
    """A collector source's last attempt at one node (from the collectors' self-monitoring)."""

    source: str
    ok: bool
    last_attempt: datetime
    duration_ms: float | None
    error: str | None
    last_success_hour: datetime | None  # the start of the newest hour with a success


SOURCE_LOOKBACK = timedelta(days=7)


@cached()
def node_sources(store: Store, node: str, now: datetime) -> list[SourceStatus]:
    """Every source that collects this node: its last attempt, and when it last succeeded."""
    latest = store.latest("collector", ["ok", "duration_ms", "error"], nodes=[node])
    if latest.empty:
        return []
    hours = store.rollup(
        "collector", "ok", now - SOURCE_LOOKBACK, now + timedelta(hours=1), Resolution.hourly,
        nodes=[node], stats=("max",), by=("source", "node"),
    )  # fmt: skip
    succeeded = hours[hours["max"] >= 1].groupby("source")["time"].max() if not hours.empty else {}
    out = []
    for source, rows in latest.groupby("source"):
        by_field = {r.field: r for r in rows.itertuples(index=False)}
        ok_row = by_field.get("ok")
        if ok_row is None:
            continue
        ok = float(ok_row.value) >= 1
        error = by_field.get("error")
        duration = by_field.get("duration_ms")
        newest_error = error is not None and error.time >= ok_row.time and not ok
        last_ok = succeeded.get(source) if len(succeeded) else None
        out.append(
            SourceStatus(
                str(source),
                ok,
                ok_row.time.to_pydatetime(),
                float(duration.value) if duration is not None else None,
                str(error.value) if newest_error else None,
                last_ok.to_pydatetime() if last_ok is not None else None,
            )
        )
    return sorted(out, key=lambda s: (s.ok, s.source))


@cached()
def node_migration(store: Store, node: str, asof: datetime) -> pd.DataFrame:
    """A node's business systems by department as of asof: dept, planned, migrated."""
    counts = counters(store, "migration", MIGRATION_FIELDS, asof)
    counts = counts[counts["node"] == node] if not counts.empty else counts
    if counts.empty:
        return pd.DataFrame(columns=["dept", "planned", "migrated"])
    return (
        counts.rename(columns={"systems_planned": "planned", "systems_migrated": "migrated"})[
            ["dept", "planned", "migrated"]
        ]
        .sort_values("dept")
        .reset_index(drop=True)
    )


@cached()
def node_allocation(store: Store, node: str, asof: datetime) -> dict[str, float]:
    """A node's capacity and allocation fields as of asof (the last value of asof's day)."""
    counts = counters(store, "capacity", ALLOCATION_FIELDS, asof)
    mine = counts[counts["node"] == node] if not counts.empty else counts
    if mine.empty:
        return {}
    row = mine.iloc[0]
    return {f: float(row[f]) for pair in ALLOCATION for f in pair if pd.notna(row[f])}


@cached(ttl_s=HISTORY_TTL_S)
def city_year_series(store: Store, node: str, first: date, last: date) -> pd.DataFrame:
    """A city node's one-year figures per China day from first to last (inclusive): the
    migration rate (migrated ÷ planned, as of the day's end) and the 30-day mean of 云资源整体
    使用率 ending that day (each day: the mean of allocated ÷ total for vCPU, memory and
    storage, from the day's last values). Columns: day, rate, utilization_30d."""
    start = day_start(first - timedelta(days=29))
    end = day_start(last + timedelta(days=1))
    days = pd.date_range(start, end - timedelta(days=1), freq="D")  # China days, in UTC
    capacity = {}
    for f in ALLOCATION_FIELDS:
        roll = store.rollup("capacity", f, start, end, Resolution.daily, nodes=[node],
                            stats=("last",))  # fmt: skip
        capacity[f] = roll.set_index("time")["last"] if not roll.empty else pd.Series(dtype=float)
    frame = pd.DataFrame(capacity).reindex(days)
    ratios = sum(frame[a] / frame[t] for a, t in ALLOCATION) / len(ALLOCATION)
    counts = {}
    for f in MIGRATION_FIELDS:  # per department, each kept until its register changes
        roll = store.rollup("migration", f, day_start(date(2000, 1, 1)), end, Resolution.daily,
                            nodes=[node], stats=("last",), by=("node", "dept"))  # fmt: skip
        if roll.empty:
            counts[f] = pd.Series(float("nan"), index=days)
            continue
        wide = roll.pivot_table(index="time", columns="dept", values="last", aggfunc="last")
        wide = wide.reindex(wide.index.union(days)).sort_index().ffill().reindex(days)
        counts[f] = wide.sum(axis=1, min_count=1)
    planned = counts["systems_planned"].where(counts["systems_planned"] > 0)
    out = pd.DataFrame(
        {
            "day": [t.tz_convert(CHINA).date() for t in days],
            "rate": (counts["systems_migrated"] / planned).to_numpy(),
            # the mean of the days with data among the 30 ending on each day
            "utilization_30d": ratios.rolling(30, min_periods=1).mean().to_numpy(),
        }
    )
    return out[out["day"] >= first].reset_index(drop=True)
