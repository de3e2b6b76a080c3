"""One judge, one answer: for seven as-of days from 2019-06 to today, the wall's tiles, milestone
table and alerts, the node pages, the province and PRD pages and the bulletin's JSON record
give the same verdict (state, figure, due date, day met) of every target and milestone of the
plan, on each store; and those verdicts are the ones written out below by hand, from the plan
text (粤办函〔2019〕288号) and the simulated province's seeded events, not by the judge.

The simulated province (seed 2019), as its progress events have it:
- city nodes live: 梅州 2019-06-28, 韶关 07-08, 肇庆 07-27, 河源 08-25 (the 3 of 附件第2项 by
  2019-08-25); 潮州 2020-03-19, 清远 03-22, 阳江 04-22, 湛江 04-24, 茂名 04-26, 揭阳 05-05 (the
  10th), 汕头 05-29, 江门 06-05, 云浮 06-11 (13 on 2020-06-30), 汕尾 09-04 (the 14th, late);
- their security platforms: 肇庆 2019-10-27, 韶关 11-08, 梅州 12-28 (3 by 2019), 河源 2020-03-25,
  清远 06-22 (5 on 2020-06-30), 潮州 07-19, 茂名 07-26, 阳江 08-22, 云浮 09-11, 汕头 09-29 (the
  10th), 揭阳 11-05, 湛江 12-24, 江门 2021-01-05, 汕尾 04-04 (the 14th);
- PRD clouds docked (统一展示) / security platform: 佛山 2019-12-04 / 2020-06-18, 珠海 2020-05-11 /
  07-27, 广州 06-10 / 10-29 (资源互通 2021-03-15: 共享共用), 深圳 08-04 / 2021-01-09, 中山 08-08 /
  2020-11-12, 东莞 08-24 / 2021-04-10 (the 7th), 惠州 08-27 / 2021-01-31;
- industry clouds docked: 气象 2020-03-20, 医疗 11-05, 党建 2021-06-23, 人才 never;
- evidenced events: 信创 pilot 2019-08-29, 管理办法 2019-09-27, 结算办法 10-28, 等保2.0
  10-18, 使用指引 11-14 (late), 梅州 extranet 12-26, 梅州 demonstration 2020-12-18, identity
  and e-seal 2020-12-22;
- the provincial figures (sum of the two centres' daily values, read from the store below):
  vCPU 72,352 on 2019-01-01, 83,328 on 06-30, first ≥ 90,000 on 09-22, 92,848 at the end of
  2019; systems migrated 68 on 2019-01-01, 274 on 06-30, 413 on 09-30, 470 at the end of 2019,
  815 on 2020-06-30, first ≥ 1,000 on 2020-09-09.

States: a count due later is on track at or above the straight line from 2019-01-01 to its
goal on its due day, behind below it (e.g. 2c on 2020-06-30: 13 < 14 × 547/547 → behind; 6b
on 2020-06-30: 815 ≥ 68 + 932 × 547/731 = 765 → on track).
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from collectors.simulator.backfill import backfill
from collectors.simulator.model import Province
from wall import bulletin
from wall.bulletin.evaluation import parse_period
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan
from wall.core.progress import Progress
from wall.store import Resolution

PLAN = load_plan()
# today, whenever the test runs: every verdict of the plan was final by 2021-09, so the
# "today" column below holds on any later day
NOW = datetime.now(UTC)
TODAY = f"{NOW.astimezone(CHINA):%Y-%m-%d}"
MONTH = f"{NOW.astimezone(CHINA):%Y-%m}"
# as-of day → the bulletin period that ends on it (this month's: so far)
DAYS = {"2019-06-30": "2019-06", "2019-09-30": "2019-Q3", "2019-12-31": "2019-Q4",
        "2020-06-30": "2020-Q2", "2020-12-31": "2020-Q4", "2021-06-30": "2021-Q2", TODAY: MONTH}  # fmt: skip
NODE_PAGES = ("city-meizhou", "city-shanwei", "city-zhaoqing", "prd-foshan", "prd-dongguan")

S = {"nd": "not_due", "ok": "on_track", "bh": "behind", "met": "met_on_time", "late": "met_late",
     "od": "overdue", "miss": "missed", "on": "ongoing", "unk": "unknown"}  # fmt: skip
# Every row of the plan on each day: state, and for the counts the figure.
MILESTONES = """
                        2019-06-30 2019-09-30 2019-12-31 2020-06-30 2020-12-31 2021-06-30 today
