"""The in-process query cache keeps answers as they are, for their time, within its size."""

from __future__ import annotations

import time

import pandas as pd

from wall.read import cache


def test_an_answer_is_kept_for_its_time_and_then_asked_again():
    qc = cache.QueryCache(ttl_s=60)
    calls = []

    def compute():
        calls.append(1)
        return pd.DataFrame({"value": [len(calls)]})

    first = qc.get_or_compute("k", compute, ttl_s=1)
    again = qc.get_or_compute("k", compute, ttl_s=1)
    assert again is first  # the same object: nothing pickled on the way
    assert len(calls) == 1
    time.sleep(1.1)
    later = qc.get_or_compute("k", compute, ttl_s=1)
    assert len(calls) == 2 and int(later["value"].iloc[0]) == 2


def test_the_least_recently_used_answer_goes_first_and_clear_empties_all():
    kept = cache.Kept(2)
    kept.set("a", 1, 60)
    kept.set("b", 2, 60)
    assert kept.get("a") == 1  # a used: b is now the oldest
    kept.set("c", 3, 60)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)
    kept.clear()
    assert kept.get("a") is None and kept.get("c") is None


def test_a_cache_turned_off_keeps_nothing():
    qc = cache.QueryCache(enabled=False)
    calls = []
    for _ in range(2):
        qc.get_or_compute("k", lambda: calls.append(1))
    assert len(calls) == 2


def test_many_short_answers_do_not_push_out_a_long_kept_one():
    """A replay asks a few new answers of a minute each frame; the history its frames are
    looked up in (kept an hour) must not be pushed out by them, or every replay longer than
    the cache reads each year's tables again mid-play."""
    qc = cache.QueryCache(ttl_s=60)
    reads = []
    qc.get_or_compute("year-2019", lambda: reads.append("2019") or "table", ttl_s=3600)
    for k in range(cache.CACHE_ENTRIES * 2):
        qc.get_or_compute(f"frame-{k}", lambda k=k: k, ttl_s=60)
    assert qc.get_or_compute("year-2019", lambda: reads.append("again") or "table", 3600) == "table"
    assert reads == ["2019"]
    # and the short ones are still bounded: the oldest went
    assert qc.get_or_compute("frame-0", lambda: "read again", ttl_s=60) == "read again"
