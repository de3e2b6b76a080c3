"""The alert panel holds the rows its layout gives it, whatever the day: the alerts first, the
last row counting the rest when they do not all fit, then in the rows left the plan's next
deadlines under a heading (a busy day at 1080p once pushed three alerts and three deadlines
38 px past the operations screen's panel)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from wall.core.alerts import Alert
from wall.core.layouts import Area, Panel
from wall.read.judge import State, Verdict
from wall.web.panels.ops import alert_rows, alerts, alerts_panel

DUE = [Verdict(id=f"m{i}", seq=f"m{i}", title=f"里程碑{i}", section="附件", state=State.not_due,
               due=date(2020, 3, i)) for i in range(1, 6)]  # fmt: skip


CITIES = ("梅州", "河源", "汕尾")
MISSED = {f"city-{i}": Verdict(id=f"year/city-{i}", seq="6c", title="上线一年内", section="附件第6项",
                               state=State.missed, due=date(2020, 6 + i, 28), node_id=f"city-{i}",
                               reason=f"云资源整体使用率 4{i}.0% 低于 60%")
          for i in range(len(CITIES))}  # fmt: skip
NODES = [SimpleNamespace(node=SimpleNamespace(id=f"city-{i}", city=c, name=f"{c}政务云节点"))
         for i, c in enumerate(CITIES)]  # fmt: skip


def state(n_alerts: int, deadlines=DUE, missed=MISSED):
    return SimpleNamespace(
        alerts=[
            Alert("warn", "cpu", f"node-{i}", f"节点{i} CPU 使用率高") for i in range(n_alerts)
        ],
        replay_day=None,
        episodes={},
        next_deadlines=lambda count: [(v, 10 + i) for i, v in enumerate(deadlines[:count])],
        verdicts=SimpleNamespace(milestones=DUE, year=missed),
        overview=SimpleNamespace(nodes=NODES),
    )


def rows_of(component, wide: bool = False) -> list[str]:
    """The panel's rows as a reader counts them, top to bottom, in the area the screen's grid
    uses: outside a wall three times wider than high (the default) or on one (`wide`); a row
    marked for the other area only is not there (wall.css hides it)."""
    out = []
    hidden = "narrow-only" if wide else "wide-only"

    def walk(c):
        name = getattr(c, "className", None) or ""
        if hidden in name.split():
            return
        name = " ".join(n for n in name.split() if n not in ("narrow-only", "wide-only"))
        if (
            type(c).__name__ == "Li"
            or name in ("alerts-more", "panel-empty ok", "year-missed-line")
            or type(c).__name__ == "H3"
        ):
            out.append(name or type(c).__name__)
            return
        if name == "score":
            out.extend(["score", "score"])  # two rows: it may wrap
            return
        kids = getattr(c, "children", None)
        for k in kids if isinstance(kids, list) else [kids]:
            if k is not None and not isinstance(k, str):
                walk(k)

    walk(component)
    return out


@pytest.mark.parametrize("limit", [2, 3, 4, 6, 8])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 6, 7, 14])
def test_the_panel_never_holds_more_rows_than_its_layout_gives(n, limit):
    rows = rows_of(alerts(state(n), limit, "deadlines"))
    assert len(rows) <= limit, rows
    shown = sum(r.startswith("alert ") for r in rows)
    if n <= limit:  # every alert shown, none counted
        assert shown == n and "alerts-more" not in rows
    else:  # the last row counts the rest
        assert shown == limit - 1 and rows[limit - 1] == "alerts-more"


def test_six_rows_on_a_busy_day_five_alerts_and_the_count_of_the_rest():
    panel = alerts(state(14), 6, "deadlines")
    assert rows_of(panel) == ["alert alert-warn alert-cpu"] * 5 + ["alerts-more"]
    assert panel.children[1].children == "另有 9 条"


def test_the_rows_the_alerts_leave_go_to_a_heading_and_up_to_three_deadlines():
    assert alert_rows(0, 6) == (0, 5)  # the "no alert" line takes a row
    assert rows_of(alerts(state(0), 6, "deadlines")) == ["panel-empty ok", "H3"] + ["deadline"] * 3
    assert rows_of(alerts(state(3), 6, "deadlines"))[3:] == ["H3", "deadline", "deadline"]
    assert rows_of(alerts(state(4), 6, "deadlines"))[4:] == ["H3", "deadline"]
    # one row left: a heading alone says nothing, so nothing
    assert rows_of(alerts(state(5), 6, "deadlines"))[5:] == []
    assert rows_of(alerts(state(0), 6, "none")) == ["panel-empty ok"]


def test_once_every_deadline_is_past_the_results_need_three_rows():
    assert "score" in rows_of(alerts(state(3, deadlines=[], missed={}), 6, "deadlines"))
    assert rows_of(alerts(state(4, deadlines=[]), 6, "deadlines"))[4:] == []


def test_after_the_results_the_cities_that_missed_their_one_year_target():
    """The rows the results leave name the cities that missed 附件第6项: a row each with what
    failed when all fit under their heading, else one row naming them all."""
    room = rows_of(alerts(state(0, deadlines=[]), 10, "deadlines"))
    assert room == ["panel-empty ok", "H3", "score", "score", "H3"] + ["deadline"] * 3
    panel = alerts(state(0, deadlines=[]), 10, "deadlines")
    shown = texts(panel)
    assert "上线一周年目标未达成 · 3 市" in shown
    for i, city in enumerate(CITIES):
        assert f"{city} 云资源整体使用率 4{i}.0% 低于 60% 一周年 2020年{6 + i}月28日" in shown
    # one alert in six rows (the overview at 16:9): one row left, naming them
    tight = alerts(state(1, deadlines=[]), 6, "deadlines")
    assert rows_of(tight) == [
        "alert alert-warn alert-cpu",
        "H3",
        "score",
        "score",
        "year-missed-line",
    ]
    assert "上线一周年目标未达成：梅州、河源、汕尾" in texts(tight)
    # no row left, or none missed: nothing of it
    assert "未达成" not in texts(alerts(state(3, deadlines=[]), 6, "deadlines"))
    assert "未达成" not in texts(alerts(state(0, deadlines=[], missed={}), 10, "deadlines"))
    # while deadlines remain, they have the room
    assert "未达成" not in texts(alerts(state(0), 10, "deadlines"))


def test_a_wide_area_holds_its_own_rows_beside_the_narrow_ones():
    # the server cannot know which area a screen's CSS shows: one list serves both, each row
    # the other area does not hold marked so
    area = Area(col=1, row=1, width=1, height=1)
    spec = Panel(panel="alerts", area=area, wide=area, limit=6, wide_limit=20)
    panel = alerts_panel(spec, state(14), None)
    assert rows_of(panel) == ["alert alert-warn alert-cpu"] * 5 + ["alerts-more"]
    assert [c.children for c in panel.children if "alerts-more" in c.className] == ["另有 9 条"]
    # twenty rows: the fourteen alerts, then a heading and three deadlines
    assert (
        rows_of(panel, wide=True) == ["alert alert-warn alert-cpu"] * 14 + ["H3"] + ["deadline"] * 3
    )
    # a quiet day: the same alert in both areas, sent once; three deadlines in both
    quiet = alerts_panel(spec, state(1), None)
    assert rows_of(quiet) == rows_of(quiet, wide=True) == ["alert alert-warn alert-cpu", "H3"] + ["deadline"] * 3  # fmt: skip
    assert "only" not in repr(quiet)
    # four alerts: one deadline left in six rows, three in twenty
    assert rows_of(alerts_panel(spec, state(4), None))[4:] == ["H3", "deadline"]
    assert rows_of(alerts_panel(spec, state(4), None), wide=True)[4:] == ["H3"] + ["deadline"] * 3
    # each alert is sent once, whichever area shows it
    assert repr(panel).count("节点13 CPU") == 2  # its text and its tooltip
    same = Panel(panel="alerts", area=area, limit=6)
    assert rows_of(alerts_panel(same, state(14), None), wide=True) == rows_of(alerts_panel(same, state(14), None))  # fmt: skip


@pytest.mark.parametrize("deadlines", [DUE, []], ids=["deadlines", "all-past"])
@pytest.mark.parametrize("wide_limit", [2, 3, 5, 6, 7, 20])
@pytest.mark.parametrize("limit", [2, 3, 6])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 6, 7, 14, 25])
def test_each_area_shows_exactly_what_a_panel_of_its_rows_would(n, limit, wide_limit, deadlines):
    """One list for two areas: each shows the rows a panel of its own limit alone shows."""
    area = Area(col=1, row=1, width=1, height=1)
    spec = Panel(panel="alerts", area=area, wide=area, limit=limit, wide_limit=wide_limit)
    both = alerts_panel(spec, state(n, deadlines), None)
    assert rows_of(both) == rows_of(alerts(state(n, deadlines), limit, "deadlines"))
    alone = alerts(state(n, deadlines), wide_limit, "deadlines")
    assert rows_of(both, wide=True) == rows_of(alone) == rows_of(alone, wide=True)


# -- since when: a plan's alert is late since its deadline, not since the wall first saw it


def verdict(state, due=None, parts=()):
    return Verdict(id="m", seq="6c", title="里程碑", section="附件", state=state, due=due,
                   parts=tuple(parts))  # fmt: skip


def test_a_late_verdict_is_late_from_the_day_after_its_due_day_in_china():
    from wall.core.chinatime import CHINA

    late = verdict(State.overdue, date(2020, 6, 30))
    assert late.late_since == datetime(2020, 7, 1, tzinfo=CHINA)
    assert late.late_since == datetime(2020, 6, 30, 16, tzinfo=UTC)
    assert verdict(State.missed, date(2019, 12, 31)).late_since == datetime(
        2020, 1, 1, tzinfo=CHINA
    )
    for state in (State.not_due, State.met_on_time, State.met_late, State.unknown):
        assert verdict(state, date(2020, 6, 30)).late_since is None


def test_a_per_node_row_is_late_since_its_first_node_was():
    from wall.core.chinatime import CHINA

    parts = [verdict(State.met_on_time, date(2020, 5, 1)), verdict(State.missed, date(2020, 7, 8)),
             verdict(State.missed, date(2020, 6, 28)), verdict(State.not_due, date(2020, 6, 1))]  # fmt: skip
    row = verdict(State.missed, None, parts)  # 6c: ongoing, no date of its own
    assert row.late_since == datetime(2020, 6, 29, tzinfo=CHINA)


def test_a_per_node_row_is_late_since_its_lateness_began_without_a_break():
    """Late from 10-25 to 12-24 (met late), another late from 12-06 on: the row has been
    late since 10-25; a node late and done before that (02-26 to 03-25) does not count."""
    from wall.core.chinatime import CHINA

    def met_late(due, met):
        return replace(verdict(State.met_late, due), met_at=met)

    parts = [met_late(date(2020, 2, 25), datetime(2020, 3, 25, 10, tzinfo=CHINA)),
             met_late(date(2020, 10, 24), datetime(2020, 12, 24, 10, tzinfo=CHINA)),
             verdict(State.overdue, date(2020, 12, 5)), verdict(State.met_on_time, date(2020, 9, 1))]  # fmt: skip
    assert verdict(State.overdue, date(2020, 12, 31), parts).late_since == datetime(
        2020, 10, 25, tzinfo=CHINA
    )
    parts[1] = met_late(date(2020, 10, 24), datetime(2020, 12, 5, 23, tzinfo=CHINA))
    assert verdict(State.overdue, date(2020, 12, 31), parts).late_since == datetime(
        2020, 12, 6, tzinfo=CHINA
    )  # done the evening before the other's lateness began: a break


def test_the_panel_says_since_the_deadline_not_since_the_episode_began():
    from wall.core.chinatime import CHINA
    from wall.web.panels.ops import alert_item

    today = SimpleNamespace(first_seen=datetime(2026, 12, 2, 11, 50, tzinfo=CHINA), acked_by=None)
    plan = Alert(
        "bad", "overdue", "m2c", "里程碑 2c 逾期", since=datetime(2020, 7, 1, tzinfo=CHINA)
    )
    text = texts(alert_item(plan, None, today))
    assert "自 2020年7月1日" in text and "12-02" not in text
    node = Alert("bad", "down", "city-meizhou", "梅州政务云节点 云平台不可用")
    assert "自 12-02 11:50" in texts(alert_item(node, None, today))


def texts(component) -> str:
    if isinstance(component, str):
        return component
    kids = getattr(component, "children", None)
    return " ".join(texts(k) for k in (kids if isinstance(kids, list) else [kids]) if k is not None)


def test_the_alert_list_names_every_kind_the_wall_raises_in_chinese():
    """Every kind of alert the read layer raises (wall/read/wallstate.py), in the alert list's
    category column in Chinese: link alerts showed `link_degraded`."""
    import re

    from wall.web.pages.alerts import alerts_body

    kinds = ("down", "link_down", "stale", "degraded", "node_utilization", "cpu_util",
             "link_degraded", "overdue", "security")  # fmt: skip
    now = datetime(2026, 12, 2, tzinfo=UTC)
    listed = SimpleNamespace(alerts=[Alert("bad", k, f"s-{k}", f"告警 {k}") for k in kinds],
                             episodes={}, replay_day=None, replay=False, now=now, asof=now)  # fmt: skip
    table = alerts_body(listed)[1].children
    rows = table.children[1].children
    assert len(rows) == len(kinds)
    for row in rows:
        category = row.children[1].children
        assert category and not re.search(r"[a-z_]", category.replace("CPU", "")), (
            row.id,
            category,
        )
