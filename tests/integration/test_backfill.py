"""The simulated province's history through the bulk path, read back as the wall will."""

from datetime import UTC, datetime, timedelta

import pytest

from collectors.simulator.backfill import backfill, segments
from collectors.simulator.model import Province
from wall.chinatime import CHINA
from wall.plan import load_plan
from wall.store import Resolution

PLAN = load_plan()


def test_segments_are_daily_then_hourly_then_minutes():
    now = int(datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp())
    segs = segments(int(datetime(2019, 1, 1, tzinfo=CHINA).timestamp()), now, 2)
    assert [s.step for s in segs] == [86400, 3600, 60]
    assert segs[0].end == segs[1].start and segs[1].end == segs[2].start
    assert segs[2].end <= now


def test_backfilled_history_answers_the_plans_questions(store):
    # a store as of early January 2020, with history since November 2019
    now = datetime(2020, 1, 10, 12, tzinfo=UTC)
    province = Province(PLAN, now=now)
    lines = backfill(store, province, datetime(2019, 11, 1, tzinfo=CHINA), now=now, minute_days=1)
    assert lines > 50_000
    end_2019 = datetime(2019, 12, 31, 12, tzinfo=CHINA)
    day = datetime(2019, 12, 31, tzinfo=CHINA)
    vcpu = store.rollup("capacity", "vcpu_total", day, day + timedelta(days=1), Resolution.daily,
                        nodes=["prov-mingmei", "prov-dongyong"])  # fmt: skip
    assert vcpu["last"].sum() >= 90_000  # the simulated province met target 1 on time
    migrated = store.counters("migration", ["systems_migrated"], end_2019)
    provincial = migrated[migrated["node"].str.startswith("prov-")]["systems_migrated"].sum()
    assert provincial >= 400
    # the one-minute tail is there and the latest values are from it
    latest = store.latest("usage", ["cpu_util"], nodes=["prov-mingmei"])
    assert (now - latest["time"].iloc[0].to_pydatetime()) < timedelta(minutes=2)


def test_backfill_twice_changes_nothing(tmp_path):
    from wall.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = datetime(2020, 1, 10, 12, tzinfo=UTC)
    province = Province(PLAN, now=now)
    since = datetime(2019, 12, 20, tzinfo=CHINA)
    backfill(store, province, since, now=now, minute_days=0)
    day = datetime(2019, 12, 25, tzinfo=CHINA)
    first = store.rollup("usage", "cpu_util", day, day + timedelta(days=1), Resolution.daily)
    backfill(store, province, since, now=now, minute_days=0)
    again = store.rollup("usage", "cpu_util", day, day + timedelta(days=1), Resolution.daily)
    assert first.equals(again) and first["count"].gt(0).all()
    assert first["count"].tolist() == pytest.approx([24] * len(first))