m1-prov-vcpu            ok         met        met        met        met        met        met
m2a-first-three         bh:0/3     met:3/3    met:3/3    met:3/3    met:3/3    met:3/3    met:3/3
m2b-ten-cities          bh:1/10    bh:4/10    bh:4/10    late:13/10 late:14/10 late:14/10 late:14/10
m2c-all-cities          bh:1/14    bh:4/14    bh:4/14    bh:13/14   late:14/14 late:14/14 late:14/14
m2d-foshan-docked       nd:0/1     nd:0/1     met:1/1    met:1/1    met:1/1    met:1/1    met:1/1
m2e-prd-docked          bh:0/6     bh:0/6     bh:0/6     bh:2/6     late:6/6   late:6/6   late:6/6
m3-industry-clouds      on         on         on         on         on         on         on
m4-security-platforms   nd         nd         nd         nd         od         late       late
ck1-city-security-ten   bh:0/10    bh:0/10    bh:3/10    od:5/10    late:12/10 late:14/10 late:14/10
ck2-city-security-all   bh:0/14    bh:0/14    bh:3/14    bh:5/14    od:12/14   late:14/14 late:14/14
ck-prd-security-docked  bh:0/7     bh:0/7     bh:0/7     bh:1/7     od:4/7     late:7/7   late:7/7
m5a-meizhou-extranet    nd         nd         met        met        met        met        met
m5b-meizhou-demo        nd         nd         nd         nd         met        met        met
m6a-migrated-400        ok         met        met        met        met        met        met
m6b-migrated-1000       bh         bh         bh         ok         met        met        met
m6c-city-migration      nd         nd         nd         miss       miss       miss       miss
m6d-identity-eseal      nd         nd         nd         nd         met        met        met
m7-xinchuang-pilot      nd         met        met        met        met        met        met
ck1-xinchuang-pilot     nd         met        met        met        met        met        met
m8a-rules               nd         met        met        met        met        met        met
m8b-usage-guide         nd         nd         late       late       late       late       late
m8c-settlement          nd         nd         met        met        met        met        met
b1-mlps-compliance      unk        unk        met        met        met        met        met
b1-disaster-recovery    met        met        met        met        met        met        met
b2-guangzhou-shared     on         on         on         on         on         met        met
"""
# the day each row was met, once it was (the events above; 1 and 6a/6b from the store)
MET_ON = {
    "m2a-first-three": "2019-08-25", "m2b-ten-cities": "2020-05-05", "m2c-all-cities": "2020-09-04",
    "m2d-foshan-docked": "2019-12-04", "m2e-prd-docked": "2020-08-27", "m4-security-platforms": "2021-04-10",
    "ck1-city-security-ten": "2020-09-29", "ck2-city-security-all": "2021-04-04",
    "ck-prd-security-docked": "2021-04-10", "m5a-meizhou-extranet": "2019-12-26",
    "m5b-meizhou-demo": "2020-12-18", "m6d-identity-eseal": "2020-12-22", "m7-xinchuang-pilot": "2019-08-29",
    "ck1-xinchuang-pilot": "2019-08-29", "m8a-rules": "2019-09-27", "m8b-usage-guide": "2019-11-14",
    "m8c-settlement": "2019-10-28", "b1-mlps-compliance": "2019-10-18", "b2-guangzhou-shared": "2021-03-15",
    "m1-prov-vcpu": "2019-09-22", "m6a-migrated-400": "2019-09-19", "m6b-migrated-1000": "2020-09-09",
}  # fmt: skip
# 附件第4项: due six months after going live (a PRD cloud: docked), at the latest 2020-12-31
SECURITY = {  # node: (due, deployed)
    "city-shantou": ("2020-11-29", "2020-09-29"), "city-shaoguan": ("2020-01-08", "2019-11-08"),
    "city-heyuan": ("2020-02-25", "2020-03-25"), "city-meizhou": ("2019-12-28", "2019-12-28"),
    "city-shanwei": ("2020-12-31", "2021-04-04"), "city-jiangmen": ("2020-12-05", "2021-01-05"),
    "city-yangjiang": ("2020-10-22", "2020-08-22"), "city-zhanjiang": ("2020-10-24", "2020-12-24"),
    "city-maoming": ("2020-10-26", "2020-07-26"), "city-zhaoqing": ("2020-01-27", "2019-10-27"),
    "city-qingyuan": ("2020-09-22", "2020-06-22"), "city-chaozhou": ("2020-09-19", "2020-07-19"),
    "city-jieyang": ("2020-11-05", "2020-11-05"), "city-yunfu": ("2020-12-11", "2020-09-11"),
    "prd-guangzhou": ("2020-12-10", "2020-10-29"), "prd-shenzhen": ("2020-12-31", "2021-01-09"),
    "prd-zhuhai": ("2020-11-11", "2020-07-27"), "prd-foshan": ("2020-06-04", "2020-06-18"),
    "prd-huizhou": ("2020-12-31", "2021-01-31"), "prd-dongguan": ("2020-12-31", "2021-04-10"),
    "prd-zhongshan": ("2020-12-31", "2020-11-12"),
}  # fmt: skip
# 附件第6项: on the first anniversary of going live; the three cities the simulator draws
# "behind" (allocation tending to 45–58 %, migration to 30–47 %) miss both, the others reach
# both before their anniversary
YEAR_DUE = {
    "city-meizhou": "2020-06-28", "city-shaoguan": "2020-07-08", "city-zhaoqing": "2020-07-27",
    "city-heyuan": "2020-08-25", "city-chaozhou": "2021-03-19", "city-qingyuan": "2021-03-22",
    "city-yangjiang": "2021-04-22", "city-zhanjiang": "2021-04-24", "city-maoming": "2021-04-26",
    "city-jieyang": "2021-05-05", "city-shantou": "2021-05-29", "city-jiangmen": "2021-06-05",
    "city-yunfu": "2021-06-11", "city-shanwei": "2021-09-04",
}  # fmt: skip
YEAR_MISSED = {"city-meizhou", "city-heyuan", "city-shanwei"}
# the late rows alerted, late since (the day after a deadline): 6c since 梅州's first
# anniversary (2020-06-28) was missed; 4 (on 2020-12-31) since 湛江's platform was due
# (2020-10-24; deployed 12-24), 江门's late from 12-06 on before that ended: no break
LATE_SINCE = {"m6c-city-migration": "2020-06-29", "m4-security-platforms": "2020-10-25"}
# 附件第2项: each node's own deadline, and whether it was met by then
BUILT_LATE = {"city-shanwei", "prd-shenzhen", "prd-huizhou", "prd-dongguan", "prd-zhongshan"}


def expected_milestones() -> dict[str, dict[str, tuple[str, str | None]]]:
    lines = [line.split() for line in MILESTONES.strip().splitlines()]
    days = [TODAY if d == "today" else d for d in lines[0]]
    out: dict[str, dict] = {d: {} for d in days}
    for mid, *cells in lines[1:]:
        for d, cell in zip(days, cells, strict=True):
            code, _, figure = cell.partition(":")
            out[d][mid] = (S[code], figure or None)
    return out


EXPECTED = expected_milestones()


@pytest.fixture(scope="module", params=["embedded", "influxdb"])
def province(request, tmp_path_factory):
    """The simulated province from the plan's start to today, daily (today by the minute), in
    each store, with its progress events recorded, and the wall serving it."""
    import uuid

    from wall.core.settings import Settings
    from wall.read import cache
    from wall.state.db import connect
    from wall.state.progress import add_event
    from wall.store import open_store
    from wall.web.app import create_app

    data = tmp_path_factory.mktemp("agreement")
    if request.param == "embedded":
        url = f"sqlite:///{data}/metrics.db"
    else:
        url = request.getfixturevalue("influx_url").replace("http://", "influxdb://")
        url = f"{url}/agree_{uuid.uuid4().hex[:12]}"
    store = open_store(url)
    sim = Province(PLAN, now=NOW)
    backfill(store, sim, datetime(2019, 1, 1, tzinfo=CHINA), now=NOW, minute_days=0, hourly_days=0)
    with closing(connect(data / "state.db")) as conn:
        for event in sim.events:
            add_event(conn, PLAN, event)
    cache.current().clear()
    app = create_app(Settings(data_dir=data, store_url=url, demo=True))
    yield app.server.test_client(), store, Progress(PLAN, sim.events), data
    store.close()


def layout(client, path: str) -> dict:
    answer = client.get("/_dash-layout", headers={"Referer": f"http://localhost{path}"})
    assert answer.status_code == 200, path
    return answer.get_json()


def components(tree):
    """Every component's props in a Dash layout."""
    if isinstance(tree, dict):
        if "props" in tree:
            yield tree["props"]
        for value in tree.values():
            yield from components(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from components(value)


def shown(tree, where: str) -> dict[str, tuple]:
    """The verdicts a page shows (data-verdict, data-state…), by id; a page never shows two
    answers to one question."""
    out: dict[str, tuple] = {}
    for props in components(tree):
        if "data-verdict" in props:
            seen = tuple(props[f"data-{k}"] or None for k in ("state", "due", "figure", "met"))
            assert out.setdefault(props["data-verdict"], seen) == seen, (
                where,
                props["data-verdict"],
            )
    return out


def by_id(tree, wanted: str) -> dict:
    return next(p for p in components(tree) if p.get("id") == wanted)


def tile_value(tile: dict) -> str:
    return next(p["children"] for p in components(tile) if p.get("className") == "tile-value")


def record_of(store, progress, label: str, out) -> dict[str, tuple]:
    b = bulletin.build(store, PLAN, progress, parse_period(label, NOW.astimezone(CHINA).date()))
    (path,) = bulletin.write(b, [], out / label)
    record = json.loads(path.read_text(encoding="utf-8"))
    return {
        k: (v["state"], v["due"], v["figure"] or None, v["met"])
        for k, v in record["verdicts"].items()
    }


def test_every_surface_gives_the_judges_one_answer_and_it_is_the_plans(province, tmp_path):
    client, store, progress, _ = province
    dated = []  # the late rows of one date, checked against their deadlines
    for day, label in DAYS.items():
        query = "" if day == TODAY else f"?asof={day}"
        record = record_of(store, progress, label, tmp_path)
        pages = {"wall": layout(client, f"/?screen=overview{query.replace('?', '&')}"), "province": layout(client, f"/province{query}"),
                 "prd": layout(client, f"/prd{query}"), "alerts": layout(client, f"/alerts{query}"),
                 "plan": layout(client, f"/plan{query}")}  # fmt: skip
        for node_id in NODE_PAGES:
            pages[node_id] = layout(client, f"/node/{node_id}{query}")
        seen = {name: shown(tree, f"{name} {day}") for name, tree in pages.items()}
        # every surface agrees with the bulletin's record, verdict by verdict
        for name, verdicts in seen.items():
            assert verdicts or name == "alerts", (name, day)
            for vid, answer in verdicts.items():
                assert answer == record[vid], (day, name, vid, answer, record[vid])
        # the plan page shows every row of the plan, the wall's panel every late or failed
        # one; each is the one written above
        assert {m.id for m in PLAN.milestones} <= set(seen["plan"]), (day, sorted(seen["plan"]))
        late = {mid for mid, (state, _) in EXPECTED[day].items() if state in ("overdue", "missed")}
        assert late <= set(seen["wall"]), (day, late - set(seen["wall"]))
        for mid, (state, figure) in EXPECTED[day].items():
            got = record[mid]
            assert got[0] == state, (day, mid, got)
            if figure:
                assert got[2] == figure, (day, mid, got)
            met = MET_ON.get(mid) if state in ("met_on_time", "met_late") else None
            if met and mid != "b1-disaster-recovery":
                assert got[3] == met, (day, mid, got)
            assert got[1] == _due(mid), (day, mid, got)
        # the tiles: cities live is 2c's count; the provincial figures are their targets'
        cities = by_id(pages["wall"], "tile-cities")
        assert tile_value(cities) == EXPECTED[day]["m2c-all-cities"][1], day
        vcpu = by_id(pages["wall"], "tile-vcpu")
        assert vcpu["data-verdict"] == "prov-vcpu"
        migrated = by_id(pages["wall"], "tile-migrated")
        due_next = "prov-migrated-2019" if day < "2020-01-01" else "prov-migrated-2020"
        assert migrated["data-verdict"] == due_next, day
        # the alerts: the attachment's rows overdue or missed, and only they
        alerted = {p["id"].removeprefix("alert-overdue-") for p in components(pages["alerts"])
                   if str(p.get("id", "")).startswith("alert-overdue-")}  # fmt: skip
        bad = {mid for mid, (state, _) in EXPECTED[day].items()
               if state in ("overdue", "missed") and not PLAN.milestone(mid).checkpoint}  # fmt: skip
        assert alerted == bad, day
        # each late since the plan's deadlines say (not since the wall first saw it)
        for p in components(pages["alerts"]):
            mid = str(p.get("id", "")).removeprefix("alert-overdue-")
            if mid in bad:
                began = p["children"][3]["props"]["children"]
                assert began == f"{LATE_SINCE[mid]} 00:00", (day, mid, began)
                dated.append((day, mid))
    assert {mid for _, mid in dated} == set(LATE_SINCE), dated


def _due(mid: str) -> str | None:
    m = PLAN.milestone(mid)
    return m.deadline.isoformat() if m.deadline else None


def test_each_nodes_own_verdicts_are_the_plans(province, tmp_path):
    """Security platforms (附件第4项), one-year targets (附件第6项) and each node's deadline
    (附件第2项), as of today and on the day the last anniversary passed."""
    _, store, progress, _ = province
    record = record_of(store, progress, MONTH, tmp_path)
    for node_id, (due, deployed) in SECURITY.items():
        state = "met_late" if deployed > due else "met_on_time"
        assert record[f"security/{node_id}"][::3] == (state, deployed), node_id
        assert record[f"security/{node_id}"][1] == due, node_id
    for node_id, due in YEAR_DUE.items():
        state, got_due, _, met = record[f"year/{node_id}"]
        assert got_due == due, node_id
        if node_id in YEAR_MISSED:
            assert (state, met) == ("missed", None), node_id
        else:  # met before the anniversary
            assert state == "met_on_time" and met < due, (node_id, met)
    for n in PLAN.nodes:
        if n.deadline is None:
            continue
        state = record[f"built/{n.id}"][0]
        assert state == ("met_late" if n.id in BUILT_LATE else "met_on_time"), n.id
    # the 6c row counts them: 11 met, 3 missed
    assert record["m6c-city-migration"][2] == "按期完成 11 · 未达成 3"
    # 2020-12-31: the only node overdue is 江门 (due 12-05, deployed 2021-01-05)
    late = record_of(store, progress, "2020-Q4", tmp_path)
    overdue = {k for k, v in late.items() if k.startswith("security/") and v[0] == "overdue"}
    assert overdue == {"security/city-jiangmen"}


def test_the_figures_behind_the_verdicts_are_the_stores(province, tmp_path):
    """The 2019 increment is end of 2019 against its start (not the total); 梅州's one-year
    figures are its migration rate on 2020-06-28 and the 30-day mean of 云资源整体使用率 ending
    then, both read here straight from the store."""
    from wall.core.formats import format_cn_number

    _, store, progress, _ = province
    record = record_of(store, progress, "2020-Q2", tmp_path)
    start, end = datetime(2019, 1, 1, tzinfo=CHINA), datetime(2020, 1, 1, tzinfo=CHINA)
    roll = store.rollup("capacity", "vcpu_total", start, end, Resolution.daily,
                        nodes=["prov-mingmei", "prov-dongyong"])  # fmt: skip
    per_day = roll.groupby("time")["last"].sum()
    increase = per_day.iloc[-1] - per_day.iloc[0]
    assert round(increase) == 92_848 - 72_352  # as the docstring says
    assert (
        record["prov-vcpu-added-2019"][2] == f"{format_cn_number(increase)} vCPU" == "2.05万 vCPU"
    )
    assert record["prov-vcpu"][2] == "9.49万 vCPU"  # the total on 2020-06-30, not the increase
    # 梅州 on its first anniversary
    anniversary = datetime(2020, 6, 29, tzinfo=CHINA)  # the end of 2020-06-28
    counts = store.counters("migration", ["systems_planned", "systems_migrated"],
                            anniversary - timedelta(seconds=1))  # fmt: skip
    mine = counts[counts["node"] == "city-meizhou"]
    rate = mine["systems_migrated"].sum() / mine["systems_planned"].sum()
    day = {}
    for f in ("vcpu_allocated", "vcpu_total", "mem_allocated_gib", "mem_total_gib",
              "storage_allocated_tib", "storage_total_tib"):  # fmt: skip
        r = store.rollup("capacity", f, datetime(2020, 5, 30, tzinfo=CHINA), anniversary,
                         Resolution.daily, nodes=["city-meizhou"])  # fmt: skip
        day[f] = dict(zip(r["time"], r["last"], strict=True))
    ratios = [
        (day["vcpu_allocated"][t] / day["vcpu_total"][t] + day["mem_allocated_gib"][t] / day["mem_total_gib"][t]
         + day["storage_allocated_tib"][t] / day["storage_total_tib"][t]) / 3
        for t in day["vcpu_total"]
    ]  # fmt: skip
    assert len(ratios) == 30  # 2020-05-30 … 2020-06-28
    utilization = sum(ratios) / len(ratios)
    assert rate < 0.5 and utilization < 0.6
    state, due, figure, _ = record["year/city-meizhou"]
    assert (state, due) == ("missed", "2020-06-28")
    assert figure == f"迁移率 {rate:.1%}，使用率 {utilization:.1%}"
