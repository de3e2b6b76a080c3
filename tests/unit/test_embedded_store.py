"""Embedded-store specifics: rollup correctness by property, schema migrations, URLs."""

import sqlite3
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wall.store import Batch, Resolution, StoreRefused, open_store
from wall.store.embedded import EmbeddedStore, parse_sqlite_url
from wall.store.influx import parse_influx_url

BASE = int(datetime(2020, 6, 1, tzinfo=UTC).timestamp())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    points=st.lists(
        st.tuples(st.integers(0, 3 * 86400), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=1,
        max_size=80,
        unique_by=lambda p: p[0],
    ),
    split=st.integers(0, 80),
)
def test_rollup_mean_equals_the_mean_of_raw_points(tmp_path_factory, points, split):
    store = EmbeddedStore(tmp_path_factory.mktemp("p") / "m.db")
    times = np.array([BASE + t for t, _ in points], dtype=np.int64)
    values = np.array([v for _, v in points])
    nodes = np.array(["n"] * len(points), dtype=object)
    # written in two batches, in any order: the rollups must not care
    for sl in (slice(split, None), slice(0, split)):
        if len(times[sl]):
            store.write(Batch("usage", times[sl], {"node": nodes[sl]}, {"cpu_util": values[sl]}))
    start = datetime.fromtimestamp(BASE - 86400, UTC)
    end = start + timedelta(days=6)
    for res in (Resolution.hourly, Resolution.daily):
        roll = store.rollup("usage", "cpu_util", start, end, res)
        assert roll["count"].sum() == len(points)
        assert roll["sum"].sum() / roll["count"].sum() == pytest.approx(
            values.mean(), rel=1e-9, abs=1e-6
        )
        assert roll["min"].min() == values.min() and roll["max"].max() == values.max()
        assert roll.sort_values("time")["last"].iloc[-1] == values[np.argmax(times)]
    store.close()


def test_schema_is_versioned_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "m.db"
    EmbeddedStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreRefused, match="newer than this code"):
        EmbeddedStore(path)


def test_new_fields_in_the_schema_become_columns_of_an_old_file(tmp_path):
    path = tmp_path / "m.db"
    EmbeddedStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute('ALTER TABLE "m_usage" DROP COLUMN "net_out_mbps"')  # as an older version made it
    conn.commit()
    conn.close()
    store = EmbeddedStore(path)
    columns = {r[1] for r in sqlite3.connect(path).execute('PRAGMA table_info("m_usage")')}
    assert "net_out_mbps" in columns
    store.close()


def test_store_urls():
    assert str(parse_sqlite_url("sqlite:///data/m.db")) == "data/m.db"
    assert str(parse_sqlite_url("sqlite:////var/lib/gdwall/m.db")) == "/var/lib/gdwall/m.db"
    with pytest.raises(ValueError, match="names no file"):
        parse_sqlite_url("sqlite:///")
    cfg = parse_influx_url("influxdb://user:pa%40ss@127.0.0.1:8086/gdcloud")
    assert (cfg.url, cfg.database, cfg.username, cfg.password) == (
        "http://127.0.0.1:8086",
        "gdcloud",
        "user",
        "pa@ss",
    )
    cfg = parse_influx_url("influxdbs://h/gd?verify=false", password="from-env")
    assert (cfg.url, cfg.verify, cfg.password) == ("https://h:8086", False, "from-env")
    with pytest.raises(ValueError, match="one database"):
        parse_influx_url("influxdb://h:8086/")
    with pytest.raises(ValueError, match="unknown store URL"):
        open_store("postgres://x/y")
