"""The query layer: the named reads the wall and the bulletins make, over the store.

Pages and bulletins never speak to the store themselves; they call these functions, which
return plain values and tidy frames (and are the place where caching will sit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from wall.chinatime import CHINA, day_start
from wall.plan.models import Plan, Target, Tier
from wall.progress import NotMeasured
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


def province_daily(
    store: Store, plan: Plan, metric: str, start: datetime, end: datetime
) -> pd.Series:
    """A provincial figure per China day (the sum over the provincial nodes of each node's
    last value that day), indexed by the day's start in UTC."""
    measurement, field = PROVINCE_METRICS[metric]
    nodes = [n.id for n in plan.nodes_of(Tier.province)]
    parts = []
    for node in nodes:
        s = store.series(
            measurement, field, node, start, end, timedelta(days=1), "last", Resolution.daily
        )
        parts.append(s.set_index("time")["value"].rename(node))
    if not parts:
        return pd.Series(dtype=float)
    frame = pd.concat(parts, axis=1).sort_index().ffill()  # a centre silent one day keeps its last
    return frame.sum(axis=1, min_count=1).dropna()


def province_figure(store: Store, plan: Plan, metric: str, asof: datetime) -> Figure:
    """The provincial figure as of an instant: the latest day's value up to asof."""
    start = asof - timedelta(days=400)
    daily = province_daily(store, plan, metric, start, asof + timedelta(seconds=1))
    if daily.empty:
        return Figure(None, None)
    return Figure(float(daily.iloc[-1]), daily.index[-1].to_pydatetime())


def target_reached_at(store: Store, plan: Plan, target: Target, asof: datetime) -> datetime | None:
    """When the provincial metric first met the target, by asof (the start of that China day);
    None if not yet. Raises NotMeasured for targets that no stored metric measures."""
    if (
        target.metric not in PROVINCE_METRICS
        or target.value is None
        or Tier.province not in target.scope
    ):
        raise NotMeasured(f"{target.id} is not measured by a stored metric")
    since = target.since or plan.period.start
    start = day_start(since)
    daily = province_daily(store, plan, target.metric, start, asof + timedelta(seconds=1))
    if daily.empty:
        raise LookupError("暂无指标数据")
    if target.metric == "vcpu_added":  # growth since the start, not a level
        daily = daily - daily.iloc[0]
    reached = daily[daily >= target.value]
    if reached.empty:
        return None
    first_data = daily.index[0].to_pydatetime()
    if reached.index[0] == daily.index[0] and first_data > start + timedelta(days=1):
        # met on the first day with data, which is later than the period's start: when it
        # was actually met cannot be told from the data
        raise LookupError(f"数据始于 {first_data.astimezone(CHINA):%Y-%m-%d}，无法判断达标日期")
    return reached.index[0].to_pydatetime()


@dataclass(frozen=True)
class NodeHealth:
    """What the wall knows of a node right now: its health and how old the data is."""

    health: str  # ok, degraded, down, stale (no fresh sample), none (never any data)
    time: datetime | None  # of the newest sample
    utilization: float | None  # 云资源整体使用率: mean of allocated ÷ total (vCPU, memory, storage)
    cpu_util: float | None


ALLOCATION = (("vcpu_allocated", "vcpu_total"), ("mem_allocated_gib", "mem_total_gib"),
              ("storage_allocated_tib", "storage_total_tib"))  # fmt: skip


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
