"""The administrators' page: users (add, disable), the screens' tokens (create, revoke), and
the audit trail (newest first, the whole of it as CSV). The same is on the command line
(`gdwall users` / `gdwall tokens`); every change from either is in the trail."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime
from pathlib import Path

from dash import dcc, html

from wall.core.chinatime import CHINA
from wall.state import auth
from wall.state.db import StateDatabaseError, connect

SHOWN = 200


def _when(stamp: str | None) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _table(table_id: str, head: list[str], rows: list[list]) -> html.Table:
    def cell(x):
        return x if isinstance(x, html.Button) else ("" if x is None else str(x))

    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])),
         html.Tbody([html.Tr([html.Td(cell(x)) for x in r]) for r in rows])],
        className="grid-table",
        id=table_id,
    )  # fmt: skip


def thresholds_card(layouts_dir: Path) -> html.Div:
    from wall.core.layouts import THRESHOLDS_FILE

    text = (Path(layouts_dir) / THRESHOLDS_FILE).read_text(encoding="utf-8")
    return html.Div(
        [
            html.H2("告警阈值（thresholds.yaml）"),
            html.Div("保存前校验，有误则指出行号与字段、文件不变；保存后各大屏在下次刷新时采用。",
                     className="card-summary"),
            dcc.Textarea(id="admin-thresholds", value=text, className="thresholds-editor"),
            html.Button("保存阈值", id="admin-thresholds-save", className="asof-live"),
        ],
        className="card",
    )  # fmt: skip


def admin_body(state_db: Path | str, message: str | None = None, error: bool = False,
               layouts_dir: Path | None = None) -> list:  # fmt: skip
    with closing(connect(state_db)) as conn:
        try:
            users = auth.list_users(conn)
            tokens = auth.list_tokens(conn)
            entries = auth.audit_entries(conn, limit=SHOWN)
        except StateDatabaseError as exc:
            return [html.Div(f"⚠ 状态数据库不可用：{exc}", className="alert-banner")]
    role = {str(k): v for k, v in auth.ROLE_LABEL.items()}

    def disable(name: str, disabled: str | None):
        if disabled:
            return f"已停用 {_when(disabled)}"
        return html.Button("停用", id={"type": "user-disable", "id": name}, className="asof-live")

    def revoke(token_id: int, revoked: str | None):
        if revoked:
            return f"已吊销 {_when(revoked)}"
        return html.Button(
            "吊销", id={"type": "token-revoke", "id": str(token_id)}, className="asof-live"
        )

    user_rows = [[n, role.get(r, r), _when(c), disable(n, d)] for n, r, c, d in users]
    token_rows = [[i, label, by, _when(c), _when(used), revoke(i, rev)]
                  for i, label, by, c, used, rev in tokens]  # fmt: skip
    audit_rows = [[_when(at), who or "—", role.get(r or "", r or ""),
                   auth.ACTION_LABEL.get(action, action), target, detail, remote]
                  for at, who, r, action, target, detail, remote in entries]  # fmt: skip
    add_user = html.Div(
        [
            dcc.Input(id="admin-user-name", placeholder="用户名", className="asof-pick", maxLength=40),
            dcc.RadioItems(id="admin-user-role", options=[{"label": v, "value": str(k)}
                                                           for k, v in auth.ROLE_LABEL.items()],
                           value="operator", inline=True, className="admin-role"),
            dcc.Input(id="admin-user-password", type="password", placeholder=f"初始密码（至少 {auth.MIN_PASSWORD} 位）",
                      className="asof-pick"),
            html.Button("新增用户", id="admin-user-add", className="asof-live"),
        ],
        className="admin-form",
    )  # fmt: skip
    add_token = html.Div(
        [
            dcc.Input(id="admin-token-label", placeholder="哪块大屏，如 指挥中心主屏", className="asof-pick", maxLength=60),
            html.Button("新增大屏令牌", id="admin-token-add", className="asof-live"),
        ],
        className="admin-form",
    )  # fmt: skip
    note = (
        html.Div(message, id="admin-message", className="lvl-bad" if error else "lvl-ok")
        if message
        else None
    )
    head = html.Div(
        [
            html.H1("系统管理", id="admin-title"),
            html.Div("每次变更（此页或服务器上的 gdwall users / gdwall tokens）均记入审计日志",
                     className="card-summary"),
        ],
        className="page-head",
    )  # fmt: skip
    export = html.A("导出全部 CSV", href="/admin/audit.csv", id="audit-export")
    return [
        head,
        note,
        html.Div(
            [html.H2("用户"), add_user, _table("admin-users", ["用户名", "角色", "创建于", "状态"], user_rows)],
            className="card",
        ),
        html.Div(
            [html.H2("大屏令牌"), add_token,
             _table("admin-tokens", ["编号", "大屏", "创建人", "创建于", "最近使用", "状态"], token_rows)],
            className="card",
        ),
        thresholds_card(layouts_dir) if layouts_dir is not None else None,
        html.Div(
            [html.H2([f"审计日志（最近 {SHOWN} 条） ", export]),
             _table("admin-audit", list(auth.AUDIT_COLUMNS), audit_rows)],
            className="card",
        ),
    ]  # fmt: skip
