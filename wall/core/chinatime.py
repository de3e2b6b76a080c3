"""Time rules of the wall: stored in UTC, every calendar notion in Asia/Shanghai.

A deadline is a calendar date; it is met by anything that happens before the end of that
day in China (23:59:59.999… Asia/Shanghai), whatever the UTC date is at that instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utc(ts: datetime) -> datetime:
    """Return ts as an aware UTC datetime; naive values are refused, never guessed."""
    if ts.tzinfo is None:
        raise ValueError(f"naive datetime {ts.isoformat()} has no time zone")
    return ts.astimezone(UTC)


def now_utc() -> datetime:
    """Return the current instant in UTC."""
    return datetime.now(UTC)


def china_date(ts: datetime) -> date:
    """Return the calendar date in China at instant ts."""
    return utc(ts).astimezone(CHINA).date()


def day_start(day: date) -> datetime:
    """Return the UTC instant at which this China calendar day begins."""
    return datetime.combine(day, time.min, CHINA).astimezone(UTC)


def deadline_end(day: date) -> datetime:
    """Return the first UTC instant after the deadline day (exclusive end in China)."""
    return day_start(day + timedelta(days=1))


def on_time(ts: datetime, deadline: date) -> bool:
    """Return True if instant ts falls on or before the deadline day in China."""
    return utc(ts) < deadline_end(deadline)


def add_months(day: date, months: int) -> date:
    """Return the same day of the month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def parse_instant(text: str) -> datetime:
    """Parse an ISO date or datetime; dates and naive times are read as China time."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.min, CHINA).astimezone(UTC)
        ts = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO date or time: {text!r}") from exc
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=CHINA)
    return ts.astimezone(UTC)


def format_cn_date(day: date) -> str:
    """Format a date the Chinese way: 2020年6月30日."""
    return f"{day.year}年{day.month}月{day.day}日"
