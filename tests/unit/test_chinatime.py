from datetime import UTC, date, datetime

import pytest

from wall.core.chinatime import (
    CHINA,
    add_months,
    china_date,
    deadline_end,
    format_cn_date,
    on_time,
    parse_instant,
)


def test_event_at_2330_china_time_on_deadline_day_is_on_time():
    # 23:30 in China on 2020-06-30 is 15:30 UTC the same day.
    event = datetime(2020, 6, 30, 23, 30, tzinfo=CHINA)
    assert on_time(event, date(2020, 6, 30))


def test_event_after_midnight_china_time_is_late_though_utc_date_is_still_the_deadline():
    # 00:30 on 2020-07-01 in China is 16:30 UTC on 2020-06-30: late, by China's calendar.
    event = datetime(2020, 7, 1, 0, 30, tzinfo=CHINA)
    assert event.astimezone(UTC).date() == date(2020, 6, 30)
    assert not on_time(event, date(2020, 6, 30))


def test_deadline_end_is_midnight_china_time_in_utc():
    assert deadline_end(date(2019, 12, 31)) == datetime(2019, 12, 31, 16, 0, tzinfo=UTC)


def test_china_date_of_a_utc_evening_is_the_next_day():
    assert china_date(datetime(2019, 9, 30, 17, 0, tzinfo=UTC)) == date(2019, 10, 1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        on_time(datetime(2020, 6, 30, 12, 0), date(2020, 6, 30))


def test_parse_instant_reads_dates_and_naive_times_as_china_time():
    assert parse_instant("2020-06-30") == datetime(2020, 6, 29, 16, 0, tzinfo=UTC)
    assert parse_instant("2020-06-30T23:30") == datetime(2020, 6, 30, 15, 30, tzinfo=UTC)
    assert parse_instant("2020-06-30T23:30+00:00") == datetime(2020, 6, 30, 23, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an ISO"):
        parse_instant("2020/06/30")


def test_add_months_clamps_to_the_end_of_short_months():
    assert add_months(date(2019, 8, 31), 6) == date(2020, 2, 29)
    assert add_months(date(2019, 12, 31), 12) == date(2020, 12, 31)
    assert add_months(date(2020, 3, 15), 6) == date(2020, 9, 15)


def test_dates_are_written_the_chinese_way():
    assert format_cn_date(date(2020, 6, 30)) == "2020年6月30日"
