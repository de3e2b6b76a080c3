"""The evaluators' page (/bulletins): produce a bulletin for any period in any formats, and the
archive of every bulletin written (scheduled or asked for), each file a download."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html

from wall.bulletin import FORMATS
from wall.bulletin.evaluation import period_name
from wall.web import actions, ids
from wall.web.registry import action, download, page
from wall.web.services import PageContext

FORMAT_LABEL = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel", "html": "HTML", "json": "数据记录"}


def archive_rows(archive: list[tuple[str, datetime, list[Path]]]) -> list:
    """Each period in the archive with its files, newest first."""
    rows = []
    for label, when, files in archive:
        links = [
            html.A(FORMAT_LABEL.get(f.suffix[1:], f.suffix[1:]), href=f"/bulletins/download/{f.name}",
                   className="range", id=f"download-{f.name}")
            for f in files
        ]  # fmt: skip
        rows.append(html.Tr([html.Td(period_name(label)), html.Td(f"{when:%Y-%m-%d %H:%M}"), html.Td(links)],
                            id=f"archived-{label}"))  # fmt: skip
    return rows


@page("bulletins", "/bulletins", "评估通报", "bulletins", order=50)
def bulletins_page(ctx: PageContext) -> list:
    return bulletins_body(ctx.read.bulletin_archive())


def bulletins_body(archive: list, message: str | None = None, error: bool = False) -> list:
    form = html.Div(
        [
            html.Span("评估期：", className="range-label"),
            dcc.Input(id="bulletin-period", placeholder="2020-06、2020-Q2、2020 或 2020-01-01..2020-03-31",
                      className="asof-pick bulletin-period"),
            dcc.Checklist(id="bulletin-formats", options=[{"label": FORMAT_LABEL[f], "value": f} for f in FORMATS],
                          value=list(FORMATS), inline=True, className="bulletin-formats"),
            html.Button("生成通报", id="bulletin-make", className="asof-live"),
        ],
        className="range-bar",
    )  # fmt: skip
    note = (
        html.Div(message, id="bulletin-message", className="lvl-bad" if error else "lvl-ok")
        if message
        else None
    )
    rows = archive_rows(archive)
    table = (
        html.Table([html.Thead(html.Tr([html.Th("评估期"), html.Th("生成时间"), html.Th("下载")])),
                    html.Tbody(rows)], className="grid-table", id="bulletin-archive")
        if rows
        else html.Div("归档中还没有通报；每月、每季度结束后自动生成，也可在上方生成。", className="panel-empty")
    )  # fmt: skip
    return [
        html.Div([html.H1("评估通报", id="bulletins-title"),
                  html.Div("按方案评估各地市节点，生成 Word、PDF、Excel、HTML 通报", className="card-summary")],
                 className="page-head"),
        html.Div([form, note], className="card"),
        html.Div([html.H2("通报归档"), table], className="card"),
    ]  # fmt: skip


@action(
    Output(ids.page_body("bulletins"), "children", allow_duplicate=True),
    Input("bulletin-make", "n_clicks"),
    State("bulletin-period", "value"),
    State("bulletin-formats", "value"),
    capability="bulletins",
    page="bulletins",
    prevent_initial_call=True,
)
def make_bulletin(services, clicks, period, formats):
    """Produce a bulletin into the archive from the evaluators' page."""
    if not clicks:
        return dash.no_update
    archive = services.reader(services.view("/bulletins", "")[1]).bulletin_archive
    try:
        label = actions.make_bulletin(services, period or "", list(formats or []))
    except actions.ActionRefused as exc:
        return bulletins_body(archive(), f"⚠ {exc}", error=True)
    return bulletins_body(archive(), f"✔ 已生成 {period_name(label)} 的通报，见下方归档")


@download("/bulletins/download/<name>", capability="bulletins")
def download_bulletin(services, name: str):
    """A file of the bulletin archive, as an attachment (names only: no path escapes)."""
    from flask import abort, send_from_directory

    if "/" in name or "\\" in name or name.startswith(".") or not name.startswith("bulletin-"):
        abort(404)
    response = send_from_directory(services.bulletin_dir, name, as_attachment=True)
    services.audit("bulletin_download", name)
    return response
