"""A request's view is parsed once, by one rule: a malformed or out-of-range date says what is
wrong and which days there are (never a 500, never a silent "now"), and every read of the page
takes the view's instant (the /compare and /province figures of a replayed day are that day's).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wall.core.chinatime import CHINA, deadline_end
from wall.core.plan import load_plan
from wall.core.settings import Settings
from wall.read.view import ViewError, make_view

PLAN = load_plan()
NOW = datetime(2026, 11, 30, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("search", "words"),
    [
        ("asof=2020-13-01", "不是日期"),
        ("asof=yesterday", "不是日期"),
        ("asof=9999-12-31", "晚于今天"),
        ("asof=0001-01-01", "早于方案起始日 2019-01-01"),
        ("asof=2018-12-31", "早于方案起始日"),
        ("range=custom&from=2020-01-01&to=2099-01-01", "晚于今天"),
        ("range=custom&from=2020-02-01&to=2020-01-01", "晚于"),
        ("range=fortnight", "range=fortnight 无效"),
    ],
)
def test_one_rule_for_a_bad_date_or_range(search, words):
    with pytest.raises(ViewError, match=words):
        make_view("node", "/node/city-meizhou", search, PLAN, NOW, "city-meizhou", with_window=True)


def test_a_replayed_day_is_read_as_of_its_last_instant_and_today_is_live():
    view = make_view("compare", "/compare", "asof=2020-06-30&asof=2020-06-29", PLAN, NOW)
    assert view.replay and view.replay_day.isoformat() == "2020-06-29"  # the last value wins
    assert view.asof == deadline_end(view.replay_day) - timedelta(microseconds=1)
    today = NOW.astimezone(CHINA).date().isoformat()
    live = make_view("compare", "/compare", f"asof={today}", PLAN, NOW)
    assert not live.replay and live.asof == NOW


def test_every_page_says_what_is_wrong_with_a_date_and_never_fails(tmp_path):
    from wall.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db", demo=True))
    client = app.server.test_client()
    for path in ("/", "/node/city-meizhou", "/province", "/prd", "/compare", "/alerts"):
        for day, words in (("9999-12-31", "晚于今天"), ("0001-01-01", "早于方案起始日")):
            r = client.get("/_dash-layout", headers={"Referer": f"http://x{path}?asof={day}"})
            text = r.get_data(as_text=True)
            assert r.status_code == 200 and words in text and "not-found" in text, (path, day)


def test_compare_and_province_read_a_replayed_day_as_of_that_day(tmp_path):
    """The live reads of /compare (the ranking and its export) and /province (VMs and hosts of
    each centre) ignored ?asof= and showed today's values on a replayed day."""
    from openpyxl import load_workbook

    from wall.store import open_store
    from wall.store.samples import Sample
    from wall.web.app import create_app

    store = open_store(f"sqlite:///{tmp_path}/m.db")
    then = datetime(2020, 6, 30, 10, tzinfo=CHINA)
    now = datetime.now(UTC) - timedelta(minutes=1)
    for when, util, vms in ((then, 0.25, 111.0), (now, 0.75, 999.0)):
        store.write([Sample.make("usage", {"node": "city-meizhou"}, {"cpu_util": util}, when),
                     Sample.make("health", {"node": "prov-dongyong"},
                                 {"vms_running": vms, "hosts_total": 10.0, "hosts_down": 0.0, "up": 1.0}, when)])  # fmt: skip
    store.close()
    app = create_app(Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db", demo=True))
    client = app.server.test_client()

    def exported(query: str) -> list:
        book = load_workbook(
            __import__("io").BytesIO(client.get(f"/export/ranking.xlsx?{query}").data)
        )
        return [row[4] for row in book.active.iter_rows(min_row=2, values_only=True)]

    assert exported("field=cpu_util") == [75.0]
    assert exported("field=cpu_util&asof=2020-06-30") == [25.0]
    page = client.get(
        "/_dash-layout", headers={"Referer": "http://x/compare?field=cpu_util&asof=2020-06-30"}
    )
    assert "25.0" in page.get_data(as_text=True) and "75.0" not in page.get_data(as_text=True)
    province = client.get("/_dash-layout", headers={"Referer": "http://x/province?asof=2020-06-30"})
    assert "111" in province.get_data(as_text=True) and "999" not in province.get_data(as_text=True)
    live = client.get("/_dash-layout", headers={"Referer": "http://x/province"})
    assert "999" in live.get_data(as_text=True)
