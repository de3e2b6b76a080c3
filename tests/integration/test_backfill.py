"""The simulated province's history through the bulk path, read back as the wall will."""

from datetime import UTC, datetime, timedelta

import pytest

from collectors.simulator.backfill import backfill, segments
from collectors.simulator.model import Province
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan
from wall.store import Resolution

PLAN = load_plan()


def test_segments_are_daily_then_hourly_then_minutes():
    now = int(datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp())
    segs = segments(int(datetime(2019, 1, 1, tzinfo=CHINA).timestamp()), now, 2)
    assert [s.step for s in segs] == [86400, 3600, 60]
    assert segs[0].end == segs[1].start and segs[1].end == segs[2].start
    assert segs[2].end <= now


def test_backfilled_history_answers_the_plans_questions(store):
    # a store as of early January 2020, with history since November 2019
    now = datetime(2020, 1, 10, 12, tzinfo=UTC)
    province = Province(PLAN, now=now)
    lines = backfill(store, province, datetime(2019, 11, 1, tzinfo=CHINA), now=now, minute_days=1)
    assert lines > 50_000
    end_2019 = datetime(2019, 12, 31, 12, tzinfo=CHINA)
    day = datetime(2019, 12, 31, tzinfo=CHINA)
    vcpu = store.rollup("capacity", "vcpu_total", day, day + timedelta(days=1), Resolution.daily,
                        nodes=["prov-mingmei", "prov-dongyong"])  # fmt: skip
    assert vcpu["last"].sum() >= 90_000  # the simulated province met target 1 on time
    migrated = store.counters("migration", ["systems_migrated"], end_2019)
    provincial = migrated[migrated["node"].str.startswith("prov-")]["systems_migrated"].sum()
    assert provincial >= 400
    # the one-minute tail is there and the latest values are from it
    latest = store.latest("usage", ["cpu_util"], nodes=["prov-mingmei"])
    assert (now - latest["time"].iloc[0].to_pydatetime()) < timedelta(minutes=2)


def test_backfill_twice_changes_nothing(tmp_path):
    from wall.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = datetime(2020, 1, 10, 12, tzinfo=UTC)
    province = Province(PLAN, now=now)
    since = datetime(2019, 12, 20, tzinfo=CHINA)
    backfill(store, province, since, now=now, minute_days=0)
    day = datetime(2019, 12, 25, tzinfo=CHINA)
    first = store.rollup("usage", "cpu_util", day, day + timedelta(days=1), Resolution.daily)
    backfill(store, province, since, now=now, minute_days=0)
    again = store.rollup("usage", "cpu_util", day, day + timedelta(days=1), Resolution.daily)
    assert first.equals(again) and first["count"].gt(0).all()
    assert first["count"].tolist() == pytest.approx([24] * len(first))


def test_simulated_registers_import_into_the_models_counts(store, tmp_path):
    import numpy as np

    from collectors.inventory import import_file
    from collectors.simulator.registers import write_registers

    now = datetime(2021, 3, 1, 12, tzinfo=UTC)
    province = Province(PLAN, now=now)
    paths = write_registers(province, tmp_path, now=now)
    assert len(paths) == 14  # every city node was live by then
    for path in paths:
        result = import_file(path, PLAN)
        assert result.rejected == [] and result.imported > 0
        store.write(result.samples)
    counts = store.counters("migration", ["systems_planned", "systems_migrated"], now)
    heyuan = counts[counts["node"] == "city-heyuan"]
    sim = province.nodes["city-heyuan"]
    model = province.migration(sim, np.array([int(now.timestamp()) - 86400]))
    assert heyuan["systems_planned"].sum() == sum(sim.planned.values())
    assert heyuan["systems_migrated"].sum() == sum(v["systems_migrated"][0] for v in model.values())


def test_import_inventory_command_reports_rejected_rows(tmp_path):
    import subprocess
    import sys

    from openpyxl import Workbook

    from tests.conftest import ROOT

    book = Workbook()
    for row in (["系统名称", "所属部门", "所属地市", "迁移状态", "上云时间"],
                ["办公系统", "市政府办", "梅州", "已上云", "2019-08-01"],
                ["台风预警", "气象局", "澳门", "已上云", "2019-08-01"]):  # fmt: skip
        book.active.append(row)
    path = tmp_path / "梅州台账.xlsx"
    book.save(path)
    run = [
        sys.executable,
        "-m",
        "wall.cli",
        "import-inventory",
        str(path),
        "--store",
        f"sqlite:///{tmp_path}/m.db",
    ]
    out = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "1 rows imported, 1 rejected" in out.stdout and "row 3: 未知地市：澳门" in out.stdout
    report = tmp_path / "梅州台账.rejected.csv"
    assert "澳门" in report.read_text(encoding="utf-8-sig")
    again = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    from wall.store import open_store

    counts = open_store(f"sqlite:///{tmp_path}/m.db").counters(
        "migration", ["systems_migrated"], datetime.now(UTC)
    )
    assert counts.to_dict("records") == [
        {"node": "city-meizhou", "dept": "市政府办", "systems_migrated": 1.0}
    ]


