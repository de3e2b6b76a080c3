"""Progress events: recorded with evidence, kept apart from the plan, and what they imply."""

import sqlite3
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from wall.cli import app
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan
from wall.core.plan.models import NodeState
from wall.core.progress import EventKind, Progress, ProgressError, ProgressEvent
from wall.read.judge import Judge, State
from wall.state.db import StateDatabaseError, connect, migrations, schema_version
from wall.state.progress import add_event, list_events

PLAN = load_plan()


def cn(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def ev(kind, subject, when, stage=None) -> ProgressEvent:
    return ProgressEvent(EventKind(kind), subject, when, "验收报告", "tester", stage=stage)


@pytest.fixture
def db(tmp_path):
    conn = connect(tmp_path / "state.db")
    yield conn
    conn.close()


def test_new_database_is_migrated_to_the_latest_schema(tmp_path):
    conn = connect(tmp_path / "s.db")
    assert schema_version(conn) == len(migrations()) >= 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    # opening again applies nothing and keeps data
    conn = connect(tmp_path / "s.db")
    assert schema_version(conn) == len(migrations())


def test_database_newer_than_the_code_is_refused(tmp_path):
    conn = connect(tmp_path / "s.db")
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(StateDatabaseError, match="newer than this code"):
        connect(tmp_path / "s.db")


def test_event_round_trip_and_idempotence(db):
    e = ev("node_live", "city-meizhou", cn(2019, 6, 28, 10, 0))
    assert add_event(db, PLAN, e)
    assert not add_event(db, PLAN, e)  # the same event twice is stored once
    (back,) = list_events(db)
    assert back.subject == "city-meizhou" and back.occurred_at == e.occurred_at
    assert back.occurred_at.utcoffset().total_seconds() == 0  # stored in UTC


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ev("node_live", "city-hongkong", cn(2020, 1, 1)), "unknown node"),
        (ev("node_live", "prd-foshan", cn(2020, 1, 1)), "does not apply to prd"),
        (ev("docking_stage", "prd-foshan", cn(2020, 1, 1)), "needs stage"),
        (ev("docking_stage", "city-heyuan", cn(2020, 1, 1), NodeState.displayed), "does not apply"),
        (ev("milestone_met", "m99", cn(2020, 1, 1)), "unknown milestone"),
        (
            ProgressEvent(EventKind.node_live, "city-heyuan", cn(2020, 1, 1), " ", "me"),
            "evidence is required",
        ),
    ],
)
def test_events_that_contradict_the_plan_are_refused(db, event, message):
    with pytest.raises(ProgressError, match=message):
        add_event(db, PLAN, event)
    assert list_events(db) == []


def test_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive"):
        add_event(db, PLAN, ev("node_live", "city-heyuan", datetime(2020, 1, 1)))


def test_states_follow_events_as_of_a_date():
    p = Progress(
        PLAN,
        [
            ev("node_building", "city-heyuan", cn(2019, 5, 1)),
            ev("node_live", "city-heyuan", cn(2019, 9, 20)),
            ev("docking_stage", "prd-foshan", cn(2019, 12, 1), NodeState.displayed),
            ev("docking_stage", "prd-foshan", cn(2020, 8, 1), NodeState.interop),
        ],
    )
    heyuan, foshan = PLAN.node("city-heyuan"), PLAN.node("prd-foshan")
    assert p.state(heyuan, cn(2019, 4, 1)) == NodeState.planned
    assert p.state(heyuan, cn(2019, 6, 1)) == NodeState.building
    assert p.state(heyuan, cn(2019, 10, 1)) == NodeState.online
    assert p.state(foshan, cn(2019, 11, 1)) == NodeState.not_docked
    assert p.state(foshan, cn(2020, 1, 1)) == NodeState.displayed
    assert p.state(foshan, cn(2020, 9, 1)) == NodeState.interop
    assert p.state(PLAN.node("prov-dongyong"), cn(2019, 1, 2)) == NodeState.online


def verdict(progress, milestone_id, asof):
    return Judge(PLAN, progress, None, asof).milestone(PLAN.milestone(milestone_id))


def test_event_at_2330_china_time_on_the_deadline_meets_the_milestone():
    # m2d: 佛山 docked by 2019-12-31 (附件第2项)
    on_time = Progress(
        PLAN, [ev("docking_stage", "prd-foshan", cn(2019, 12, 31, 23, 30), "displayed")]
    )
    late = Progress(PLAN, [ev("docking_stage", "prd-foshan", cn(2020, 1, 1, 0, 30), "displayed")])
    asof = cn(2020, 3, 1)
    assert verdict(on_time, "m2d-foshan-docked", asof).state == State.met_on_time
    assert verdict(late, "m2d-foshan-docked", asof).state == State.met_late


