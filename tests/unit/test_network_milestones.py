"""梅州's network milestones decided by evidence (#19): each link the links file marks counts
once its probes answered on the criterion's number of days (7 in the plan registry), on the
last of them; a link never probed counts by the milestone's progress report; met when every
link counts, on the day the last one does. Dates below are worked out by hand from the
samples written, not by the judge."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from wall.core.chinatime import CHINA
from wall.core.links import LinksFile
from wall.core.plan import load_plan
from wall.core.progress import EventKind, Progress, ProgressEvent
from wall.read import cache
from wall.read.judge import Judge, State
from wall.store import Sample, open_store

PLAN = load_plan()
M5A = PLAN.milestone("m5a-meizhou-extranet")  # due 2019-12-31, 7 days of answers


def _links(*ids: str) -> LinksFile:
    return LinksFile(schema_version=1, kind="links", links=[
        {"id": i, "name": i, "source": "prov-mingmei", "node": "city-meizhou", "site": i,
         "carrier": "电信", "mbps": 100, "probes": [{"target": f"{i}:443"}],
         "milestones": ["m5a-meizhou-extranet"]} for i in ids])  # fmt: skip


def _answers(link: str, first: date, days: int, up: float = 1.0) -> list[Sample]:
    """One probe a day at noon China time, from first for days."""
    return [Sample.make("link", {"node": "city-meizhou", "link": link}, {"up": up},
                        datetime.combine(first + timedelta(days=k), datetime.min.time(), CHINA) + timedelta(hours=12))
            for k in range(days)]  # fmt: skip


def _verdict(store, links, asof: date, events=()):
    cache.configure(cache.QueryCache())
    at = datetime.combine(asof, datetime.max.time(), CHINA)
    return Judge(PLAN, Progress(PLAN, list(events)), store, at, links=links).milestone(M5A)


def test_every_link_counts_on_its_seventh_day_of_answers(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    store.write(_answers("link-a", date(2019, 10, 1), 30) + _answers("link-b", date(2019, 12, 10), 20)
                + _answers("link-b", date(2019, 12, 12), 1, up=0.0))  # fmt: skip
    links = _links("link-a", "link-b")
    # on 12-15 link-b has answered on 10, 11, (not 12), 13, 14, 15: five days
    early = _verdict(store, links, date(2019, 12, 15))
    assert early.state == State.not_due and early.figure_text == "1/2 条链路"
    assert "link-b" in early.reason
    done = _verdict(store, links, date(2019, 12, 31))
    # its seventh: 10, 11, 13, 14, 15, 16, 17 (the 12th answered nothing)
    assert done.state == State.met_on_time
    assert done.met_at.astimezone(CHINA).date() == date(2019, 12, 17)


def test_a_link_never_probed_counts_by_the_progress_report(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    store.write(_answers("link-a", date(2019, 10, 1), 30))
    links = _links("link-a", "link-c")
    assert _verdict(store, links, date(2020, 1, 15)).state == State.overdue  # no evidence for c
    report = ProgressEvent(EventKind.milestone_met, M5A.id,
                           datetime(2019, 12, 20, 10, tzinfo=CHINA), "验收报告", "test")  # fmt: skip
    v = _verdict(store, links, date(2020, 1, 15), [report])
    assert v.state == State.met_on_time and "1 条据进度记录" in v.figure_text
    assert v.met_at.astimezone(CHINA).date() == date(2019, 12, 20)


def test_a_link_that_answered_too_few_days_keeps_it_open_past_its_date(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    store.write(
        _answers("link-a", date(2019, 10, 1), 30) + _answers("link-b", date(2019, 12, 28), 3)
    )
    report = ProgressEvent(EventKind.milestone_met, M5A.id,
                           datetime(2019, 12, 20, 10, tzinfo=CHINA), "验收报告", "test")  # fmt: skip
    # probed, so the report does not stand in for it: three days are not seven
    v = _verdict(store, _links("link-a", "link-b"), date(2020, 1, 2), [report])
    assert v.state == State.overdue and v.figure_text == "1/2 条链路"
    late = _verdict(store, _links("link-a", "link-b"), date(2020, 2, 1), [report])
    assert late.state == State.overdue  # it stopped answering after three days


def test_a_replays_frames_read_the_answers_once_and_each_sees_only_its_own_days(tmp_path):
    """Frames as of 12-31, 12-15 and 12-31 again, in one cache (as ▶ 回放 asks them): each
    the same verdict as decided alone (above), from one read of the link history."""
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    store.write(_answers("link-a", date(2019, 10, 1), 30) + _answers("link-b", date(2019, 12, 10), 20)
                + _answers("link-b", date(2019, 12, 12), 1, up=0.0))  # fmt: skip
    links = _links("link-a", "link-b")
    reads = []
    rollup = store.rollup
    store.rollup = lambda measurement, *a, **k: (
        reads.append(measurement) or rollup(measurement, *a, **k)
    )
    cache.configure(cache.QueryCache())

    def frame(day: date):
        at = datetime.combine(day, datetime.max.time(), CHINA)
        return Judge(PLAN, Progress(PLAN, []), store, at, links=links).milestone(M5A)

    for day in (date(2019, 12, 31), date(2019, 12, 15), date(2019, 12, 31)):
        v = frame(day)
        if day.day == 15:
            assert v.state == State.not_due and v.figure_text == "1/2 条链路"
        else:
            assert v.state == State.met_on_time
            assert v.met_at.astimezone(CHINA).date() == date(2019, 12, 17)
    assert reads.count("link") == 1
