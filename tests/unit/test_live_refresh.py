"""A live screen's refresh reads only what changes within a day (the newest values, one read
per time bucket) and keeps its decided state for the bucket: its figures must still be the
ones the store holds, and a progress event recorded within the bucket must show at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from wall.core.chinatime import CHINA
from wall.core.layouts import LayoutSource
from wall.core.plan import load_plan
from wall.core.progress import EventKind, ProgressEvent
from wall.read import cache
from wall.read.reader import Backend, Reader
from wall.read.view import make_view
from wall.state.db import StateDB
from wall.state.progress import add_event
from wall.store import Sample, open_store

PLAN = load_plan()
LAYOUTS = LayoutSource(None).get()


def _reader(backend: Backend, now: datetime) -> Reader:
    return Reader(backend, make_view("wall", "/", "", PLAN, now))


def test_live_figures_are_the_newest_values_and_an_event_shows_within_the_bucket(tmp_path):
    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = cache.bucket(datetime.now(UTC), 5)
    yesterday = now - timedelta(days=1)
    centres = [n.id for n in PLAN.nodes if n.id.startswith("prov-")]
    samples = []
    for k, node in enumerate(centres):  # yesterday's values, then today's newer ones
        for when, vcpu in ((yesterday, 1000.0), (now - timedelta(minutes=2), 40000.0 + k)):
            samples.append(Sample.make("capacity", {"node": node}, {
                "vcpu_total": vcpu, "vcpu_allocated": vcpu / 2, "mem_total_gib": 100.0,
                "mem_allocated_gib": 50.0, "storage_total_tib": 10.0, "storage_allocated_tib": 5.0}, when))  # fmt: skip
    for dept, planned, migrated in (("公安厅", 10.0, 4.0), ("卫健委", 30.0, 12.0)):
        samples.append(Sample.make("migration", {"node": "city-meizhou", "dept": dept},
                                   {"systems_planned": planned, "systems_migrated": migrated},
                                   now - timedelta(minutes=1)))  # fmt: skip
    store.write(samples)
    backend = Backend(store, StateDB(tmp_path / "state.db"), PLAN)

    state = _reader(backend, now).wall_state(LAYOUTS.thresholds)
    # the two centres' newest vCPU, added by hand: 40000 + 40001
    assert state.overview.figures["vcpu_total"].value == 80001.0
    assert state.overview.figures["vcpu_total"].previous is None  # no data 30 days before
    meizhou = state.node_figures["city-meizhou"]
    assert (meizhou.systems_planned, meizhou.systems_migrated) == (40.0, 16.0)
    assert state.node_figures[centres[0]].utilization == 0.5
    before = {v.node.id: v.live_at for v in state.overview.nodes}
    assert before["city-meizhou"] is None  # nothing recorded yet

    # recorded within the same time bucket: the next refresh says it
    with backend.state.connection() as conn:
        add_event(conn, PLAN, ProgressEvent(EventKind.node_live, "city-meizhou",
                                            datetime(2019, 9, 30, 12, tzinfo=CHINA), "验收", "test"))  # fmt: skip
    again = _reader(backend, now).wall_state(LAYOUTS.thresholds)
    live = {v.node.id: v.live_at for v in again.overview.nodes}
    assert live["city-meizhou"] == datetime(2019, 9, 30, 12, tzinfo=CHINA)
    assert again.verdicts.built["city-meizhou"].met


def test_a_past_day_is_looked_up_in_the_daily_table_with_the_stores_own_answers(tmp_path):
    """A replay's frame reads no store of its own: each series' figure as of a past day comes
    from the whole history's daily table, carried over days a series was silent, and the
    day's security events are that China day's sum."""
    from wall.read import queries

    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    d1, d3 = datetime(2020, 3, 1, 10, tzinfo=CHINA), datetime(2020, 3, 3, 10, tzinfo=CHINA)
    store.write([
        Sample.make("migration", {"node": "city-heyuan", "dept": "公安厅"}, {"systems_planned": 10, "systems_migrated": 3}, d1),
        Sample.make("migration", {"node": "city-heyuan", "dept": "卫健委"}, {"systems_planned": 20, "systems_migrated": 5}, d1),
        Sample.make("migration", {"node": "city-heyuan", "dept": "公安厅"}, {"systems_planned": 10, "systems_migrated": 7}, d3),
        # events of 2 March (China): 23:30 on the 1st does not count, 00:30 on the 3rd neither
        Sample.make("security", {"node": "city-heyuan", "severity": "high"}, {"events": 4, "open_incidents": 1},
                    datetime(2020, 3, 1, 23, 30, tzinfo=CHINA)),
        Sample.make("security", {"node": "city-heyuan", "severity": "high"}, {"events": 2, "open_incidents": 2},
                    datetime(2020, 3, 2, 9, tzinfo=CHINA)),
        Sample.make("security", {"node": "city-heyuan", "severity": "high"}, {"events": 5, "open_incidents": 0},
                    datetime(2020, 3, 2, 21, tzinfo=CHINA)),
        Sample.make("security", {"node": "city-heyuan", "severity": "high"}, {"events": 9, "open_incidents": 3},
                    datetime(2020, 3, 3, 0, 30, tzinfo=CHINA)),
    ])  # fmt: skip
    end_of = lambda day: datetime(2020, 3, day, 23, 59, 59, 999999, tzinfo=CHINA)  # noqa: E731
    fields = ("systems_planned", "systems_migrated")
    for day, want in ((1, {"公安厅": 3, "卫健委": 5}), (2, {"公安厅": 3, "卫健委": 5}),
                      (3, {"公安厅": 7, "卫健委": 5})):  # fmt: skip
        got = queries.counters_of_day(store, "migration", fields, end_of(day))
        assert got.set_index("dept")["systems_migrated"].to_dict() == want, day
        stored = store.counters("migration", list(fields), end_of(day))
        pd.testing.assert_frame_equal(got, stored, check_dtype=False)
    assert queries.counters_of_day(
        store, "migration", fields, datetime(2020, 2, 29, 12, tzinfo=CHINA)
    ).empty
    summary = queries.security_summary(store, end_of(2), daily=True)
    assert summary.events == (("city-heyuan", "high", 7.0),)
    assert summary.open_total == 0  # the day's last count: 0 at 21:00
    assert (
        queries.node_figures(store, end_of(3), daily=True)["city-heyuan"].systems_migrated == 12.0
    )


def test_the_daily_table_carries_a_silent_series_across_the_new_year(tmp_path):
    from wall.read import queries

    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    store.write([
        Sample.make("capacity", {"node": "city-heyuan"}, {"vcpu_total": 800.0}, datetime(2019, 12, 30, 9, tzinfo=CHINA)),
        Sample.make("capacity", {"node": "city-meizhou"}, {"vcpu_total": 500.0}, datetime(2020, 1, 3, 9, tzinfo=CHINA)),
    ])  # fmt: skip
    jan5 = datetime(2020, 1, 5, 23, 59, 59, tzinfo=CHINA)
    got = queries.counters_of_day(store, "capacity", ("vcpu_total",), jan5)
    assert got.set_index("node")["vcpu_total"].to_dict() == {
        "city-heyuan": 800.0,
        "city-meizhou": 500.0,
    }
    pd.testing.assert_frame_equal(
        got, store.counters("capacity", ["vcpu_total"], jan5), check_dtype=False
    )


def test_a_centre_silent_today_counts_with_its_last_value(tmp_path):
    """Today's provincial figure adds each centre's newest value; a centre that has sent
    nothing today counts with yesterday's (not zero), and the trend compares with the sum
    30 days before, a centre silent then counting with its earlier value."""
    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = cache.bucket(datetime.now(UTC), 5)
    today = datetime.combine(now.astimezone(CHINA).date(), datetime.min.time(), CHINA)
    a, b = [n.id for n in PLAN.nodes if n.id.startswith("prov-")][:2]
    vcpu = {  # centre: (when, value)
        a: [(today - timedelta(days=40), 100.0), (today - timedelta(hours=12), 1000.0),
            (max(now - timedelta(minutes=2), today + timedelta(seconds=1)), 40000.0)],
        b: [(today - timedelta(days=31, hours=12), 500.0), (today - timedelta(hours=12), 2000.0)],
    }  # fmt: skip
    store.write([Sample.make("capacity", {"node": node}, {"vcpu_total": v}, when)
                 for node, points in vcpu.items() for when, v in points])  # fmt: skip
    backend = Backend(store, StateDB(tmp_path / "state.db"), PLAN)

    figure = _reader(backend, now).wall_state(LAYOUTS.thresholds).overview.figures["vcpu_total"]
    assert figure.value == 40000.0 + 2000.0
    # 30 days before today: a's 100 (day 40) carried, b's 500 (day 31)
    assert figure.previous == 100.0 + 500.0


class CountingStore:
    """The store, with its live reads counted."""

    def __init__(self, store):
        self._store, self.live_reads = store, 0

    def __getattr__(self, name):
        return getattr(self._store, name)

    def latest_many(self, wanted):
        self.live_reads += 1
        return self._store.latest_many(wanted)


def test_while_screens_watch_each_bucket_live_values_are_read_before_its_first_refresh(tmp_path):
    """The first refresh of a bucket finds the bucket's newest values read already, with the
    store's own answer; with no screen refreshing, nothing is read."""
    import time

    from wall.read import queries
    from wall.read.ahead import LiveAhead

    cache.configure(cache.QueryCache())
    store = CountingStore(open_store(f"sqlite:///{tmp_path}/m.db"))
    store.write([Sample.make("health", {"node": "city-meizhou"}, {"up": 1.0, "hosts_down": 0.0},
                             datetime.now(UTC))])  # fmt: skip
    ahead = LiveAhead(store, bucket_s=1, lead_s=0.3, watch_s=2)
    ahead.seen()
    deadline = time.monotonic() + 10
    while not ahead.read_for and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ahead.read_for, "no bucket read ahead within 10 s"
    bucket = ahead.read_for[0]
    reads = store.live_reads
    rows = queries.live(store, bucket)["health"]  # the bucket's refresh: nothing to read
    assert store.live_reads == reads
    assert [(n, f, v) for n, f, v, _ in rows.records("node")] == [
        ("city-meizhou", "hosts_down", 0.0), ("city-meizhou", "up", 1.0)]  # fmt: skip
    # no screen refreshing for watch_s: the reads stop
    time.sleep(3.5)
    stopped = store.live_reads
    time.sleep(2.5)
    assert store.live_reads == stopped
