"""Round trips of generated samples through a real influxd: what goes in comes back."""

import itertools
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wall.store import Sample, open_store

tag_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"),
    min_size=1,
    max_size=10,
)
NOW = int(time.time())
counter = itertools.count()


@pytest.fixture(scope="module")
def influx_store(influx_url):
    store = open_store(
        influx_url.replace("http://", "influxdb://") + f"/rt_{uuid.uuid4().hex[:10]}"
    )
    yield store
    store.query(f'DROP DATABASE "{store.config.database}"', write=True)
    store.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dept=tag_text,
    value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        max_size=30,
    ),
    t=st.integers(min_value=NOW - 80 * 86400, max_value=NOW),
)
def test_generated_samples_round_trip_through_influxd(influx_store, dept, value, text, t):
    node = f"city-{next(counter)}"
    influx_store.write(
        [
            Sample.make("migration", {"node": node, "dept": dept}, {"systems_migrated": value}, t),
            Sample.make("collector", {"source": "s", "node": node}, {"error": text}, t),
        ]
    )
    res = influx_store.query(
        f'SELECT "systems_migrated" FROM "raw"."migration" WHERE "node" = \'{node}\' GROUP BY "dept"'
    )
    (series,) = res[0]["series"]
    assert series["tags"]["dept"] == dept
    ((when, back),) = series["values"]
    assert when == t and float(back) == value  # influxd's JSON may print 4.6e16 as an integer
    latest = influx_store.latest("collector", ["error"], nodes=[node])
    assert latest["value"].tolist() == [text]
