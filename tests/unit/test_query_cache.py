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
