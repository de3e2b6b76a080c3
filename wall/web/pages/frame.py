"""The operator pages' frame: a header with the way back to the wall and the as-of control,
and the page body, which a callback redraws whenever the address changes."""

from __future__ import annotations

from dash import dcc, html

from wall.web import ids
from wall.web.pages.routes import NotFound

NAV = [("/", "总览大屏"), ("/province", "省级平台"), ("/prd", "珠三角自建云"),
       ("/compare", "对比与排名"), ("/alerts", "告警"), ("/bulletins", "评估通报"),
       ("/admin", "系统管理")]  # fmt: skip


def not_found(error: NotFound) -> list:
    """A clear page for an address that names nothing (never a traceback)."""
    return [
        html.Div(
            [
                html.H1("未找到", id="not-found"),
                html.P(str(error), className="not-found-reason"),
                html.P([dcc.Link("← 返回总览大屏", href="/")]),
            ],
            className="page-head not-found",
        )
    ]


def page_header(asof_control: html.Div, demo_banner, badge=None, allowed=None) -> html.Header:
    """allowed(path) says whether the user may open a page: the others are not offered."""
    links = [(h, label) for h, label in NAV if allowed is None or allowed(h)]
    return html.Header(
        [
            html.Div(
                [
                    dcc.Link(label, href=href, className="nav-link", refresh=True)
                    for href, label in links
                ],
                className="nav",
            ),
            asof_control,
            demo_banner,
            badge,
        ],
        className="page-header",
    )


def page(location: dcc.Location, header: html.Header, body: list) -> html.Div:
    return html.Div(
        [location, header, html.Div(body, id=ids.PAGE_BODY, className="page-body")],
        className="page",
    )
