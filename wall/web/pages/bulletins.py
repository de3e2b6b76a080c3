"""The evaluators' page: produce a bulletin for any period in any formats, and the archive of
every bulletin written (scheduled or asked for), each file a download."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from dash import dcc, html

from wall.bulletin import FORMATS
from wall.core.chinatime import CHINA

FORMAT_LABEL = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel", "html": "HTML", "json": "数据记录"}


def archive_rows(archive: Path) -> list:
    """Each period in the archive with its files, newest first."""
    if not archive.exists():
        return []
    periods: dict[str, list[Path]] = {}
    for path in archive.glob("bulletin-*.*"):
        periods.setdefault(path.stem.removeprefix("bulletin-"), []).append(path)
    rows = []
    for label, files in sorted(
        periods.items(), key=lambda kv: -max(f.stat().st_mtime for f in kv[1])
    ):
        when = datetime.fromtimestamp(max(f.stat().st_mtime for f in files), CHINA)
        links = [
            html.A(FORMAT_LABEL.get(f.suffix[1:], f.suffix[1:]), href=f"/bulletins/download/{f.name}",
                   className="range", id=f"download-{f.name}")
            for f in sorted(files, key=lambda f: f.suffix)
        ]  # fmt: skip
        rows.append(html.Tr([html.Td(label), html.Td(f"{when:%Y-%m-%d %H:%M}"), html.Td(links)],
                            id=f"archived-{label}"))  # fmt: skip
    return rows


def bulletins_body(archive: Path, message: str | None = None, error: bool = False) -> list:
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
