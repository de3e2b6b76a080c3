"""The bulk serializer says what influxdb-client's Point says, line for line."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from influxdb_client import Point

from wall.store.lineprotocol import batch_lines, sample_line
from wall.store.samples import Batch, Sample, SampleError

tag_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"),
    min_size=1,
    max_size=12,
)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
times = st.integers(min_value=0, max_value=4_000_000_000)


def point_line(measurement: str, tags: dict, fields: dict, t: int) -> str:
    p = Point(measurement)
    for k, v in tags.items():
        p = p.tag(k, v)
    for k, v in fields.items():
        p = p.field(k, v)
    return p.time(t, write_precision="s").to_line_protocol()


def split_unescaped(text: str, sep: str) -> list[str]:
    return [p.replace("\0", "\\" + sep) for p in text.replace("\\" + sep, "\0").split(sep)]


def parsed(line: str) -> tuple[str, dict[str, float], str]:
    """(measurement and tags as written, numeric fields as floats, time): floats may be
    spelled differently (Point: 3 and 1e-05; ours: 3.0 and 0.00001) but must be equal."""
    head, fields, t = split_unescaped(line, " ")
    values = dict(f.split("=", 1) for f in split_unescaped(fields, ","))
    return head, {k: float(v) for k, v in values.items()}, t


@settings(max_examples=300, deadline=None)
@given(node=tag_text, dept=tag_text, a=finite, b=finite, t=times)
def test_bulk_lines_equal_points_lines(node, dept, a, b, t):
    batch = Batch(
        "migration",
        np.array([t]),
        {"node": np.array([node], dtype=object), "dept": np.array([dept], dtype=object)},
        {"systems_planned": np.array([a]), "systems_migrated": np.array([b])},
    )
    ours = batch_lines(batch)
    expected = point_line(
        "migration", {"dept": dept, "node": node}, {"systems_migrated": b, "systems_planned": a}, t
    )
    assert [parsed(x) for x in ours] == [parsed(expected)]
    sample = Sample.make(
        "migration", {"node": node, "dept": dept}, {"systems_planned": a, "systems_migrated": b}, t
    )
    assert parsed(sample_line(sample)) == parsed(expected)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), t=times)
def test_string_fields_equal_points(text, t):
    sample = Sample.make("collector", {"source": "s", "node": "n"}, {"error": text}, t)
    assert sample_line(sample) == point_line(
        "collector", {"node": "n", "source": "s"}, {"error": text}, t
    )


def test_escaping_by_hand():
    s = Sample.make("migration", {"node": "a b", "dept": "x,y=z"}, {"systems_planned": 3}, 10)
    assert sample_line(s) == r"migration,dept=x\,y\=z,node=a\ b systems_planned=3.0 10"


def test_absent_values_in_a_batch_are_left_out():
    b = Batch(
        "usage",
        np.array([1, 2, 3]),
        {"node": np.array(["a", "a", "a"], dtype=object)},
        {"cpu_util": np.array([0.5, np.nan, np.nan]), "mem_util": np.array([np.nan, 0.25, np.nan])},
    )
    assert batch_lines(b) == ["usage,node=a cpu_util=0.5 1", "usage,node=a mem_util=0.25 2"]


@pytest.mark.parametrize(
    ("tags", "fields", "message"),
    [
        ({"node": "a\nb"}, {"cpu_util": 1}, "line break"),
        ({"node": "a\\"}, {"cpu_util": 1}, "backslash"),
        ({"node": ""}, {"cpu_util": 1}, "empty"),
        ({"nod": "a"}, {"cpu_util": 1}, "needs tags"),
        ({"node": "a"}, {"cpu": 1}, "no field 'cpu'"),
        ({"node": "a"}, {"cpu_util": "high"}, "must be a number"),
        ({"node": "a"}, {"cpu_util": float("nan")}, "NaN and infinity are refused"),
        ({"node": "a"}, {}, "no fields"),
    ],
)
def test_bad_samples_are_refused_with_a_clear_error(tags, fields, message):
    with pytest.raises(SampleError, match=message):
        Sample.make("usage", tags, fields, 0)


def test_naive_datetimes_are_refused():
    from datetime import datetime

    with pytest.raises(SampleError, match="naive"):
        Sample.make("usage", {"node": "a"}, {"cpu_util": 1}, datetime(2020, 1, 1))
