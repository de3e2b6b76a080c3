"""A replayed day's tiles speak of that day: no tile dates its figures after it (the security
tile said 数据日期 of the refresh's own today on a screen replaying 2020)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from wall.core.chinatime import CHINA
from wall.core.layouts import LayoutSource
from wall.core.plan import load_plan
from wall.read import cache
from wall.read.reader import Backend, Reader
from wall.read.view import make_view
from wall.state.db import StateDB
from wall.store import Sample, open_store
from wall.web.panels.tiles import TILE_KINDS, tiles

PLAN = load_plan()


def test_every_tile_of_a_replayed_day_is_dated_that_day_at_the_latest(tmp_path):
    cache.configure(cache.QueryCache())
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    then = datetime(2020, 6, 30, 10, tzinfo=CHINA)
    store.write([
        Sample.make("security", {"node": "city-meizhou", "severity": "high"}, {"events": 3, "open_incidents": 1}, then),
        Sample.make("capacity", {"node": "prov-dongyong"}, {"vcpu_total": 40000.0}, then),
    ])  # fmt: skip
    layouts = LayoutSource(None).get()
    view = make_view("wall", "/", "?asof=2020-06-30", PLAN, datetime.now(UTC))
    state = Reader(Backend(store, StateDB(tmp_path / "s.db"), PLAN), view).wall_state(
        layouts.thresholds
    )
    text = json.dumps(tiles(state, list(TILE_KINDS), layouts.thresholds).to_plotly_json(),
                      default=lambda o: o.to_plotly_json(), ensure_ascii=False)  # fmt: skip
    dates = re.findall(r"数据日期 (\d{4})年(\d{1,2})月(\d{1,2})日", text)
    assert dates, text[:500]
    assert max((int(y), int(m), int(d)) for y, m, d in dates) <= (2020, 6, 30), dates
    assert "24小时 3 起" in text  # the day's own events
