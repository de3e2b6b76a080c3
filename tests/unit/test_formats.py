"""Figures the Chinese way: the one formatting of the wall, its chart axes and the bulletins,
checked against values written out by hand."""

import pytest

from wall.core.formats import (
    cn_axis,
    compact_cities,
    failure_label,
    format_cn_number,
    short_unit,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (400, "400"),
        (1000, "1,000"),
        (9999, "9,999"),
        (10_000, "1万"),
        (17_000, "1.7万"),
        (90_000, "9万"),
        (92_848, "9.28万"),
        (123_456, "12.3万"),
        (12_345_678, "1235万"),  # was 1.23e+03万
        (99_996_000, "1亿"),  # 9999.6万 rounds into the next unit
        (350_000_000, "3.5亿"),
        (1_234_567_890, "12.3亿"),
        (-17_000, "-1.7万"),
        (float("nan"), "—"),
    ],
)
def test_numbers_read_in_wan_and_yi(value, shown):
    assert format_cn_number(value) == shown


def test_chart_axes_are_labelled_in_wan_not_k():
    axis = cn_axis(0, 120_000)
    assert axis["ticktext"] == ["0", "2.5万", "5万", "7.5万", "10万", "12.5万"]
    assert axis["tickvals"] == [0, 25_000, 50_000, 75_000, 100_000, 125_000]


def test_a_count_axis_has_no_tick_between_whole_numbers():
    # one failed host at most: ticks 0, 1, 2 (not 0, 0.2 … shown as "0, 0, 0, 1, 1")
    axis = cn_axis(0, 1, whole=True)
    assert axis["tickvals"] == [0, 1, 2] and axis["ticktext"] == ["0", "1", "2"]
    assert len(set(cn_axis(0, 3, whole=True)["ticktext"])) == len(
        cn_axis(0, 3, whole=True)["ticktext"]
    )


def test_a_collectors_failure_is_named_in_words():
    assert failure_label("refused: http://10.44.0.9:9100: connection refused") == "拒绝连接"
    assert failure_label("dns: http://no-such.invalid") == "域名无法解析"
    assert failure_label("timeout: did not answer in 2s") == "超时"
    assert failure_label("mapping: no mapped series for city-meizhou") == "无匹配序列"
    assert failure_label(None) == "" and failure_label("odd") == "失败"


CITY_UNITS = ("汕头、韶关、河源、梅州、汕尾、江门、阳江、湛江、茂名、肇庆、清远、潮州、揭阳、云浮"
              "等地级以上市政务服务数据管理局")  # fmt: skip


def test_a_long_list_of_cities_is_named_by_its_first_and_its_count():
    assert compact_cities(CITY_UNITS) == "汕头等14个地级以上市政务服务数据管理局"
    assert short_unit(CITY_UNITS) == "汕头等14市政数局"
    assert short_unit("数字政府建设运营中心") == "运营中心"
    assert short_unit("省政务服务数据管理局") == "省政数局"
    few = "广州、深圳等地级以上市政务服务数据管理局"  # short lists stay as the plan writes them
    assert compact_cities(few) == few


def test_a_bulletins_period_is_named_as_a_chinese_document_names_it():
    from wall.bulletin.evaluation import period_name

    assert period_name("2026-11") == "2026年11月"
    assert period_name("2026-02") == "2026年2月"
    assert period_name("2026-Q3") == "2026年第三季度"
    assert period_name("2020-q1") == "2020年第一季度"
    assert period_name("2020") == "2020年"
    assert period_name("2020-01-01..2020-03-31") == "2020年1月1日至2020年3月31日"
    assert period_name("2020-01-01_2020-03-31") == "2020年1月1日至2020年3月31日"  # a file's
    assert period_name("2020-02-30_2020-03-31") == "2020-02-30_2020-03-31"  # not a day: as is
    assert period_name("上半年") == "上半年"