def test_count_milestone_needs_ten_cities_and_is_overdue_after_its_deadline():
    cities = [n.id for n in PLAN.nodes if n.tier == "city"]
    nine = [ev("node_live", c, cn(2019, 11, i + 1)) for i, c in enumerate(cities[:9])]
    p = Progress(PLAN, nine)
    # 9 of 10 at noon on the deadline is below the straight line from 2019-01-01 (9.99)
    before = verdict(p, "m2b-ten-cities", cn(2019, 12, 31, 12))
    assert (before.state, before.figure_text) == (State.behind, "9/10")
    after = verdict(p, "m2b-ten-cities", cn(2020, 1, 1, 0, 1))
    assert (after.state, after.figure_text) == (State.overdue, "9/10")
    p = Progress(PLAN, [*nine, ev("node_live", cities[9], cn(2019, 12, 30))])
    done = verdict(p, "m2b-ten-cities", cn(2020, 1, 5))
    assert done.state == State.met_on_time
    assert done.met_at == cn(2019, 12, 30)


def test_count_milestone_is_on_track_above_the_straight_line():
    cities = [n.id for n in PLAN.nodes if n.tier == "city"]
    # on 2019-07-02, 182 of 2019's 365 days gone, the line to 10 by year end stands at 4.99
    five = [ev("node_live", c, cn(2019, 6, i + 1)) for i, c in enumerate(cities[:5])]
    four = five[:4]
    asof = cn(2019, 7, 2)
    assert verdict(Progress(PLAN, five), "m2b-ten-cities", asof).state == State.on_track
    assert verdict(Progress(PLAN, four), "m2b-ten-cities", asof).state == State.behind


def test_security_platform_is_due_six_months_after_going_live():
    # 附件第4项: within six months of going live (河源 live 2019-09-01 → due 2020-03-01)
    p = Progress(PLAN, [ev("node_live", "city-heyuan", cn(2019, 9, 1))])
    heyuan = PLAN.node("city-heyuan")
    v = Judge(PLAN, p, None, cn(2020, 3, 1)).security(heyuan)
    assert (v.state, v.due) == (State.not_due, date(2020, 3, 1))
    assert Judge(PLAN, p, None, cn(2020, 3, 2)).security(heyuan).state == State.overdue


def test_security_platform_due_date_is_capped_at_the_end_of_2020():
    # a node live on 2020-09-01 would be due 2021-03-01, but 附件第4项 wants all by 2020-12-31
    p = Progress(PLAN, [ev("node_live", "city-heyuan", cn(2020, 9, 1))])
    v = Judge(PLAN, p, None, cn(2020, 10, 1)).security(PLAN.node("city-heyuan"))
    assert v.due == date(2020, 12, 31)
    v = Judge(PLAN, p, None, cn(2021, 1, 1, 0, 1)).security(PLAN.node("city-heyuan"))
    assert v.state == State.overdue


def test_target_milestones_without_metrics_say_so_instead_of_guessing():
    v = verdict(Progress(PLAN, []), "m1-prov-vcpu", cn(2020, 1, 1))
    assert v.state == State.unknown and v.reason == "无指标数据"


def test_cli_records_and_lists_progress(tmp_path):
    runner = CliRunner()
    args = ["--data-dir", str(tmp_path), "--evidence", "粤政数函〔2019〕1号", "--by", "张三"]
    r = runner.invoke(
        app, ["progress", "add", "node_live", "city-heyuan", "--at", "2019-09-20", *args]
    )
    assert r.exit_code == 0, r.output
    assert "recorded" in r.output
    r = runner.invoke(
        app, ["progress", "add", "node_live", "city-heyuan", "--at", "2019-09-20", *args]
    )
    assert "already recorded" in r.output
    r = runner.invoke(
        app, ["progress", "add", "node_live", "city-xianggang", "--at", "2019-09-20", *args]
    )
    assert r.exit_code == 1 and "unknown node 'city-xianggang'" in r.output
    r = runner.invoke(app, ["progress", "list", "--data-dir", str(tmp_path)])
    assert "2019-09-20 00:00  node_live  city-heyuan  粤政数函〔2019〕1号  (张三)" in r.output
    rows = sqlite3.connect(tmp_path / "state.db").execute("SELECT COUNT(*) FROM progress_events")
    assert rows.fetchone()[0] == 1
