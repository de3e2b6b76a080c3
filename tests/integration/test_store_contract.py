"""One contract, two stores: every test here runs against InfluxDB and the embedded store."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from wall.core.chinatime import CHINA
from wall.store import Batch, Resolution, Sample, SampleError, Store

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)


def usage(node, t, **fields):
    return Sample.make("usage", {"node": node}, fields, t)


def test_round_trip_of_every_field_type(store):
    store.write(
        [
            Sample.make(
                "health",
                {"node": "city-meizhou"},
                {"up": True, "hosts_total": 24, "api_latency_ms": 12.625},
                NOW,
            ),
            Sample.make(
                "collector",
                {"source": "sim", "node": "city-meizhou"},
                {"ok": 0, "error": 'timeout: "GET /metrics" \\ 超时'},
                NOW,
            ),
        ]
    )
    health = store.latest("health", ["up", "hosts_total", "api_latency_ms"])
    assert dict(zip(health["field"], health["value"], strict=True)) == {
        "up": 1.0,
        "hosts_total": 24.0,
        "api_latency_ms": 12.625,
    }
    assert set(health["time"]) == {pd.Timestamp(NOW)}
    coll = store.latest("collector", ["ok", "error"])
    got = dict(zip(coll["field"], coll["value"], strict=True))
    assert got == {"ok": 0.0, "error": 'timeout: "GET /metrics" \\ 超时'}


@pytest.mark.parametrize(
    "dept", ["省 卫生健康委", "a,b", "k=v", 'say "hi"', "省政务服务数据管理局", "it's"]
)
def test_awkward_tag_values_round_trip(store, dept):
    store.write(
        Sample.make(
            "migration",
            {"node": "city-shantou", "dept": dept},
            {"systems_planned": 40, "systems_migrated": 12},
            NOW,
        )
    )
    counts = store.counters("migration", ["systems_planned", "systems_migrated"], NOW)
    assert counts.to_dict("records") == [
        {"node": "city-shantou", "dept": dept, "systems_planned": 40.0, "systems_migrated": 12.0}
    ]


@pytest.mark.parametrize("bad", ["line\nbreak", "cr\rhere", "", "trailing\\"])
def test_tag_values_line_protocol_cannot_carry_are_refused(store, bad):
    with pytest.raises(SampleError):
        store.write(Sample.make("usage", {"node": bad}, {"cpu_util": 0.5}, NOW))
    assert store.latest("usage", ["cpu_util"]).empty


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_refused_not_written(store, value):
    good = usage("city-a", NOW, cpu_util=0.1)
    bad = Sample("usage", {"node": "city-b"}, {"cpu_util": value}, int(NOW.timestamp()))
    with pytest.raises(SampleError, match="NaN and infinity are refused"):
        store.write([good, bad])
    assert store.latest("usage", ["cpu_util"]).empty  # the good one was not half-written either


def test_infinity_in_a_bulk_batch_is_refused(store):
    b = Batch(
        "usage",
        np.array([1, 2]),
        {"node": np.array(["a", "a"], dtype=object)},
        {"cpu_util": np.array([0.1, np.inf])},
    )
    with pytest.raises(SampleError, match="infinity"):
        store.write(b)


def test_out_of_order_and_duplicate_timestamps(store):
    t = [NOW + timedelta(minutes=m) for m in range(4)]
    store.write(
        [
            usage("n1", t[3], cpu_util=0.4),
            usage("n1", t[1], cpu_util=0.2),
            usage("n1", t[0], cpu_util=0.1),
        ]
    )
    store.write([usage("n1", t[2], cpu_util=0.3), usage("n1", t[1], cpu_util=0.2)])  # t1 again
    series = store.series(
        "usage",
        "cpu_util",
        "n1",
        NOW,
        NOW + timedelta(hours=1),
        timedelta(minutes=1),
        "last",
        Resolution.raw,
    )
    assert series["value"].tolist() == [0.1, 0.2, 0.3, 0.4]
    roll = store.rollup("usage", "cpu_util", NOW, NOW + timedelta(hours=1), Resolution.hourly)
    assert roll[["count", "sum", "min", "max", "last"]].to_dict("records") == [
        {"count": 4, "sum": pytest.approx(1.0), "min": 0.1, "max": 0.4, "last": 0.4}
    ]
    latest = store.latest("usage", ["cpu_util"])
    assert latest["value"].tolist() == [0.4]  # an older write never replaces the newest value


def test_writing_the_same_samples_twice_stores_them_once(store):
    samples = [usage("n1", NOW + timedelta(minutes=m), cpu_util=m / 10) for m in range(10)]
    store.write(samples)
    store.write(samples)
    roll = store.rollup(
        "usage", "cpu_util", NOW - timedelta(days=1), NOW + timedelta(days=1), Resolution.daily
    )
    assert roll["count"].tolist() == [10]
    assert roll["sum"].tolist() == [pytest.approx(4.5)]


def test_a_later_value_at_the_same_time_replaces_the_earlier(store):
    store.write(usage("n1", NOW, cpu_util=0.1, mem_util=0.5))
    store.write(usage("n1", NOW, cpu_util=0.9))
    latest = store.latest("usage", ["cpu_util", "mem_util"])
    assert dict(zip(latest["field"], latest["value"], strict=True)) == {
        "cpu_util": 0.9,
        "mem_util": 0.5,
    }
    roll = store.rollup("usage", "cpu_util", NOW, NOW + timedelta(hours=1), Resolution.hourly)
    assert roll["count"].tolist() == [1] and roll["max"].tolist() == [0.9]


def test_empty_ranges_unknown_nodes_and_names(store):
    store.write(usage("n1", NOW, cpu_util=0.5))
    empty = store.series(
        "usage",
        "cpu_util",
        "n1",
        NOW - timedelta(days=2),
        NOW - timedelta(days=1),
        timedelta(minutes=5),
    )
    assert empty.empty and list(empty.columns) == ["time", "value"]
    assert store.series(
        "usage", "cpu_util", "city-nowhere", NOW, NOW + timedelta(hours=1), timedelta(minutes=5)
    ).empty
    assert store.latest("usage", ["cpu_util"], nodes=["city-nowhere"]).empty
    assert store.rollup(
        "usage", "cpu_util", NOW, NOW + timedelta(hours=1), Resolution.hourly, nodes=["x"]
    ).empty
    with pytest.raises(KeyError, match="no field 'cpu'"):
        store.series("usage", "cpu", "n1", NOW, NOW + timedelta(hours=1), timedelta(minutes=5))
    with pytest.raises(KeyError, match="unknown measurement"):
        store.latest("usage; DROP", ["cpu_util"])


def test_series_at_a_step_with_each_aggregate(store):
    values = [0.1, 0.5, 0.3, 0.9, 0.2, 0.4]  # one every 10 minutes
    store.write(
        [usage("n1", NOW + timedelta(minutes=10 * i), cpu_util=v) for i, v in enumerate(values)]
    )
    end = NOW + timedelta(hours=1)
    half = timedelta(minutes=30)
    got = {
        agg: store.series("usage", "cpu_util", "n1", NOW, end, half, agg, Resolution.raw)[
            "value"
        ].tolist()
        for agg in ("mean", "max", "last", "min")
    }
    assert got["mean"] == [pytest.approx(0.3), pytest.approx(0.5)]
    assert got["max"] == [0.5, 0.9]
    assert got["last"] == [0.3, 0.4]
    assert got["min"] == [0.1, 0.2]


def test_rollup_reads_agree_with_raw_reads(store):
    rng = np.random.default_rng(7)
    samples = [
        usage("n1", NOW + timedelta(minutes=m), cpu_util=float(v))
        for m, v in enumerate(rng.random(180))
    ]
    store.write(samples)
    end = NOW + timedelta(hours=3)
    for agg in ("mean", "max", "min", "last"):
        raw = store.series(
            "usage", "cpu_util", "n1", NOW, end, timedelta(hours=1), agg, Resolution.raw
        )
        hourly = store.series(
            "usage", "cpu_util", "n1", NOW, end, timedelta(hours=1), agg, Resolution.hourly
        )
        assert raw["time"].tolist() == hourly["time"].tolist()
        assert raw["value"].tolist() == pytest.approx(hourly["value"].tolist()), agg


def test_daily_rollups_follow_the_china_calendar(store):
    # 23:30 and 00:30 China time fall in different China days though the same UTC day.
    late = datetime(2020, 6, 30, 23, 30, tzinfo=CHINA)
    early = datetime(2020, 7, 1, 0, 30, tzinfo=CHINA)
    store.write([usage("n1", late, cpu_util=0.2), usage("n1", early, cpu_util=0.6)])
    roll = store.rollup(
        "usage",
        "cpu_util",
        datetime(2020, 6, 29, tzinfo=CHINA),
        datetime(2020, 7, 3, tzinfo=CHINA),
        Resolution.daily,
    )
    assert [t.tz_convert(CHINA).strftime("%Y-%m-%d %H:%M") for t in roll["time"]] == [
        "2020-06-30 00:00",
        "2020-07-01 00:00",
    ]
    assert roll["sum"].tolist() == [0.2, 0.6]
    daily = store.series(
        "usage",
        "cpu_util",
        "n1",
        datetime(2020, 6, 30, tzinfo=CHINA),
        datetime(2020, 7, 2, tzinfo=CHINA),
        timedelta(days=1),
    )
    assert daily["value"].tolist() == [0.2, 0.6]


def test_counters_as_of_a_china_day(store):
    before = datetime(2020, 6, 30, 23, 30, tzinfo=CHINA)
    after = datetime(2020, 7, 1, 0, 30, tzinfo=CHINA)

    def m(n, t):
        fields = {"systems_planned": 20, "systems_migrated": n}
        return Sample.make("migration", {"node": "city-heyuan", "dept": "公安厅"}, fields, t)

    store.write([m(9, before - timedelta(days=40)), m(10, before), m(12, after)])
    as_of = store.counters(
        "migration", ["systems_migrated"], datetime(2020, 6, 30, 12, tzinfo=CHINA)
    )
    assert as_of["systems_migrated"].tolist() == [10.0]
    assert store.counters("migration", ["systems_migrated"], after)[
        "systems_migrated"
    ].tolist() == [12.0]
    assert store.counters(
        "migration", ["systems_migrated"], datetime(2020, 1, 1, tzinfo=CHINA)
    ).empty


def test_series_of_a_node_with_several_departments_sums_counts(store):
    t = datetime(2020, 6, 30, 12, tzinfo=CHINA)
    store.write([
        Sample.make("migration", {"node": "city-heyuan", "dept": d}, {"systems_planned": 10, "systems_migrated": n}, t)
        for d, n in (("公安厅", 3), ("卫健委", 5))
    ])  # fmt: skip
    s = store.series(
        "migration",
        "systems_migrated",
        "city-heyuan",
        t - timedelta(days=1),
        t + timedelta(days=1),
        timedelta(days=1),
        "last",
    )
    assert s["value"].tolist() == [8.0]


def test_bulk_batch_matches_single_samples(store):
    n = 600
    times = np.array([int(NOW.timestamp()) + 60 * i for i in range(n)], dtype=np.int64)
    nodes = np.array([f"city-{i % 3}" for i in range(n)], dtype=object)
    cpu = np.linspace(0, 1, n)
    mem = np.where(np.arange(n) % 5 == 0, np.nan, 0.5)  # NaN: no value on that line
    store.write(Batch("usage", times, {"node": nodes}, {"cpu_util": cpu, "mem_util": mem}))
    roll = store.rollup("usage", "mem_util", NOW, NOW + timedelta(hours=12), Resolution.hourly)
    assert roll["count"].sum() == n - n // 5
    latest = store.latest("usage", ["cpu_util"])
    assert latest["value"].tolist() == [cpu[-3], cpu[-2], cpu[-1]]


def test_old_history_lands_in_rollups_beyond_raw_retention(store):
    # A day of hourly points in 2019: older than raw retention, so only rollups keep it.
    day = datetime(2019, 3, 1, tzinfo=CHINA)
    store.write([usage("n1", day + timedelta(hours=h), cpu_util=h / 100) for h in range(24)])
    roll = store.rollup("usage", "cpu_util", day, day + timedelta(days=1), Resolution.daily)
    assert roll[["count", "min", "max", "last"]].to_dict("records") == [
        {"count": 24, "min": 0.0, "max": 0.23, "last": 0.23}
    ]
    assert roll["sum"].tolist() == [pytest.approx(sum(h / 100 for h in range(24)))]
    year = store.series(
        "usage", "cpu_util", "n1", day, day + timedelta(days=365), timedelta(days=1)
    )
    assert year["value"].tolist() == [pytest.approx(0.115)]


def test_rollups_read_only_the_stats_asked_for(store):
    store.write([usage("n1", NOW + timedelta(minutes=m), cpu_util=0.5) for m in range(3)])
    roll = store.rollup(
        "usage",
        "cpu_util",
        NOW,
        NOW + timedelta(hours=1),
        Resolution.hourly,
        stats=("sum", "count"),
    )
    assert list(roll.columns) == ["time", "node", "count", "sum"]
    assert roll[["count", "sum"]].to_dict("records") == [{"count": 3, "sum": 1.5}]
    with pytest.raises(ValueError, match="rollup stats"):
        store.rollup(
            "usage", "cpu_util", NOW, NOW + timedelta(hours=1), Resolution.hourly, stats=("avg",)
        )


def test_a_series_of_counted_events_is_summed_not_averaged_by_default(store):
    t = [NOW + timedelta(minutes=m) for m in range(3)]
    store.write([Sample.make("security", {"node": "n1", "severity": "high"}, {"events": e}, when)
                 for e, when in zip((2, 3, 5), t, strict=True)])  # fmt: skip
    s = store.series(
        "security",
        "events",
        "n1",
        NOW,
        NOW + timedelta(hours=1),
        timedelta(hours=1),
        resolution=Resolution.raw,
    )
    assert s["value"].tolist() == [10.0]
    with pytest.raises(ValueError, match="unknown aggregate"):
        store.series(
            "security", "events", "n1", NOW, NOW + timedelta(hours=1), timedelta(hours=1), "median"
        )


def test_a_long_rollup_read_has_every_bucket_once(store):
    # 300 hours for every node: long enough that InfluxDB reads it in parallel time slices
    start = NOW - timedelta(hours=300)
    hours = np.arange(300)
    times = np.array([int((start + timedelta(hours=int(h))).timestamp()) for h in hours])
    nodes = np.array(["n1", "n2"], dtype=object)
    store.write(
        Batch(
            "usage",
            np.repeat(times, 2),
            {"node": np.tile(nodes, 300)},
            {"cpu_util": np.repeat(hours / 1000, 2)},
        )
    )
    roll = store.rollup("usage", "cpu_util", start, NOW, Resolution.hourly)
    assert len(roll) == 600
    assert roll.groupby("node")["time"].nunique().to_dict() == {"n1": 300, "n2": 300}
    assert roll["sum"].sum() == pytest.approx(2 * hours.sum() / 1000)


def test_rollups_can_keep_a_tag_apart(store):
    store.write(
        [
            Sample.make("security", {"node": "n1", "severity": sev}, {"events": n}, NOW)
            for sev, n in (("high", 2), ("low", 5))
        ]
        + [
            Sample.make(
                "security",
                {"node": "n1", "severity": "high"},
                {"events": 1},
                NOW + timedelta(minutes=5),
            )
        ]
    )
    end = NOW + timedelta(hours=1)
    per_severity = store.rollup(
        "security", "events", NOW, end, Resolution.hourly, stats=("sum",), by=("node", "severity")
    )
    assert per_severity[["node", "severity", "sum"]].to_dict("records") == [
        {"node": "n1", "severity": "high", "sum": 3.0},
        {"node": "n1", "severity": "low", "sum": 5.0},
    ]
    together = store.rollup("security", "events", NOW, end, Resolution.hourly, stats=("sum",))
    assert together["sum"].tolist() == [8.0]
    with pytest.raises(ValueError, match="kept apart"):
        store.rollup("security", "events", NOW, end, Resolution.hourly, by=("dept",))


def test_rollups_stay_whole_when_a_cycle_writes_nodes_and_measurements_apart(store):
    # how collectors write: every cycle a few measurements at once, nodes in separate writes;
    # each write recomputes only what it touched, and no node's buckets may lose points
    t = NOW + timedelta(minutes=5)

    def monitor(node, at, ms):
        return Sample.make("collector", {"source": f"s-{node}", "node": node},
                           {"ok": 1.0, "duration_ms": ms}, at)  # fmt: skip

    store.write([usage("n1", t, cpu_util=0.2), monitor("n1", t, 30.0)])
    store.write([usage("n2", t, cpu_util=0.9), monitor("n2", t, 70.0)])
    store.write([usage("n1", t + timedelta(minutes=1), cpu_util=0.6), monitor("n1", t, 50.0)])
    for resolution in (Resolution.hourly, Resolution.daily):
        roll = store.rollup("usage", "cpu_util", NOW - timedelta(days=1), NOW + timedelta(days=1),
                            resolution).set_index("node")  # fmt: skip
        assert roll.loc["n1", "count"] == 2 and roll.loc["n1", "sum"] == pytest.approx(0.8)
        assert roll.loc["n1", "max"] == 0.6 and roll.loc["n1", "min"] == 0.2
        assert roll.loc["n2", "count"] == 1 and roll.loc["n2", "sum"] == pytest.approx(0.9)
        took = store.rollup("collector", "duration_ms", NOW - timedelta(days=1),
                            NOW + timedelta(days=1), resolution).set_index("node")  # fmt: skip
        # n1's second monitoring sample at the same instant replaced its first
        assert took.loc["n1", "max"] == 50.0 and took.loc["n2", "max"] == 70.0


def test_the_live_read_of_several_measurements_gives_what_each_latest_gives(store):
    """The wall's one read per time bucket (latest_many) answers, measurement by measurement,
    what latest does: every series (departments apart), text fields, newest values only."""
    t = datetime(2020, 6, 30, 12, tzinfo=CHINA)
    store.write([
        Sample.make("migration", {"node": "city-heyuan", "dept": d}, {"systems_planned": 10, "systems_migrated": n}, t)
        for d, n in (("公安厅", 3), ("卫健委", 5))
    ] + [
        usage("city-meizhou", t - timedelta(minutes=5), cpu_util=0.2),
        usage("city-meizhou", t, cpu_util=0.4),
        Sample.make("collector", {"source": "sim", "node": "city-meizhou"}, {"ok": 0, "error": "refused"}, t),
    ])  # fmt: skip
    wanted = {"migration": ["systems_migrated"], "usage": ["cpu_util"], "collector": ["ok", "error"],
              "security": ["open_incidents"]}  # fmt: skip
    got = store.latest_many(wanted)
    assert set(got) == set(wanted)
    for name, fields in wanted.items():
        pd.testing.assert_frame_equal(
            got[name].frame(), store.latest(name, fields), check_dtype=False
        )
    migrated = {dept: v for dept, _, v, _ in got["migration"].records("dept")}
    assert migrated == {"公安厅": 3.0, "卫健委": 5.0}
    assert [(v, ts) for *_, v, ts in got["usage"].records()] == [(0.4, t.timestamp())]
    assert len(got["security"]) == 0
    # a store that reads measurement by measurement (the contract's default) answers alike
    by_one = Store.latest_many(store, wanted)
    assert {n: r.rows for n, r in by_one.items()} == {n: r.rows for n, r in got.items()}
