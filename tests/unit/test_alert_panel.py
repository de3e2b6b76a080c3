"""The alert panel holds the rows its layout gives it, whatever the day: the alerts first, the
last row counting the rest when they do not all fit, then in the rows left the plan's next
deadlines under a heading (a busy day at 1080p once pushed three alerts and three deadlines
38 px past the operations screen's panel)."""

from datetime import date
from types import SimpleNamespace

import pytest

from wall.core.alerts import Alert
from wall.core.layouts import Area, Panel
from wall.read.judge import State, Verdict
from wall.web.panels.ops import alert_rows, alerts, alerts_panel

DUE = [Verdict(id=f"m{i}", seq=f"m{i}", title=f"里程碑{i}", section="附件", state=State.not_due,
               due=date(2020, 3, i)) for i in range(1, 6)]  # fmt: skip


def state(n_alerts: int, deadlines=DUE):
    return SimpleNamespace(
        alerts=[
            Alert("warn", "cpu", f"node-{i}", f"节点{i} CPU 使用率高") for i in range(n_alerts)
        ],
        replay_day=None,
        episodes={},
        next_deadlines=lambda count: [(v, 10 + i) for i, v in enumerate(deadlines[:count])],
        verdicts=SimpleNamespace(milestones=DUE),
    )


def rows_of(component) -> list[str]:
    """The panel's rows as a reader counts them, top to bottom."""
    out = []

    def walk(c):
        name = getattr(c, "className", None) or ""
        if (
            type(c).__name__ == "Li"
            or name in ("alerts-more", "panel-empty ok")
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
    assert "score" in rows_of(alerts(state(3, deadlines=[]), 6, "deadlines"))
    assert rows_of(alerts(state(4, deadlines=[]), 6, "deadlines"))[4:] == []


def test_a_wide_area_holds_its_own_rows_beside_the_narrow_ones():
    # the server cannot know which area a screen's CSS shows: both are sent, marked
    area = Area(col=1, row=1, width=1, height=1)
    spec = Panel(panel="alerts", area=area, wide=area, limit=6, wide_limit=20)
    narrow, wide = alerts_panel(spec, state(14), None).children
    assert "narrow-only" in narrow.className and "wide-only" in wide.className
    assert len(rows_of(narrow)) == 6 and "alerts-more" in rows_of(narrow)
    # twenty rows: the fourteen alerts, then a heading and three deadlines
    assert rows_of(wide) == ["alert alert-warn alert-cpu"] * 14 + ["H3"] + ["deadline"] * 3
    same = Panel(panel="alerts", area=area, limit=6)
    assert alerts_panel(same, state(14), None).className == "alerts-body"
