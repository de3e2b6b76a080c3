"""Tracing a figure to its reads, on a real embedded store: the record names the call and the
SQL that ran, a replay finds the same answer until the data changes, and the query cache
never hides a traced read."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from wall.read import cache, queries
from wall.store import Batch, Resolution
from wall.store.embedded import EmbeddedStore
from wall.store.tracing import TracedStore, figure, frame_digest, replay

START = datetime(2020, 6, 1, tzinfo=UTC)


def _store(tmp_path, hours=48, node="gz"):
    store = EmbeddedStore(tmp_path / "m.db")
    times = np.array([int((START + timedelta(hours=h)).timestamp()) for h in range(hours)])
    store.write(
        Batch("usage", times, {"node": np.array([node] * hours, dtype=object)},
              {"cpu_util": np.linspace(0.1, 0.9, hours)})
    )  # fmt: skip
    return store


def test_a_figure_names_its_read_the_sql_and_a_digest_a_replay_confirms(tmp_path):
    store = _store(tmp_path)
    traced = TracedStore(store)
    end = START + timedelta(days=2)
    with figure("cities/gz/cpu_util"):
        answer = traced.rollup("usage", "cpu_util", START, end, Resolution.daily, nodes=["gz"])
    with figure("cities/gz/again"):  # the same read again: made once, listed under both
        traced.rollup("usage", "cpu_util", START, end, Resolution.daily, nodes=["gz"])
    record = traced.record()
    [read] = record["reads"]
    assert record["trace"] == {"cities/gz/cpu_util": [read["id"]], "cities/gz/again": [read["id"]]}
    assert (
        read["args"]["start"] == "2020-06-01T08:00:00+08:00" and read["args"]["resolution"] == "1d"
    )
    assert read["args"]["stats"] == ["count", "sum", "min", "max", "last"]  # defaults written out
    assert any("FROM rollup_1d" in q and "'cpu_util'" in q for q in read["queries"])
    assert read["rows"] == len(answer) == 2  # the China days beginning in [start, end)
    assert [r.same for r in replay(store, record["reads"])] == [True]
    # new data in the period: the replay says the answer changed
    store.write(Batch("usage", np.array([int(START.timestamp()) + 20 * 3600 + 1800]),
                      {"node": np.array(["gz"], dtype=object)}, {"cpu_util": np.array([5.0])}))  # fmt: skip
    assert [r.same for r in replay(store, record["reads"])] == [False]
    # and a bulletin built now would hash differently
    again = TracedStore(store)
    again.rollup("usage", "cpu_util", START, end, Resolution.daily, nodes=["gz"])
    assert again.inputs_hash({}) != traced.inputs_hash({})
    assert traced.inputs_hash({}) != traced.inputs_hash({"weights": 1})


def test_the_query_cache_never_answers_a_traced_store(tmp_path):
    store = _store(tmp_path)
    cache.configure(cache.QueryCache())
    asof = START + timedelta(days=1)
    queries.counters(store, "usage", ("cpu_util",), asof)  # cached for the plain store
    traced = TracedStore(store)
    with figure("rate"):
        queries.counters(traced, "usage", ("cpu_util",), asof)
    assert traced.trace["rate"] and traced.reads[0].method == "counters"


def test_the_digest_ignores_row_and_column_order():
    a = pd.DataFrame({"node": ["a", "b"], "v": [1.0, 2.0]})
    b = pd.DataFrame({"v": [2.0, 1.0], "node": ["b", "a"]})
    assert frame_digest(a) == frame_digest(b)
    assert frame_digest(a) != frame_digest(a.assign(v=[1.0, 2.5]))


def test_downtime_counts_each_hour_s_share_down_and_runs_of_such_hours():
    from wall.bulletin.evaluation import _downtime

    t = pd.date_range("2020-06-01", periods=6, freq="h", tz="UTC")
    hourly = pd.DataFrame(
        {"time": t, "count": [60, 60, 60, 0, 60, 60], "sum": [60, 30, 0, 0, 60, 45]}
    )
    hours, outages = _downtime(hourly)
    assert hours == 0.5 + 1 + 0.25  # the hour without data is neither up nor down
    assert outages == 2  # hours 1-2, then hour 5


def test_the_newest_values_of_several_measurements_are_traced_each(tmp_path):
    traced = TracedStore(_store(tmp_path))
    with figure("now"):
        got = traced.latest_many({"usage": ["cpu_util"]})
    assert [r.method for r in traced.reads] == ["latest"]
    assert traced.trace == {"now": [traced.reads[0].id]}
    [(tags, field, value, _)] = got["usage"].rows
    assert (tags, field, value) == (("gz",), "cpu_util", 0.9)  # the last of 48 hours
