"""The registry against the plan: every fact of shared/plan/README.md, checked one by one."""

import json
from datetime import date

from typer.testing import CliRunner

from geo.cities import CITIES
from wall.cli import app
from wall.core.plan import load_plan
from wall.core.plan.models import NodeState, Tier

# Independent copy of the plan's facts (from the plan document), not read from the registry.
CITY_NODES = {
    "汕头": 440500, "韶关": 440200, "河源": 441600, "梅州": 441400, "汕尾": 441500,
    "江门": 440700, "阳江": 441700, "湛江": 440800, "茂名": 440900, "肇庆": 441200,
    "清远": 441800, "潮州": 445100, "揭阳": 445200, "云浮": 445300,
}  # fmt: skip
PRD_CLOUDS = {"广州": 440100, "深圳": 440300, "珠海": 440400, "佛山": 440600,
              "惠州": 441300, "东莞": 441900, "中山": 442000}  # fmt: skip
# The attachment's rows by 序号 (附件), then the body's checkpoints by their section, each with
# its date: copied from the plan text, not from the registry.
MILESTONE_DEADLINES = {
    "1": date(2019, 12, 31), "2a": date(2019, 9, 30), "2b": date(2019, 12, 31),
    "2c": date(2020, 6, 30), "2d": date(2019, 12, 31), "2e": date(2020, 6, 30), "3": None,
    "4": date(2020, 12, 31), "5": date(2020, 12, 31),
    "6a": date(2019, 12, 31), "6b": date(2020, 12, 31), "6c": None, "6d": date(2020, 12, 31),
    "7": date(2019, 8, 31), "8a": date(2019, 9, 30), "8b": date(2019, 10, 31),
    "8c": date(2019, 10, 31),
}  # fmt: skip
CHECKPOINTS = [
    ("三（一）", date(2019, 12, 31), ("10个地市节点", "安全运营平台")),
    ("三（一）", date(2019, 12, 31), ("梅州市县两级政务外网改造",)),
    ("三（一）", date(2019, 12, 31), ("信息技术应用创新试点测试部署",)),
    ("三（二）", date(2020, 6, 30), ("14个地市节点", "安全运营平台")),
    ("一", date(2020, 6, 30), ("7个珠三角地市", "安全运营平台对接")),
    ("二（一）", None, ("等保2.0",)),
    ("二（一）", None, ("两地三中心",)),
    ("二（二）", None, ("广州", "共享共用")),
]
# 牵头部门 / 配合部门 of the attachment's rows (row 3, row 6's city part and 8b have no
# cooperating unit)
CITIES_14 = "汕头、韶关、河源、梅州、汕尾、江门、阳江、湛江、茂名、肇庆、清远、潮州、揭阳、云浮等地级以上市政务服务数据管理局"
PRD_7 = "广州、深圳、佛山、珠海、东莞、惠州、中山等地级以上市政务服务数据管理局"
BUREAU, CENTRE = "省政务服务数据管理局", "数字政府建设运营中心"
LEAD_COOPERATE = {
    "1": ([BUREAU], [CENTRE]),
    "2a": ([CENTRE], [CITIES_14]),
    "2d": ([PRD_7], [CENTRE]),
    "3": ([BUREAU, "各相关行业管理部门"], []),
    "4": ([CENTRE], ["各地级以上市政务服务数据管理局"]),
    "5": ([BUREAU, "梅州市政务服务数据管理局"], [CENTRE]),
    "6a": (["省直各部门"], [CENTRE]),
    "6c": ([CITIES_14], []),
    "6d": ([BUREAU, "各地级以上市政务服务数据管理局"], [CENTRE]),
    "7": ([BUREAU, CENTRE], ["各地级以上市政务服务数据管理局"]),
    "8a": ([BUREAU], [CENTRE]),
    "8b": ([CENTRE], []),
    "8c": ([BUREAU], [CITIES_14, CENTRE]),
}


