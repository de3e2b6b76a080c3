import shutil
from datetime import UTC, datetime

import pytest

from wall.core.configfile import ConfigError
from wall.core.layouts import DEFAULT_LAYOUTS_DIR, LayoutSource, Level, load_layouts
from wall.read import cache


@pytest.fixture
def layouts(tmp_path):
    folder = tmp_path / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS_DIR, folder)
    return folder


def test_the_packaged_layouts_load_in_carousel_order():
    got = load_layouts()
    assert [s.id for s in got.carousel] == ["overview", "operations"]
    assert got.thresholds["open_high_incidents"].level(2) == Level.warn
    # the plan's targets are the judge's, never a threshold
    assert not {"plan_pace", "province_utilization", "city_targets"} & set(got.thresholds.fields)


def test_threshold_levels_follow_the_direction():
    th = load_layouts().thresholds
    util = th["node_utilization"]  # above is worse: careful 0.7, warn 0.8, bad 0.9
    assert [util.level(v) for v in (0.5, 0.72, 0.8, 0.95, None)] == [
        Level.ok,
        Level.careful,
        Level.warn,
        Level.bad,
        Level.none,
    ]
    incidents = th["open_high_incidents"]  # above is worse: warn 1, bad 3
    assert [incidents.level(v) for v in (0, 1, 3)] == [Level.ok, Level.warn, Level.bad]


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("overview.yaml", "panel: alerts", "panel: weather", "overview.yaml:30: panels[3].panel"),
        ("overview.yaml", "width: 5, height: 3}", "width: 9, height: 3}", "overview.yaml:32: panels[3].area"),
        ("overview.yaml", "thresholds: [node_utilization]", "thresholds: [rainfall]", "overview.yaml:24: panels[1].thresholds[0]"),
        ("overview.yaml", "colour: plan ", "colour: weather ", "overview.yaml:21: panels[1].colour"),
        ("overview.yaml", "    limit: 6", "    limit: 6\n    colour: health", "overview.yaml:36: panels[3].colour"),
        ("overview.yaml", "    limit: 18", "    limit: 18\n    quiet: deadlines", "overview.yaml:30: panels[2].quiet"),
        ("overview.yaml", "    limit: 18", "    limit: 18\n    wide_limit: 30", "overview.yaml:30: panels[2].wide_limit"),
        ("overview.yaml", "    wide_limit: 20", "    wide_limit: 1", "overview.yaml:36: panels[3].wide_limit"),
        ("thresholds.yaml", "    warn: 0.80\n    bad: 0.90", "    warn: 0.80\n    bad: 0.70", "thresholds.yaml:11: fields.node_utilization"),
        ("thresholds.yaml", "    careful: 0.70\n    warn: 0.80", "    careful: 0.85\n    warn: 0.80", "thresholds.yaml:11: fields.node_utilization"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_file_line_and_field(layouts, file, old, new, where):
    path = layouts / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_layouts(layouts)
    assert where in str(err.value)


def test_a_change_is_picked_up_and_a_bad_one_keeps_the_last_good(layouts):
    source = LayoutSource(layouts)
    path = layouts / "overview.yaml"
    text = path.read_text()
    path.write_text(text.replace("dwell_s: 60", "dwell_s: 45"))
    assert source.get().screen("overview").dwell_s == 45 and source.error is None
    path.write_text(text.replace("dwell_s: 60", "dwell_s: -1"))
    assert source.get().screen("overview").dwell_s == 45
    assert "overview.yaml:9: dwell_s" in str(source.error)


def test_the_query_cache_answers_once_per_key_and_bucket():
    calls = []

    @cache.cached()
    def answer(x, when):
        calls.append((x, when))
        return None if x == 0 else x * 2

    cache.configure(cache.QueryCache())
    t = cache.bucket(datetime(2026, 1, 1, 12, 0, 7, tzinfo=UTC), 5)
    assert t == datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
    assert [answer(1, t), answer(1, t), answer(0, t), answer(0, t)] == [2, 2, None, None]
    assert len(calls) == 2  # a None answer is cached too
    answer(1, cache.bucket(datetime(2026, 1, 1, 12, 0, 11, tzinfo=UTC), 5))
    assert len(calls) == 3


def test_a_cache_that_is_down_costs_speed_not_answers():
    cache.configure(cache.QueryCache("redis://127.0.0.1:1/0"))  # nothing listens there

    @cache.cached()
    def answer(x):
        return x + 1

    calls = []

    @cache.cached()
    def counted(x):
        calls.append(x)
        return x * 10

    assert answer(1) == 2
    assert cache.current().errors >= 1
    # while Redis is away the process's own cache answers: computed once, not on every ask,
    # and Redis is not asked again until DOWN_FOR_S has passed
    errors = cache.current().errors
    assert [counted(3), counted(3), counted(3)] == [30, 30, 30] and calls == [3]
    assert cache.current().errors == errors
    assert cache.current().ping() is False
    cache.configure(cache.QueryCache())
