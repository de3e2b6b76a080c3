"""The operator pages' addresses: every page state is in its URL, so a link pasted into a chat
opens the same view. Parsing is strict: an unknown node or a malformed parameter is a clear
"not found" with the reason, never a traceback.
"""

from __future__ import annotations

import re
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


class NotFound(Exception):
    """What the address asked for does not exist or cannot be read; the message says why."""


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
class Route:
    page: str  # node, province, prd, compare
    node_id: str | None = None
    window: Window | None = None
    params: dict[str, str] = field(default_factory=dict)  # the query as given (for links)

    def href(self, **changes: str | None) -> str:
        """This page's address with some parameters changed (None removes one)."""
        params = {**self.params, **changes}
        query = urlencode({k: v for k, v in params.items() if v})
        path = f"/node/{self.node_id}" if self.page == "node" else f"/{self.page}"
        return path + (f"?{query}" if query else "")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotFound(f"参数 {name}={text} 不是日期（应为 YYYY-MM-DD）") from None


def window(params: dict[str, str], now: datetime) -> Window:
    """The chart range a page's parameters name; NotFound saying what is wrong."""
    name = params.get("range") or DEFAULT_RANGE
    if name in RANGES:
        _, length, step = RANGES[name]
        end = min(now, _asof_end(params, now))
        return Window(name, end - length, end, step)
    if name != "custom":
        choices = "、".join([*RANGES, "custom"])
        raise NotFound(f"参数 range={name} 无效（可选 {choices}）")
    if not params.get("from") or not params.get("to"):
        raise NotFound("自定义范围需要 from 和 to 两个日期（YYYY-MM-DD）")
    first, last = _day(params["from"], "from"), _day(params["to"], "to")
    if last < first:
        raise NotFound(f"范围有误：from={first} 晚于 to={last}")
    if (last - first).days > MAX_CUSTOM_DAYS:
        raise NotFound(f"范围过长：最多 {MAX_CUSTOM_DAYS} 天")
    start, end = day_start(first), min(deadline_end(last), now)
    if end <= start:
        raise NotFound(f"范围 {first} 至 {last} 尚未开始")
    # about 300 points whatever the length, in whole minutes, hours or days
    step_s = max(60, int((end - start).total_seconds() / 300))
    step_s = next(
        s for s in (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400) if s >= step_s
    )
    return Window("custom", start, end, timedelta(seconds=step_s))


def _asof_end(params: dict[str, str], now: datetime) -> datetime:
    text = params.get("asof")
    if not text:
        return now
    return min(deadline_end(_day(text, "asof")), now)


_PATH = re.compile(r"/(?:node/[a-z0-9-]+|[a-z]+)")


def page_of(pathname: str | None) -> str | None:
    """The page an address's path names: "wall" for /, a page of PAGES, "node", or None for
    anything else. Strict, so that whoever asks (the access guard, the router) gets the same
    answer for the same text: no empty segments, no dot segments, no trailing slash."""
    if pathname in (None, "", "/"):
        return "wall"
    if not _PATH.fullmatch(pathname):
        return None
    parts = pathname.split("/")[1:]
    if parts[0] == "node":
        return "node" if len(parts) == 2 else None
    return parts[0] if parts[0] in PAGES else None


def parse(pathname: str | None, search: str | None, plan: Plan, now: datetime) -> Route:
    """The route an address names (the wall itself is not a route: pathname "/")."""
    raw = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    params = {k: v for k in raw if (v := _one(raw, k)) is not None}
    page = page_of(pathname)
    if page in (None, "wall"):
        raise NotFound(f"没有这个页面：{pathname}")
    parts = pathname.split("/")[1:]
    if page == "node":
        node_id = parts[1]
        if node_id not in {n.id for n in plan.nodes}:
            raise NotFound(f"没有编号为 {node_id} 的节点")
        if "asof" in params:
            _day(params["asof"], "asof")
        return Route("node", node_id, window(params, now), params)
    if "asof" in params:
        _day(params["asof"], "asof")
    return Route(page, None, window(params, now), params)


PAGES = {
    "province": "省级平台",
    "prd": "珠三角",
    "compare": "对比与排名",
    "alerts": "告警",
    "bulletins": "评估通报",
    "admin": "系统管理",
}


def node_href(node_id: str, replay_day: date | None = None) -> str:
    """The node page's address, as of the replayed day if the wall shows one."""
    return f"/node/{node_id}" + (f"?asof={replay_day.isoformat()}" if replay_day else "")