def plan_json() -> dict:
    result = CliRunner().invoke(app, ["plan", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_plan_json_lists_the_plans_topology():
    data = plan_json()
    by_tier = {t: [n for n in data["nodes"] if n["tier"] == t] for t in Tier}
    assert {n["city"]: n["adcode"] for n in by_tier[Tier.city]} == CITY_NODES
    assert {n["city"]: n["adcode"] for n in by_tier[Tier.prd]} == PRD_CLOUDS
    assert sorted(n["id"] for n in by_tier[Tier.province]) == ["prov-dongyong", "prov-mingmei"]
    assert {"名美", "东涌"} == {n["name"].split("·")[1][:2] for n in by_tier[Tier.province]}
    industry = {n["name"][:2] for n in by_tier[Tier.industry]}
    assert {"党建", "人才", "气象", "医疗"} <= industry
    # every node records its provider
    providers = {p["id"] for p in data["providers"]}
    assert all(n["provider"] in providers for n in data["nodes"])


def test_city_node_deadlines_follow_the_attachment():
    plan = load_plan()
    deadlines = {n.city: n.deadline for n in plan.nodes_of(Tier.city)}
    assert {c for c, d in deadlines.items() if d == date(2019, 9, 30)} == {"韶关", "肇庆", "河源"}
    assert all(d <= date(2020, 6, 30) for d in deadlines.values())
    assert [n.city for n in plan.nodes_of(Tier.city) if n.pilot] == ["梅州"]


def test_prd_docking_deadlines():
    plan = load_plan()
    deadlines = {n.city: n.deadline for n in plan.nodes_of(Tier.prd)}
    assert deadlines.pop("佛山") == date(2019, 12, 31)
    assert set(deadlines.values()) == {date(2020, 6, 30)}
    assert plan.node("prd-foshan").states == (
        NodeState.not_docked,
        NodeState.displayed,
        NodeState.interop,
    )


def test_every_milestone_of_the_attachment_with_its_deadline():
    data = plan_json()
    rows = [m for m in data["milestones"] if not m["checkpoint"]]
    got = {m["seq"]: m["deadline"] for m in rows}
    assert got == {k: v.isoformat() if v else None for k, v in MILESTONE_DEADLINES.items()}


def test_the_bodys_checkpoints_with_their_sections_and_dates():
    data = plan_json()
    rows = [m for m in data["milestones"] if m["checkpoint"]]
    assert len(rows) == len(CHECKPOINTS)
    for seq, due, words in CHECKPOINTS:
        (row,) = [r for r in rows if r["seq"] == seq and all(w in r["title"] for w in words)]
        assert row["deadline"] == (due.isoformat() if due else None), row
        assert seq in row["section"]


def test_xinchuang_shows_the_plans_two_dates():
    # 附件第7项 says 2019-08-31, 三（一） says by the end of 2019: both rows, neither hidden
    data = plan_json()
    dates = {
        (m["section"], m["deadline"])
        for m in data["milestones"]
        if "信息技术应用创新" in m["title"]
    }
    assert dates == {("附件第7项", "2019-08-31"), ("三（一）", "2019-12-31")}


def test_every_row_names_who_leads_and_who_cooperates():
    data = plan_json()
    by_seq = {m["seq"]: m for m in data["milestones"] if not m["checkpoint"]}
    for seq, (lead, cooperate) in LEAD_COOPERATE.items():
        assert (by_seq[seq]["lead"], by_seq[seq]["cooperate"]) == (lead, cooperate), seq
    assert all(m["lead"] for m in data["milestones"])


def test_ten_cities_by_2019_is_a_count_not_a_list_of_nodes():
    plan = load_plan()
    crit = plan.milestone("m2b-ten-cities").criterion
    assert (crit.kind, crit.count, crit.tier) == ("count", 10, Tier.city)


def test_targets_carry_the_plans_numbers():
    plan = load_plan()
    t = {x.id: x for x in plan.targets}
    assert (t["prov-vcpu"].value, t["prov-vcpu"].deadline) == (90000, date(2019, 12, 31))
    assert t["prov-vcpu-added-2019"].value == 17000
    assert (t["prov-migrated-2019"].value, t["prov-migrated-2019"].deadline) == (
        400,
        date(2019, 12, 31),
    )
    assert (t["prov-migrated-2020"].value, t["prov-migrated-2020"].deadline) == (
        1000,
        date(2020, 12, 31),
    )
    assert (t["city-migration-rate"].value, t["city-migration-rate"].within_months_of_live) == (
        0.5,
        12,
    )
    assert (t["city-utilization"].value, t["city-utilization"].within_months_of_live) == (0.6, 12)
    assert t["security-platform"].within_months_of_live == 6
    assert t["security-platform"].deadline == date(2020, 12, 31)
    assert t["identity-eseal"].deadline == date(2020, 12, 31)


def test_node_ids_are_ascii_slugs_with_the_tier_prefix():
    plan = load_plan()
    prefix = {"province": "prov-", "city": "city-", "prd": "prd-", "industry": "ind-"}
    for node in plan.nodes:
        assert node.id.isascii() and node.id.startswith(prefix[node.tier])
    assert {"city-shantou", "prd-foshan", "prov-dongyong", "ind-weather"} <= {
        n.id for n in plan.nodes
    }


def test_every_guangdong_city_has_a_node():
    plan = load_plan()
    covered = {n.adcode for n in plan.nodes if n.tier in (Tier.city, Tier.prd)}
    assert covered == {c.adcode for c in CITIES}
    assert len(CITIES) == 21


def test_plan_text_summary_is_chinese():
    result = CliRunner().invoke(app, ["plan"])
    assert result.exit_code == 0
    assert "省统筹地市节点 (14)" in result.output
    assert "珠三角自建云 (7)" in result.output


def test_the_migration_tile_compares_with_the_target_due_next():
    from datetime import datetime

    from wall.core.chinatime import CHINA
    from wall.core.progress import Progress
    from wall.read.judge import Judge, judge_all

    plan = load_plan()

    def due(y, m, d):
        verdicts = judge_all(Judge(plan, Progress(plan, []), None, datetime(y, m, d, tzinfo=CHINA)))
        return verdicts.next_target["systems_migrated"].goal_text

    assert due(2019, 12, 31) == "≥400 个"
    assert due(2020, 1, 1) == "≥1,000 个"
    assert due(2024, 1, 1) == "≥1,000 个"
