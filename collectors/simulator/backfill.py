"""Write the simulated province's history into a store through its bulk path.

Daily resolution from the start of the plan until a year ago, hourly for the last year,
one-minute for the last days; each call to the store holds whole China days, so rollups are
computed from the data in hand (the store's bulk promise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from collectors.simulator.model import DAY, Province
from wall.store import Batch, Store
from wall.store.base import CHINA_OFFSET_S

HOUR = 3600


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    step: int


def segments(since: int, now: int, minute_days: int, hourly_days: int = 365) -> list[Segment]:
    """Daily until hourly_days ago (a year), hourly until minute_days ago, then one-minute,
    aligned."""
    year_ago = _day_floor(now - hourly_days * DAY)
    minute_from = _day_floor(now - minute_days * DAY)
    out = []
    if since < year_ago:
        out.append(Segment(_day_floor(since) + 16 * HOUR, year_ago, DAY))  # 16:00 China daily
    out.append(Segment(max(year_ago, _day_floor(since)), minute_from, HOUR))
    out.append(Segment(minute_from, now - now % 60, 60))
    return [s for s in out if s.end > s.start]


def _day_floor(ts: int) -> int:
    return (ts + CHINA_OFFSET_S) // DAY * DAY - CHINA_OFFSET_S


def chunks(seg: Segment, days: int) -> Iterator[np.ndarray]:
    """Time grids of `days` whole China days each (the last one may be partial: now)."""
    d0 = _day_floor(seg.start)
    for c0 in range(d0, seg.end, days * DAY):
        t = np.arange(max(c0, seg.start), min(c0 + days * DAY, seg.end), seg.step, dtype=np.int64)
        if len(t):
            yield t


def province_batches(province: Province, t: np.ndarray, step: int) -> Iterator[Batch]:
    """Every measurement of every reporting node at instants t, one batch per measurement."""
    cols: dict[str, dict] = {}

    def put(name: str, tags: dict[str, str], times: np.ndarray, fields: dict[str, np.ndarray]):
        c = cols.setdefault(
            name, {"time": [], "tags": {k: [] for k in tags}, "fields": {k: [] for k in fields}}
        )
        c["time"].append(times)
        for k, v in tags.items():
            c["tags"][k].append(np.full(len(times), v, dtype=object))
        for k, v in fields.items():
            c["fields"][k].append(np.asarray(v, dtype=np.float64))

    for sim in province.nodes.values():
        mask = province.reporting(sim, t)
        if not mask.any():
            continue
        tt = t[mask]
        node = {"node": sim.node.id}
        put("capacity", node, tt, province.capacity(sim, tt))
        put("usage", node, tt, province.usage(sim, tt))
        put("health", node, tt, province.health(sim, tt))
        for sev, f in province.security(sim, tt, step).items():
            put("security", {"node": sim.node.id, "severity": sev}, tt, f)
        # migration registers change at most daily: one sample a day, at 23:00 China time
        daily = tt if step >= DAY else tt[(tt + CHINA_OFFSET_S) % DAY == 23 * HOUR]
        if len(daily):
            for dept, f in province.migration(sim, daily).items():
                put("migration", {"node": sim.node.id, "dept": dept}, daily, f)
    for sim in province.links.values():  # the extranet: each link's probes and router
        if sim.live_ts is None or not (t >= sim.live_ts).any():
            continue  # not built yet: nothing probes it
        live = t >= sim.live_ts
        fields = {k: v[live] for k, v in province.link_state(sim, t).items()}
        fields["util"] = np.maximum(fields["in_mbps"], fields["out_mbps"]) / sim.link.mbps
        fields["oper_up"] = fields["up"]
        put("link", {"node": sim.link.node, "link": sim.link.id}, t[live], fields)
    for name, c in cols.items():
        yield Batch(
            name,
            np.concatenate(c["time"]),
            {k: np.concatenate(v) for k, v in c["tags"].items()},
            {k: np.concatenate(v) for k, v in c["fields"].items()},
        )


def backfill(
    store: Store,
    province: Province,
    since: datetime,
    now: datetime | None = None,
    minute_days: int = 2,
    progress: Callable[[str], None] | None = None,
    hourly_days: int = 365,
) -> int:
    """Write history from since to now; return the number of lines written. Years of history
    at daily resolution only (hourly_days=0) are quick to write, for tests of the plan."""
    now_s = int((now or datetime.now(UTC)).timestamp())
    total = 0
    for seg in segments(int(since.timestamp()), now_s, minute_days, hourly_days):
        days = {DAY: 120, HOUR: 7, 60: 1}[seg.step]
        for t in chunks(seg, days):
            batches = list(province_batches(province, t, seg.step))
            store.write(batches, complete_buckets=True)
            total += sum(len(b) for b in batches)
        if progress:
            label = {DAY: "daily", HOUR: "hourly", 60: "one-minute"}[seg.step]
            progress(
                f"{label:10} {datetime.fromtimestamp(seg.start, UTC):%Y-%m-%d} → {datetime.fromtimestamp(seg.end, UTC):%Y-%m-%d}: {total:,} lines so far"
            )
    return total
