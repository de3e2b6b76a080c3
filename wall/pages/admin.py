"""The administrators' page: users, the screens' tokens, and the audit trail (newest first,
the whole of it as CSV). Users and tokens are changed with `gdwall users` / `gdwall tokens`
on the server, and every change is in the trail."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime
from pathlib import Path

from dash import html

from wall import auth
from wall.chinatime import CHINA
from wall.state.db import StateDatabaseError, connect

SHOWN = 200


def _when(stamp: str | None) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _table(table_id: str, head: list[str], rows: list[list]) -> html.Table:
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])),
         html.Tbody([html.Tr([html.Td("" if x is None else str(x)) for x in r]) for r in rows])],
        className="grid-table",
        id=table_id,
    )  # fmt: skip


def admin_body(state_db: Path) -> list:
    with closing(connect(state_db)) as conn:
        try:
            users = auth.list_users(conn)
            tokens = auth.list_tokens(conn)
            entries = auth.audit_entries(conn, limit=SHOWN)
        except StateDatabaseError as exc:
            return [html.Div(f"⚠ 状态数据库不可用：{exc}", className="alert-banner")]
    role = {str(k): v for k, v in auth.ROLE_LABEL.items()}
    user_rows = [[n, role.get(r, r), _when(c), f"已停用 {_when(d)}" if d else "启用"]
                 for n, r, c, d in users]  # fmt: skip
    token_rows = [[i, label, by, _when(c), _when(used), f"已吊销 {_when(rev)}" if rev else "有效"]
                  for i, label, by, c, used, rev in tokens]  # fmt: skip
    audit_rows = [[_when(at), who or "—", role.get(r or "", r or ""),
                   auth.ACTION_LABEL.get(action, action), target, detail, remote]
                  for at, who, r, action, target, detail, remote in entries]  # fmt: skip
    head = html.Div(
        [
            html.H1("系统管理", id="admin-title"),
            html.Div(
                "用户与令牌在服务器上以 gdwall users / gdwall tokens 管理，每次变更均记入审计日志",
                className="card-summary",
            ),
        ],
        className="page-head",
    )
    users_head = ["用户名", "角色", "创建于", "状态"]
    tokens_head = ["编号", "大屏", "创建人", "创建于", "最近使用", "状态"]
    export = html.A("导出全部 CSV", href="/admin/audit.csv", id="audit-export")
    return [
        head,
        html.Div([html.H2("用户"), _table("admin-users", users_head, user_rows)], className="card"),
        html.Div(
            [html.H2("大屏令牌"), _table("admin-tokens", tokens_head, token_rows)], className="card"
        ),
        html.Div(
            [
                html.H2([f"审计日志（最近 {SHOWN} 条） ", export]),
                _table("admin-audit", list(auth.AUDIT_COLUMNS), audit_rows),
            ],
            className="card",
        ),
    ]
