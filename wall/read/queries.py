"""The query layer: the named reads the wall and the bulletins make, over the store.

Pages and bulletins never speak to the store themselves; they call these functions, which
return plain values and tidy frames (and are the place where caching will sit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from wall.core.chinatime import CHINA, day_start
from wall.core.plan.models import Plan, Tier
from wall.read.cache import cached
from wall.store import Resolution, Store

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
    if last_day < now_day and end - last_day >= timedelta(days=1) - timedelta(seconds=2):
        # a past day viewed at its end (a replay's frame): its whole days come from one read
        # of the whole history, cut here, not a read of their own
        whole = _province_days(store, plan, metric, HISTORY_START, now_day)
        keep = (whole.index >= first) & (whole.index <= last_day) if not whole.empty else []
        frame = whole[keep] if not whole.empty else whole
        if frame.empty:
            return pd.Series(dtype=float)
        return frame.sort_index().ffill().sum(axis=1, min_count=1).dropna()
    past = _province_days(store, plan, metric, first, today) if first < today else None
    tail = _province_frame(store, plan, metric, max(today, start), end) if today < end else None
    parts = [f for f in (past, tail) if f is not None and not f.empty]
    if not parts:
        return pd.Series(dtype=float)
    frame = pd.concat(parts)
    frame = frame.sort_index().ffill()  # a centre silent one day keeps its last value
    return frame.sum(axis=1, min_count=1).dropna()


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
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


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


@cached()
def node_health(store: Store, stale_after_s: float, now: datetime) -> dict[str, NodeHealth]:
    """Health of every node with data, from the newest samples: stale when the newest is
    older than stale_after_s — never shown as ok."""
    health = store.latest("health", ["up", "hosts_down"])
    capacity = store.latest("capacity", [f for pair in ALLOCATION for f in pair])
    usage = store.latest("usage", ["cpu_util"])
    values: dict[str, dict[str, float]] = {}
    newest: dict[str, datetime] = {}
    for frame in (health, capacity, usage):
        for node, field, value, when in frame[["node", "field", "value", "time"]].itertuples(
            index=False
        ):
            values.setdefault(node, {})[field] = float(value)
            t = when.to_pydatetime()
            newest[node] = max(newest.get(node, t), t)
    out = {}
    for node, v in values.items():
        age = (now - newest[node]).total_seconds()
        if age > stale_after_s:
            state = "stale"
        elif v.get("up") == 0:
            state = "down"
        elif v.get("hosts_down", 0) > 0:
            state = "degraded"
        else:
            state = "ok"
        ratios = [v[a] / v[t] for a, t in ALLOCATION if v.get(t)]
        util = sum(ratios) / len(ratios) if len(ratios) == len(ALLOCATION) else None
        out[node] = NodeHealth(state, newest[node], util, v.get("cpu_util"))
    return out


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


ALLOCATION_FIELDS = tuple(f for pair in ALLOCATION for f in pair)
MIGRATION_FIELDS = ("systems_planned", "systems_migrated")


@cached()
def counters(store: Store, measurement: str, fields: tuple[str, ...], asof: datetime):
    """store.counters, cached: the wall's figures and a node page's tables share one read."""
    return store.counters(measurement, list(fields), asof)


@cached()
def node_figures(store: Store, asof: datetime) -> dict[str, NodeFigures]:
    """Utilization and migration of every node as of asof: the last value of each day's
    rollup up to that day (today's rollup holds today's newest sample)."""
    capacity = counters(store, "capacity", ALLOCATION_FIELDS, asof)
    migration = counters(store, "migration", MIGRATION_FIELDS, asof)
    migrated = migration.groupby("node")[["systems_planned", "systems_migrated"]].sum(min_count=1)
    out = {}
    nodes = set(capacity["node"]) | set(migrated.index)
    cap = capacity.set_index("node") if not capacity.empty else pd.DataFrame()
    for node in sorted(nodes):
        util = None
        if node in cap.index:
            row = cap.loc[node]
            ratios = [row[a] / row[t] for a, t in ALLOCATION if pd.notna(row[t]) and row[t]]
            util = float(sum(ratios) / len(ratios)) if len(ratios) == len(ALLOCATION) else None
        planned = migrated_n = None
        if node in migrated.index:
            planned = _num(migrated.loc[node, "systems_planned"])
            migrated_n = _num(migrated.loc[node, "systems_migrated"])
        out[node] = NodeFigures(util, planned, migrated_n)
    return out


@cached(ttl_s=HISTORY_TTL_S)
def node_figures_past(store: Store, asof: datetime) -> dict[str, NodeFigures]:
    """node_figures as of a past instant (the tiles' trend), kept an hour: pass an hour-bucketed
    asof, so every refresh in that hour shares it."""
    return node_figures.__wrapped__(store, asof)


def _num(value) -> float | None:
    return None if pd.isna(value) else float(value)


@dataclass(frozen=True)
class SecuritySummary:
    """Security operations over the day before an instant."""

    events: pd.DataFrame  # node, severity, events (sum over the last 24 h)
    open_incidents: pd.DataFrame  # node, severity, open_incidents (as of the instant)

    def events_by(self, column: str) -> dict[str, float]:
        if self.events.empty:
            return {}
        return self.events.groupby(column)["events"].sum().to_dict()

    def open_by_severity(self) -> dict[str, int]:
        if self.open_incidents.empty:
            return {}
        return {
            str(k): int(v)
            for k, v in self.open_incidents.groupby("severity")["open_incidents"].sum().items()
        }

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity().values())


SEVERITIES = ("high", "medium", "low")


@cached()
def security_summary(store: Store, asof: datetime) -> SecuritySummary:
    """Events per node and severity over the 24 h before asof, incidents open at asof."""
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
    incidents = store.counters("security", ["open_incidents"], asof)
    if incidents.empty:
        incidents = pd.DataFrame(columns=["node", "severity", "open_incidents"])
    return SecuritySummary(events, incidents[["node", "severity", "open_incidents"]])


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
