"""The frame around every page: the header (navigation to the pages the user may open, the
as-of control, the demo banner, who is signed in), the body a page's callback redraws, and the
page for an address that names nothing. Also what a layout request says of the page asking."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from dash import dcc, html

from wall.core.chinatime import CHINA
from wall.core.plan.models import Plan
from wall.read.view import ViewError, day_param, query_params
from wall.web import access, ids
from wall.web.registry import PAGES


def not_found(error: Exception) -> list:
    """A clear page for an address that names nothing (never a traceback)."""
    return [
        html.Div(
            [
                html.H1("未找到", id="not-found"),
                html.P(str(error), className="not-found-reason"),
                html.P([dcc.Link("← 返回总览大屏", href="/", refresh=True)]),
            ],
            className="page-head not-found",
        )
    ]


def date_picker(id: str, date: str | None = None, first=None, last=None, hint: str = "选择日期"):
    """A date control in Chinese whatever the browser's language (a native date input shows
    the browser's own, mm/dd/yyyy under English): Dash's picker with date-fns' zh-CN locale,
    served from the wall's assets (date-fns-locale-zh-cn.min.js), the only one it has."""
    return dcc.DatePickerSingle(
        id=id,
        date=date or None,
        min_date_allowed=first,
        max_date_allowed=last,
        display_format="YYYY年M月D日",
        month_format="YYYY年MMM",
        first_day_of_week=1,
        placeholder=hint,
        clearable=False,
        className="asof-pick date-pick",
    )


def asof_control(plan: Plan, label: str | None, with_label: bool = True) -> html.Div:
    """The date the page is viewed as of (empty: now), and the way back to now; with the
    label saying what is shown (the wall puts it under its clock instead). The control is
    drawn holding the address's day: one drawn empty says so to the page as it mounts, and
    that word could land after the address's day had been put in it."""
    return html.Div(
        [
            html.Label("查看日期", htmlFor=ids.ASOF_PICK),
            date_picker(
                ids.ASOF_PICK,
                address_day(plan),
                first=plan.period.start.isoformat(),
                last=datetime.now(CHINA).date().isoformat(),
            ),
            html.Button("实时", id=ids.ASOF_LIVE, className="asof-live"),
            html.Div(label, id=ids.ASOF, className="asof") if with_label else None,
        ],
        className="asof-control",
    )


def demo_banner(demo: bool) -> html.Div | None:
    if not demo:
        return None
    return html.Div("演示模式 · 未启用登录 · 数据为模拟", className="demo-banner", id="demo-banner")


def page_header(plan: Plan, demo: bool) -> html.Header:
    """The navigation offers only the pages the user may open."""
    links = [(p.path, p.title) for p in sorted(PAGES.values(), key=lambda p: p.order)
             if p.nav and access.may(p.capability)]  # fmt: skip
    return html.Header(
        [
            html.Div(
                [
                    dcc.Link(label, href=href, className="nav-link", refresh=True)
                    for href, label in links
                ],
                className="nav",
            ),
            asof_control(plan, None),
            demo_banner(demo),
            access.user_badge(),
        ],
        className="page-header",
    )


def page(plan: Plan, demo: bool, page_name: str | None, body: list):
    """An operator page: its address (the Location), the header, and the body under the id
    its own callback redraws."""
    location = dcc.Location(id=ids.URL, refresh="callback-nav", **page_location())
    body_id = ids.page_body(page_name) if page_name else "page-body-none"
    return html.Div(
        [location, page_header(plan, demo), html.Div(body, id=body_id, className="page-body")],
        className="page",
    )


def page_location() -> dict:
    """The address of the page asking for its layout (the Referer of that request)."""
    from flask import has_request_context, request

    if not has_request_context() or not request.referrer:
        return {}
    url = urlsplit(request.referrer)
    search = f"?{url.query}" if url.query else ""
    return {"pathname": url.path, "search": search, "hash": "", "href": request.referrer}


def address_day(plan: Plan) -> str | None:
    """The day the asking page's ?asof= names (ISO) by the views' one rule, if it names one."""
    try:
        day = day_param(query_params(page_location().get("search")), "asof", plan,
                        datetime.now(CHINA))  # fmt: skip
    except ViewError:  # the page itself says what is wrong with its address
        return None
    return day.isoformat() if day else None


UNIT_COOKIE = "gdwall_unit"  # the screen's unit in px, as assets/wall.js last measured it
UNIT_RANGE = (4.0, 400.0)  # px: a 640×360 window's unit to a 16K wall's


def screen_unit() -> float | None:
    """The screen's unit the asking browser last measured (assets/wall.js keeps it in a
    cookie), or None: no cookie, or not a number of px a screen can have."""
    from flask import has_request_context, request

    if not has_request_context():
        return None
    try:
        unit = round(float(request.cookies.get(UNIT_COOKIE, "")), 2)
    except ValueError:
        return None
    return unit if UNIT_RANGE[0] <= unit <= UNIT_RANGE[1] else None


def for_a_page() -> bool:
    """Whether a browser is asking for its page's layout (not Dash checking the layout at
    start-up or rendering its index): only then is the store read for it."""
    from flask import has_request_context, request

    return has_request_context() and request.path.endswith("/_dash-layout")
