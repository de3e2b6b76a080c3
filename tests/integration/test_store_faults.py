"""Nothing lost: InfluxDB stopped mid-write, the writing process restarted, the spool full."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ROOT
from wall.store import Sample, open_store
from wall.store.spool import BufferedWriter, Spool, SpoolFull

START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=5)


def batch(i: int, n: int = 50) -> list[Sample]:
    t0 = START + timedelta(minutes=i)
    return [
        Sample.make("usage", {"node": f"city-{k}"}, {"cpu_util": (i * n + k) / 1e6}, t0)
        for k in range(n)
    ]


def stored_count(store) -> int:
    res = store.query('SELECT count("cpu_util") FROM "raw"."usage"')
    series = res[0].get("series", [])
    return series[0]["values"][0][1] if series else 0


def stored_values(store) -> list[float]:
    res = store.query('SELECT "cpu_util" FROM "raw"."usage"')
    return sorted(v[1] for s in res[0].get("series", []) for v in s["values"])


def test_influxdb_stopped_while_writing_loses_nothing_and_duplicates_nothing(
    private_influxdb, tmp_path
):
    store = open_store(private_influxdb.url.replace("http://", "influxdb://") + "/gd?timeout_s=2")
    writer = BufferedWriter(store, Spool(tmp_path / "spool"), batch_lines=50)
    expected = []
    for i in range(30):
        if i == 10:
            private_influxdb.stop()
        if i == 20:
            private_influxdb.start()
        samples = batch(i)
        expected += [s.fields["cpu_util"] for s in samples]
        writer.add(samples)
        writer.flush()
        if 10 <= i < 20:
            assert writer.spool.stats().batches == i - 9  # each failed batch waits on disk
    assert writer.flush()
    assert writer.spool.stats().batches == 0
    assert stored_count(store) == len(expected) == 1500
    assert stored_values(store) == sorted(expected)


def test_a_restarted_writing_process_replays_what_it_spooled(private_influxdb, tmp_path):
    spool_dir = tmp_path / "spool"
    url = private_influxdb.url.replace("http://", "influxdb://") + "/gd?timeout_s=2"
    private_influxdb.stop()
    script = textwrap.dedent(
        f"""
        from tests.integration.test_store_faults import batch
        from wall.store import open_store
        from wall.store.spool import BufferedWriter, Spool
        writer = BufferedWriter(open_store({url!r}), Spool({str(spool_dir)!r}), batch_lines=50)
        for i in range(12):
            writer.add(batch(i))
            writer.flush()
        print(writer.spool.stats().batches)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "12"  # the process ended with everything spooled
    private_influxdb.start()
    store = open_store(url)
    writer = BufferedWriter(store, Spool(spool_dir), batch_lines=50)
    assert writer.flush()  # a new process replays the spool on its first flush
    assert stored_count(store) == 600
    assert writer.flush() and stored_count(store) == 600  # and only once


def test_a_full_spool_pauses_collection_and_drops_nothing(private_influxdb, tmp_path):
    store = open_store(private_influxdb.url.replace("http://", "influxdb://") + "/gd?timeout_s=2")
    spool = Spool(tmp_path / "spool", limit_bytes=12_000)
    writer = BufferedWriter(store, spool, batch_lines=50)
    private_influxdb.stop()
    full_at = None
    for i in range(20):
        try:
            writer.add(batch(i))  # a full batch flushes by itself
        except SpoolFull:
            full_at = i
            break
    assert full_at is not None and writer.paused
    assert spool.stats().bytes <= spool.stats().limit_bytes
    private_influxdb.start()
    assert writer.flush()
    assert not writer.paused
    assert stored_count(store) == (full_at + 1) * 50


def test_garbage_reaching_the_store_is_refused_before_anything_is_spooled(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    writer = BufferedWriter(store, Spool(tmp_path / "spool"))
    with pytest.raises(ValueError):
        writer.add(Sample.make("usage", {"node": "a\nb"}, {"cpu_util": 1}, START))
    assert writer.spool.stats().batches == 0
