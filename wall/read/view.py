"""A request's view: which page, as of which instant, over which chart window, parsed once from
the address. Every read and every verdict of the request takes it, so a replayed day is the
same day everywhere on the page.

One rule for dates: `asof` and a custom range's `from`/`to` are YYYY-MM-DD days between the
plan's start and today (China time); anything else is a ViewError saying what is wrong and
which days there are, shown as the page's "not found", never a 500 and never a silent "now".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode

from wall.core.chinatime import CHINA, day_start, deadline_end
from wall.core.plan.models import Plan

# range name → (label, length, step): the step keeps a chart near 300 points, and with it the
# store picks its resolution (raw minutes, hourly or daily rollups)
RANGES: dict[str, tuple[str, timedelta, timedelta]] = {
    "1h": ("最近1小时", timedelta(hours=1), timedelta(minutes=1)),
    "24h": ("最近24小时", timedelta(hours=24), timedelta(minutes=5)),
    "7d": ("最近7天", timedelta(days=7), timedelta(hours=1)),
    "30d": ("最近30天", timedelta(days=30), timedelta(hours=3)),
}
DEFAULT_RANGE = "24h"
MAX_CUSTOM_DAYS = 3 * 366
REPLAY_AFTER_S = 60  # an as-of more than this in the past is a replay, not the live view


class ViewError(ValueError):
    """What the address asks for cannot be shown; the message says why (in Chinese)."""


@dataclass(frozen=True)
class Window:
    """A chart's time range: [start, end) at step, and how the URL names it."""

    name: str  # 1h, 24h, 7d, 30d or custom
    start: datetime
    end: datetime
    step: timedelta

    @property
    def label(self) -> str:
        if self.name in RANGES:
            return RANGES[self.name][0]
        first = self.start.astimezone(CHINA).date()
        last = (self.end - timedelta(seconds=1)).astimezone(CHINA).date()
        return f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"


@dataclass(frozen=True)
class View:
    """What one request shows: the page and its address, now and the instant read as of."""

    page: str  # the page's name in the registry: wall, node, province, prd, compare, …
    path: str
    now: datetime  # the cache bucket's instant: every request in one bucket asks alike
    asof: datetime  # the instant read as of: now, or the last instant of the replayed day
    replay: bool
    params: dict[str, str] = field(default_factory=dict)  # the query as given (for links)
    node_id: str | None = None
    window: Window | None = None

    @property
    def replay_day(self) -> date | None:
        """The China day replayed (None when live): links from the page keep it."""
        return self.asof.astimezone(CHINA).date() if self.replay else None

    def href(self, **changes: str | None) -> str:
        """This page's address with some parameters changed (None removes one)."""
        params = {**self.params, **changes}
        query = urlencode({k: v for k, v in params.items() if v})
        return self.path + (f"?{query}" if query else "")


def query_params(search: str | None) -> dict[str, str]:
    """The query's parameters, the last value of each (as a browser's form would send)."""
    raw = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return {k: v[-1] for k, v in raw.items() if v}


def day_param(params: dict[str, str], name: str, plan: Plan, now: datetime) -> date | None:
    """A day parameter by the one rule: YYYY-MM-DD, from the plan's start to today."""
    text = params.get(name)
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ViewError(f"参数 {name}={text} 不是日期（应为 YYYY-MM-DD）") from None
    first, today = plan.period.start, now.astimezone(CHINA).date()
    if day < first:
        raise ViewError(f"参数 {name}={day} 早于方案起始日 {first}，没有这一天的数据")
    if day > today:
        raise ViewError(f"参数 {name}={day} 晚于今天（{today}），还没有这一天的数据")
    return day


def make_view(
    page: str,
    path: str,
    search: str | None,
    plan: Plan,
    now: datetime,
    node_id: str | None = None,
    with_window: bool = False,
) -> View:
    """The view of a request to a page (already resolved from its path); ViewError if a
    parameter is malformed or out of range."""
    params = query_params(search)
    day = day_param(params, "asof", plan, now)
    asof, replay = now, False
    if day is not None:
        last = deadline_end(day) - timedelta(microseconds=1)  # that day's events count
        replay = (now - last).total_seconds() > REPLAY_AFTER_S
        asof = last if replay else now
    window = chart_window(params, plan, now, day) if with_window else None
    return View(page, path, now, asof, replay, params, node_id, window)


def chart_window(
    params: dict[str, str], plan: Plan, now: datetime, asof_day: date | None
) -> Window:
    """The chart range a page's parameters name."""
    name = params.get("range") or DEFAULT_RANGE
    if name in RANGES:
        _, length, step = RANGES[name]
        end = min(now, deadline_end(asof_day)) if asof_day else now
        return Window(name, end - length, end, step)
    if name != "custom":
        choices = "、".join([*RANGES, "custom"])
        raise ViewError(f"参数 range={name} 无效（可选 {choices}）")
    if not params.get("from") or not params.get("to"):
        raise ViewError("自定义范围需要 from 和 to 两个日期（YYYY-MM-DD）")
    first, last = day_param(params, "from", plan, now), day_param(params, "to", plan, now)
    if last < first:
        raise ViewError(f"范围有误：from={first} 晚于 to={last}")
    if (last - first).days > MAX_CUSTOM_DAYS:
        raise ViewError(f"范围过长：最多 {MAX_CUSTOM_DAYS} 天")
    start, end = day_start(first), min(deadline_end(last), now)
    # about 300 points whatever the length, in whole minutes, hours or days
    step_s = max(60, int((end - start).total_seconds() / 300))
    step_s = next(
        s for s in (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400) if s >= step_s
    )
    return Window("custom", start, end, timedelta(seconds=step_s))