def test_target_milestones_are_decided_by_the_metrics(store):
    from wall.core.progress import Progress
    from wall.read.judge import Judge, State

    now = datetime(2020, 1, 10, 12, tzinfo=UTC)
    province = Province(PLAN, now=now)
    backfill(store, province, datetime(2019, 9, 1, tzinfo=CHINA), now=now, minute_days=0)
    # independently: the first China day whose provincial total (sum of the centres' last
    # values) is at least 90,000
    roll = store.rollup("capacity", "vcpu_total", datetime(2019, 9, 1, tzinfo=CHINA), now, Resolution.daily,
                        nodes=["prov-mingmei", "prov-dongyong"])  # fmt: skip
    per_day = roll.groupby("time")["last"].sum()
    first = per_day[per_day >= 90_000].index[0].to_pydatetime()

    progress = Progress(PLAN, province.events)
    m1 = Judge(PLAN, progress, store, now).milestone(PLAN.milestone("m1-prov-vcpu"))
    assert m1.state == State.met_on_time
    assert m1.met_at.astimezone(CHINA).date() == first.astimezone(CHINA).date()
    # the day before the metric got there, the same milestone was still to come
    early = Judge(PLAN, progress, store, first - timedelta(days=1))
    assert early.milestone(PLAN.milestone("m1-prov-vcpu")).state in (State.on_track, State.behind)
    # a target no metric measures falls back to the recorded event (2020-12-22, later)
    m6d = Judge(PLAN, progress, store, now).milestone(PLAN.milestone("m6d-identity-eseal"))
    assert m6d.state == State.not_due and m6d.met_at is None


def test_province_figures_join_cached_past_days_and_todays_reads(store):
    """The wall reads whole past days once an hour and today's day each refresh: the joined
    answer equals the provincial totals computed straight from the daily rollups."""
    from wall.read import cache, queries

    now = datetime(2020, 1, 10, 12, tzinfo=UTC)  # 20:00 in China: the day is well under way
    province = Province(PLAN, now=now)
    backfill(store, province, datetime(2019, 11, 1, tzinfo=CHINA), now=now, minute_days=1)
    cache.current().clear()
    for metric, (measurement, field) in (("vcpu_total", ("capacity", "vcpu_total")),
                                         ("systems_migrated", ("migration", "systems_migrated"))):  # fmt: skip
        fig = queries.province_figure(store, PLAN, metric, now)
        roll = store.rollup(measurement, field, datetime(2019, 11, 1, tzinfo=CHINA), now,
                            Resolution.daily, nodes=["prov-mingmei", "prov-dongyong"])  # fmt: skip
        per_day = roll.groupby("time")["last"].sum()
        assert fig.time == per_day.index[-1].to_pydatetime()
        if metric == "vcpu_total":  # reported every minute: today's value, read apart
            assert fig.time.astimezone(CHINA).date() == now.astimezone(CHINA).date()
        assert fig.value == pytest.approx(per_day.iloc[-1])
        month_before = per_day[per_day.index <= per_day.index[-1] - timedelta(days=30)]
        assert fig.previous == pytest.approx(month_before.iloc[-1])


def test_backfill_records_the_provinces_progress_so_a_bulletin_finds_its_nodes(tmp_path):
    """`gdwall backfill` writes the simulated province's progress events beside its metrics;
    a bulletin over a state database without them says that is what is missing."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    def gdwall(*args: str, data: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "wall.cli", *args, "--data-dir", data],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip

    store = f"sqlite:///{tmp_path}/m.db"
    filled = gdwall("backfill", "--store", store, "--since", "2026-08-01", "--days", "0",
                    data=str(tmp_path / "a"))  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    assert "progress events of the simulated province" in filled.stdout
    made = gdwall("bulletin", "--period", "2026-09", "--format", "xlsx", "--store", store,
                  "--out", str(tmp_path / "out"), data=str(tmp_path / "a"))  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "out" / "bulletin-2026-09.xlsx").exists()
    # the same store, another data folder: no progress recorded there
    empty = gdwall("bulletin", "--period", "2026-09", "--format", "xlsx", "--store", store,
                   "--out", str(tmp_path / "out2"), data=str(tmp_path / "b"))  # fmt: skip
    assert empty.returncode != 0 and "没有任何进度记录" in empty.stdout + empty.stderr
    assert "没有任何指标数据" not in empty.stdout + empty.stderr
