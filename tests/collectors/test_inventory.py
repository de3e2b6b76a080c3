"""Migration registers: synonyms, title and totals rows, merged cells, bad rows reported."""

import csv
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from collectors.base import CollectError
from collectors.inventory import import_file, import_rows, load_rules, parse_day, write_report
from wall.core.chinatime import CHINA
from wall.core.plan import load_plan

PLAN = load_plan()
RULES = load_rules()


def workbook(path, rows, merges=()):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    book.save(path)
    return path


REGISTER = [
    ["河源市政务信息系统迁移上云台账（2020年第二季度）"],
    [],
    ["序号", "业务系统名称", "所属部门", "所属地市", "迁移状态", "上云时间"],
    [1, "不动产登记系统", "自然资源局", "河源", "已上云", "2020-03-05"],
    [2, "社保卡服务系统", "人社局", "河源市", "迁移完成", "２０２０年４月１日"],
    [3, "医保结算系统", "人社局", "河源", "已迁移", datetime(2020, 4, 1)],
    [4, "公积金系统", None, "河源", "待迁移", None],
    [5, "电子证照系统", "公安局", "香港", "已上云", "2020-05-01"],
    [6, "不动产登记系统", "自然资源局", "河源", "已上云", "2020-03-05"],
    [7, "交通卡口系统", "公安局", "河源", "已迁移", "2020-13-40"],
    [8, "", "公安局", "河源", "已迁移", "2020-05-01"],
    [9, "出入境系统", "公安局", "河源", "搁置", None],
    [],
    ["合计", "9 个系统"],
]


def test_a_register_with_title_totals_synonyms_and_bad_rows(tmp_path):
    path = workbook(tmp_path / "heyuan.xlsx", REGISTER, merges=["C5:C7"])
    result = import_file(path, PLAN, RULES)
    assert result.imported == 4  # rows 4, 5, 6 (merged 人社局 filled down to row 7), 7
    reasons = {r.row: r.reason for r in result.rejected}
    assert reasons == {
        8: "未知地市：香港",
        9: "重复的系统：与第 4 行相同",
        10: "上云时间无法识别：2020-13-40",
        11: "系统名称为空",
        12: "迁移状态无法识别：搁置",
    }
    by = {(s.tags["dept"], s.time): s.fields for s in result.samples}
    april = int(datetime(2020, 4, 1, 12, tzinfo=CHINA).timestamp())
    # merged cells: rows 5 and 6 are 人社局 though row 6's cell is empty in the file
    assert by[("人社局", april)] == {"systems_planned": 3.0, "systems_migrated": 2.0}
    assert {s.tags["node"] for s in result.samples} == {"city-heyuan"}


def test_importing_the_same_file_twice_gives_the_same_samples(tmp_path):
    path = workbook(tmp_path / "r.xlsx", REGISTER)
    assert import_file(path, PLAN, RULES).samples == import_file(path, PLAN, RULES).samples


def test_csv_in_gb18030_as_chinese_excel_saves_it(tmp_path):
    path = tmp_path / "r.csv"
    with open(path, "w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows([["系统名称", "部门", "地市", "状态", "迁移时间"],
                                  ["政务服务网", "省政务服务数据管理局", "省直", "已迁移", "2019/12/30"]])  # fmt: skip
    result = import_file(path, PLAN, RULES)
    assert result.imported == 1 and result.samples[0].tags["node"] == "prov-mingmei"


def test_rejection_report_is_readable_in_excel(tmp_path):
    result = import_file(workbook(tmp_path / "r.xlsx", REGISTER), PLAN, RULES)
    report = write_report(result, tmp_path / "r.rejected.csv")
    text = report.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "行号,原因,原始内容"
    assert "未知地市：香港" in text


def test_a_file_without_a_header_row_is_a_clear_error(tmp_path):
    with pytest.raises(CollectError, match="no header row"):
        import_file(workbook(tmp_path / "x.xlsx", [["a", "b"], [1, 2]]), PLAN, RULES)
    with pytest.raises(CollectError, match=r"expected \.xlsx or \.csv"):
        (tmp_path / "x.txt").write_text("hi")
        import_file(tmp_path / "x.txt", PLAN, RULES)
    empty = workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(CollectError, match="no header row"):
        import_file(empty, PLAN, RULES)


@pytest.mark.parametrize(
    ("text", "day"),
    [("2020-06-30", date(2020, 6, 30)), ("2020/6/3", date(2020, 6, 3)), ("2020年6月30日", date(2020, 6, 30)),
     ("２０２０．０６．３０", date(2020, 6, 30)), ("2020-02-30", None), ("30/06/2020", None), ("", None)],
)  # fmt: skip
def test_dates_as_registers_write_them(text, day):
    assert parse_day(text) == day


cells = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats(), st.dates(), st.sampled_from(
    ["河源", "广州市", "省直", "已迁移", "未迁移", "合计", "２０２０年１月１日", "2020-02-30"]))  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=7), max_size=12))
def test_any_rows_give_imported_or_rejected_rows_never_a_crash(rows):
    header = ["系统名称", "所属部门", "所属地市", "迁移状态", "上云时间"]
    result = import_rows([header, *rows], PLAN, RULES)
    data_rows = sum(1 for r in rows)
    assert result.imported + len(result.rejected) + result.skipped - 1 == data_rows
    for sample in result.samples:
        sample.validate()


def test_dates_that_lost_their_format_are_excel_serial_numbers(tmp_path):
    """A cell that lost its date format shows Excel's serial day number (43805 for
    2019-12-06); as a number or as text it is still that date, counted in the workbook's
    own date system; a number outside 2000–2050 is not taken for a date."""
    header = ["系统名称", "所属部门", "所属地市", "迁移状态", "上云时间"]
    rows = [
        header,
        ["不动产登记系统", "自然资源局", "河源", "已迁移", 43805],  # 2019-12-06
        ["社保卡服务系统", "人社局", "河源", "已迁移", "43922"],  # 2020-04-01, as text
        ["医保结算系统", "人社局", "河源", "已迁移", 43922.5],  # noon of 2020-04-01
        ["公积金系统", "住建局", "河源", "已迁移", 12],  # 1900-01-12: not a register's date
    ]
    result = import_file(workbook(tmp_path / "serial.xlsx", rows), PLAN, RULES)
    assert result.imported == 3
    assert [(r.row, r.reason) for r in result.rejected] == [(5, "上云时间无法识别：12")]
    days = sorted({datetime.fromtimestamp(s.time, CHINA).date() for s in result.samples})
    assert days == [date(2019, 12, 6), date(2020, 4, 1)]
    # the same serial numbers in a workbook of the 1904 date system (Excel for Mac) are
    # 1,462 days later: 43805 → 2023-12-07
    from openpyxl.utils.datetime import MAC_EPOCH

    book = Workbook()
    book.epoch = MAC_EPOCH
    for row in rows[:2]:
        book.active.append(row)
    book.save(tmp_path / "mac.xlsx")
    result = import_file(tmp_path / "mac.xlsx", PLAN, RULES)
    assert result.imported == 1
    assert {datetime.fromtimestamp(s.time, CHINA).date() for s in result.samples} == {
        date(2023, 12, 7)
    }
