"""The wall's milestone panel when the plan has more rows than the panel holds: nothing late or
failed is ever left out, the rows stay in the plan's order, and the last row counts the rest."""

from datetime import UTC, date, datetime

from wall.read.judge import State, Verdict
from wall.web.panels.plan import for_the_wall, milestone_table


def v(mid: str, state: State, due: date | None = None, met: date | None = None) -> Verdict:
    met_at = datetime(met.year, met.month, met.day, 4, tzinfo=UTC) if met else None
    return Verdict(id=mid, seq=mid, title=mid, section="附件", state=state, due=due, met_at=met_at)


ROWS = [
    v("a", State.met_on_time, date(2019, 12, 31), date(2019, 9, 1)),
    v("b", State.overdue, date(2020, 6, 30)),
    v("c", State.met_late, date(2019, 12, 31), date(2020, 5, 1)),
    v("d", State.not_due, date(2021, 6, 30)),
    v("e", State.met_on_time, date(2020, 6, 30), date(2020, 6, 1)),
    v("f", State.missed, date(2020, 12, 31)),
    v("g", State.not_due, date(2020, 12, 31)),
]


def test_a_panel_that_holds_every_row_shows_them_all():
    shown, rest = for_the_wall(ROWS, 7)
    assert [x.id for x in shown] == list("abcdefg") and rest == []


def test_late_rows_first_then_open_ones_by_due_date_in_the_plans_order():
    # four rows of room: three for rows, one for the rest; b and f are bad, g is due before d
    shown, rest = for_the_wall(ROWS, 4)
    assert [x.id for x in shown] == ["b", "f", "g"]
    assert [x.id for x in rest] == ["a", "c", "d", "e"]
    # six rows: then the row finished late, then the most recently finished
    shown, _ = for_the_wall(ROWS, 6)
    assert [x.id for x in shown] == ["b", "c", "d", "f", "g"]


def test_the_last_row_counts_what_is_left_out_and_links_to_the_plan():
    table = milestone_table(ROWS, 4, date(2020, 7, 1))
    more = table.children[2].children[-1]
    assert more.id == "ms-more"
    link = more.children.children
    assert link.href == "/plan?asof=2020-07-01"
    assert "按期完成 2 项" in link.children and "逾期完成 1 项" in link.children
    assert "未到期 1 项" in link.children and "全部 7 项" in link.children
