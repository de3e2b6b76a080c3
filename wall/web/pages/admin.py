"""The administrators' page (/admin): users (add, disable), the screens' tokens (create,
revoke), the alert thresholds, and the audit trail (newest first, the whole of it as CSV).
The same is on the command line (`gdwall users` / `gdwall tokens`); every change from either
is in the trail."""

from __future__ import annotations

from datetime import datetime

import dash
from dash import ALL, Input, Output, State, dcc, html

from wall.core import roles as auth
from wall.core.chinatime import CHINA
from wall.read.reader import Reader, StateUnavailable
from wall.web import actions, ids
from wall.web.registry import action, download, page
from wall.web.services import PageContext

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


def thresholds_card(text: str) -> html.Div:
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


@page("admin", "/admin", "系统管理", "admin", order=60)
def admin_page(ctx: PageContext) -> list:
    return admin_body(ctx.read)


def admin_body(read: Reader, message: str | None = None, error: bool = False) -> list:
    try:
        users, tokens, entries = read.users(), read.tokens(), read.audit_entries(SHOWN)
    except StateUnavailable as exc:
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
        thresholds_card(text) if (text := read.thresholds_text()) is not None else None,
        html.Div(
            [html.H2([f"审计日志（最近 {SHOWN} 条） ", export]),
             _table("admin-audit", list(auth.AUDIT_COLUMNS), audit_rows)],
            className="card",
        ),
    ]  # fmt: skip


def _admin_view(services, message: str, error: bool = False) -> list:
    _, view = services.view("/admin", "")
    return admin_body(services.reader(view), message, error)


@action(
    Output(ids.page_body("admin"), "children", allow_duplicate=True),
    Input("admin-thresholds-save", "n_clicks"),
    State("admin-thresholds", "value"),
    capability="admin",
    page="admin",
    prevent_initial_call=True,
)
def admin_thresholds(services, clicks, text):
    """Replace thresholds.yaml from the administrators' page (checked first, audited)."""
    if not clicks:
        return dash.no_update
    try:
        actions.save_thresholds(services, text or "")
    except actions.ActionRefused as exc:
        return _admin_view(services, f"⚠ 阈值未保存：{exc}", error=True)
    return _admin_view(services, "✔ 阈值已保存，各大屏下次刷新时采用")


@action(
    Output(ids.page_body("admin"), "children", allow_duplicate=True),
    Input("admin-user-add", "n_clicks"),
    Input({"type": "user-disable", "id": ALL}, "n_clicks"),
    State("admin-user-name", "value"),
    State("admin-user-role", "value"),
    State("admin-user-password", "value"),
    capability="admin",
    page="admin",
    prevent_initial_call=True,
)
def admin_users(services, add, disables, name, role, password):
    """Add a user, or disable one, from the administrators' page (audited)."""
    trigger = dash.ctx.triggered_id
    if not trigger or not (add or any(disables or [])):
        return dash.no_update
    try:
        if trigger == "admin-user-add":
            target, said = actions.add_user(services, name, role, password), "已新增用户"
        else:
            target, said = trigger["id"], "已停用用户"
            actions.disable_user(services, target)
    except actions.ActionRefused as exc:
        return _admin_view(services, f"⚠ {exc}", error=True)
    return _admin_view(services, f"✔ {said}：{target}")


@action(
    Output(ids.page_body("admin"), "children", allow_duplicate=True),
    Input("admin-token-add", "n_clicks"),
    Input({"type": "token-revoke", "id": ALL}, "n_clicks"),
    State("admin-token-label", "value"),
    capability="admin",
    page="admin",
    prevent_initial_call=True,
)
def admin_tokens(services, add, revokes, label):
    """Create a screen's token (its sign-in address shown once), or revoke one (audited)."""
    trigger = dash.ctx.triggered_id
    if not trigger or not (add or any(revokes or [])):
        return dash.no_update
    try:
        if trigger == "admin-token-add":
            address = actions.create_token(services, label)
            return _admin_view(services, f"✔ 令牌已创建，请在大屏上打开（只显示这一次）：{address}")
        token_id = int(trigger["id"])
        revoked = actions.revoke_token(services, token_id)
    except (actions.ActionRefused, ValueError) as exc:
        return _admin_view(services, f"⚠ {exc}", error=True)
    return _admin_view(services, f"✔ 已吊销令牌 {token_id}（{revoked}）")


@download("/admin/audit.csv", capability="admin")
def audit_csv(services):
    """The whole audit log as CSV (no cell a formula), itself audited."""
    from flask import Response

    body = actions.audit_csv(services)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})  # fmt: skip
