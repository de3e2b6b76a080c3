"""Who may do what, enforced on the server for every route and callback.

Every Flask endpoint has a rule in ROUTE_RULES and every server callback one in
CALLBACK_RULES; one without a rule is refused (and fails tests/integration/test_access.py).
A rule is a capability (CAN says which roles hold it), "public", "signed_in", or "page"
(the capability of the page the path names).

Sessions are signed cookies (Flask's, keyed by GDWALL_SECRET_KEY): losing Redis logs nobody
out. A session names its user or token and is checked against the state database (cached a
few seconds), so disabling a user or revoking a screen's token takes effect at once. Every
state-changing request carries the session's CSRF token: Dash sends the `_csrf_token` cookie
back as the X-CSRFToken header, forms carry it as a field.

Demo mode has no sign-in (and says so on screen): everyone is the demo's admin.
"""

from __future__ import annotations

import hmac
import html
import secrets
import threading
import time
from contextlib import closing
from datetime import timedelta
from urllib.parse import quote, urlsplit

from flask import Flask, Response, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from wall import auth
from wall.auth import Role, User
from wall.settings import Settings
from wall.state.db import connect

R = Role
CAN: dict[str, frozenset[Role]] = {
    "wall": frozenset({R.screen, R.operator, R.evaluator, R.admin}),
    "pages": frozenset({R.operator, R.evaluator, R.admin}),  # every read-only page
    "ack": frozenset({R.operator, R.admin}),
    "bulletins": frozenset({R.evaluator, R.admin}),
    "export": frozenset({R.evaluator, R.admin}),
    "admin": frozenset({R.admin}),
}
ROUTE_RULES: dict[str, str] = {
    "static": "public",
    "_dash_assets.static": "public",  # the app's own CSS, JS and fonts: no data
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "public",
    "/_favicon.ico": "public",
    "/_dash-layout": "layout",  # the capability of the page asking (its Referer)
    "/_dash-dependencies": "signed_in",
    "/_dash-update-component": "callback",
    "/_reload-hash": "admin",  # debug mode only
    "/": "page",
    "/<path:path>": "page",
    "download_bulletin": "bulletins",
    "export_ranking": "export",
    "login": "public",
    "login_token": "public",
    "logout": "signed_in",
    "audit_csv": "admin",
    "healthz": "public",
    "readyz": "public",
    "metrics": "public",  # operational counters only, for Prometheus to scrape
}
CALLBACK_RULES: dict[str, str] = {
    "refresh": "wall",
    "page_body": "page",  # the capability of the page in its pathname input
    "acknowledge": "ack",
    "make_bulletin": "bulletins",
    "admin_users": "admin",
    "admin_tokens": "admin",
    "admin_thresholds": "admin",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
USER_SESSION = timedelta(hours=12)
SCREEN_SESSION = timedelta(days=30)
CHECK_TTL_S = 5.0
DEMO_USER = User("演示", Role.admin, "demo")
DEFAULT_SECRETS = {"", "changeme", "change-me", "secret", "dev", "gdwall", "please-change"}
MIN_SECRET = 32


class InsecureConfig(RuntimeError):
    """Refused to start: what is insecure and how to fix it."""


def page_capability(path: str | None) -> str:
    path = path or "/"
    if path in ("", "/"):
        return "wall"
    if path == "/bulletins" or path.startswith("/bulletins/"):
        return "bulletins"
    if path == "/admin" or path.startswith("/admin/"):
        return "admin"
    return "pages"


def secret_key(settings: Settings) -> str:
    """The session key; outside demo mode a missing, default or short one refuses to start."""
    key = settings.secret("secret_key")
    if settings.demo:
        return key or secrets.token_urlsafe(32)  # demo sessions need not survive a restart
    if key is None or key.strip().lower() in DEFAULT_SECRETS or len(key) < MIN_SECRET:
        raise InsecureConfig(
            "GDWALL_SECRET_KEY (or GDWALL_SECRET_KEY_FILE) must be set to a random value of at "
            f"least {MIN_SECRET} characters outside demo mode, e.g.: "
            'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    return key


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookies when the request came over HTTPS (or when configured so)."""

    def __init__(self, secure: bool | None):
        self.secure = secure

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure if self.secure is None else self.secure


def user_badge():
    """Who is signed in, and the sign-out form (with its CSRF token), for page headers."""
    from dash import dcc
    from dash import html as dhtml

    user = signed_in()
    if user is None:
        return None
    return dhtml.Form(
        [
            dhtml.Span(f"{user.name} · {auth.ROLE_LABEL[user.role]}", className="user-name"),
            dcc.Input(type="hidden", name="csrf_token", value=session.get("csrf", "")),
            dhtml.Button("退出", type="submit", className="sign-out", id="sign-out"),
        ],
        action="/logout",
        method="POST",
        className="user-badge",
    )


def signed_in() -> User | None:
    """The request's user, or None in demo mode and outside a request."""
    from flask import has_request_context

    user = getattr(g, "user", None) if has_request_context() else None
    return None if user is None or user.kind == "demo" else user


def may(capability: str) -> bool:
    """Whether the request's user holds a capability (everyone does in demo mode)."""
    from flask import has_request_context

    user = getattr(g, "user", None) if has_request_context() else None
    return user is not None and user.role in CAN[capability]


def remote_addr() -> str:
    return request.remote_addr or ""


def _audit(settings: Settings, action: str, who=None, target=None, detail=None) -> None:
    with closing(connect(settings.state_db_path)) as conn:
        auth.audit(conn, action, who, target, detail, remote_addr())


def audit(settings: Settings, action: str, target: str | None = None, detail: str | None = None):
    """Audit an action of the request's user (the app's routes and callbacks call this)."""
    _audit(settings, action, getattr(g, "user", None), target, detail)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _page(title: str, body: str, status: int = 200) -> Response:
    """The sign-in and refusal pages: plain HTML from the app itself, in the wall's fonts."""
    return Response(
        f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(title)} · 广东数字政府政务云</title>
<style>
@font-face{{font-family:"Wall Sans";src:url(/assets/fonts/wall-sans-regular.woff2) format("woff2")}}
@font-face{{font-family:"Wall Sans";font-weight:700;src:url(/assets/fonts/wall-sans-bold.woff2) format("woff2")}}
body{{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#0b1426;color:#e8eef8;font:18px "Wall Sans",sans-serif}}
main{{background:#13213a;padding:2.5em 3em;border-radius:10px;min-width:22em}}
h1{{font-size:1.4em;margin:0 0 1em}}label{{display:block;margin:.8em 0 .3em}}
input{{width:100%;box-sizing:border-box;padding:.5em;font:inherit;border-radius:4px;border:1px solid #47618a;
background:#0b1426;color:#e8eef8}}button{{margin-top:1.2em;padding:.5em 1.5em;font:inherit;border:0;
border-radius:4px;background:#2f7de1;color:#fff;cursor:pointer}}.error{{color:#ff6b6b}}.hint{{color:#9fb3d1}}
a{{color:#7fb2ff}}</style></head><body><main>{body}</main></body></html>""",
        status=status,
        mimetype="text/html",
    )


def install(server: Flask, settings: Settings, callback_names: dict[str, str]) -> None:
    """Sign-in, sessions, CSRF and the policy, on the wall's Flask server.

    callback_names: each server callback's output key → the callback's function name."""
    server.secret_key = secret_key(settings)
    server.session_interface = _SessionInterface(settings.cookie_secure)
    server.config.update(
        SESSION_COOKIE_NAME="gdwall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SCREEN_SESSION,
    )
    directory = auth.LocalDirectory()
    checked: dict[tuple[str, int], tuple[User | None, float]] = {}
    lock = threading.Lock()

    def session_user() -> User | None:
        """The signed-in user, if the session is valid, unexpired and still enabled."""
        kind, ident, exp = session.get("kind"), session.get("id"), session.get("exp", 0)
        if kind not in ("user", "token") or not isinstance(ident, int) or exp < time.time():
            return None
        key = (kind, ident)
        with lock:
            hit = checked.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with closing(connect(settings.state_db_path)) as conn:
            user = auth.active_user(conn, kind, ident)
        with lock:
            if len(checked) > 1000:
                checked.clear()
            checked[key] = (user, time.monotonic() + CHECK_TTL_S)
        return user

    def start_session(user: User) -> None:
        session.clear()
        session.permanent = True
        life = SCREEN_SESSION if user.kind == "token" else USER_SESSION
        session.update(kind=user.kind, id=user.id, exp=time.time() + life.total_seconds(),
                       csrf=secrets.token_urlsafe(24))  # fmt: skip

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return session["csrf"]

    def csrf_ok() -> bool:
        sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token") or ""
        expected = session.get("csrf") or ""
        return bool(expected) and hmac.compare_digest(sent, expected)

    def refuse(user: User | None, capability: str, page: bool) -> Response:
        if user is None:
            if page:
                return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}")
            return Response("未登录", status=401, mimetype="text/plain")
        role = auth.ROLE_LABEL[user.role]
        if page:
            return _page("无权访问", f"<h1>无权访问</h1><p>当前账号（{html.escape(user.name)}，{role}）"
                         "无权查看此页面。</p><p><a href=\"/\">返回总览大屏</a></p>", 403)  # fmt: skip
        return Response(f"无权访问（{role}）", status=403, mimetype="text/plain")

    def well_formed(body) -> bool:
        """The shape dash-renderer sends; anything else is refused with 400, before Dash."""
        import json

        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            return False
        if not all(
            isinstance(body.get(k, []), list) for k in ("inputs", "state", "changedPropIds")
        ):
            return False
        for changed in body.get("changedPropIds", []):
            if not isinstance(changed, str) or "." not in changed:
                return False
            ident = changed.rsplit(".", 1)[0]
            if ident.startswith("{"):
                try:
                    json.loads(ident)
                except ValueError:
                    return False
        return True

    def callback_capability(body: dict) -> str | None:
        rule = CALLBACK_RULES.get(callback_names.get(body["output"], ""))
        if rule != "page":
            return rule
        for item in body.get("inputs") or []:
            if isinstance(item, dict) and item.get("property") == "pathname":
                return page_capability(str(item.get("value") or "/"))
        return None

    @server.before_request
    def guard():
        g.user = None
        if settings.demo:
            g.user = DEMO_USER
            return None
        rule = ROUTE_RULES.get(request.endpoint or "", "unknown") if request.endpoint else None
        if rule is None:  # no such route: Flask answers 404
            return None
        if rule == "public":  # assets, sign-in, health: no session to look up
            return None
        user = g.user = session_user()
        is_page = rule == "page" and request.method in SAFE_METHODS
        if user is None:
            return refuse(None, rule, is_page)
        if request.method not in SAFE_METHODS and not csrf_ok():
            return Response("CSRF 校验失败：请刷新页面后重试", status=403, mimetype="text/plain")
        if rule == "page":
            capability = page_capability(request.path)
        elif rule == "layout":
            capability = page_capability(urlsplit(request.referrer or "/").path)
        elif rule == "callback":
            body = request.get_json(silent=True)
            if not well_formed(body):
                return Response("请求格式无效", status=400, mimetype="text/plain")
            capability = callback_capability(body)
        else:
            capability = rule
        if capability == "signed_in":
            return None
        if capability not in CAN or user.role not in CAN[capability]:
            return refuse(user, capability or "unknown", is_page)
        return None

    @server.after_request
    def csrf_cookie(response: Response) -> Response:
        """Dash reads this cookie and sends it back as X-CSRFToken on every callback."""
        token = session.get("csrf")
        if token and request.cookies.get("_csrf_token") != token:
            response.set_cookie("_csrf_token", token, samesite="Strict", httponly=False,
                                secure=server.session_interface.get_cookie_secure(server))  # fmt: skip
        return response

    def login_form(message: str = "", name: str = "", status: int = 200) -> Response:
        with closing(connect(settings.state_db_path)) as conn:
            first = not auth.has_admin(conn)
        hint = (
            '<p class="hint">尚无管理员：请在服务器上运行 <code>gdwall users add 名字 --role admin</code>。</p>'
            if first
            else ""
        )
        error = f'<p class="error" id="login-error">{html.escape(message)}</p>' if message else ""
        nxt = html.escape(_safe_next(request.args.get("next")))
        return _page("登录", f"""<h1>广东数字政府政务云 · 登录</h1>{error}{hint}
<form method="post" action="/login?next={quote(nxt)}">
<input type="hidden" name="csrf_token" value="{csrf_token()}">
<label for="name">用户名</label><input id="name" name="name" autocomplete="username" value="{html.escape(name)}" required>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login-submit">登录</button></form>""", status)  # fmt: skip

    @server.route("/login", methods=["GET", "POST"], endpoint="login")
    def login():
        if settings.demo:
            return redirect("/")
        if request.method == "GET":
            return login_form()
        if not csrf_ok():
            return login_form("页面已过期，请重新登录", status=403)
        name = (request.form.get("name") or "").strip()[:40]
        password = request.form.get("password") or ""
        with closing(connect(settings.state_db_path)) as conn:
            if auth.recent_failures(conn, name, remote_addr()) >= auth.MAX_FAILURES:
                auth.audit(conn, "login_throttled", None, name, None, remote_addr())
                return login_form("登录失败次数过多，请 15 分钟后再试", name, 429)
            user = directory.verify(conn, name, password)
            if user is None:  # the name tried is kept, never the password
                auth.audit(conn, "login_failed", None, name, None, remote_addr())
                return login_form("用户名或密码错误", name, 401)
            auth.audit(conn, "login", user, None, None, remote_addr())
        start_session(user)
        return redirect(_safe_next(request.args.get("next")))

    @server.route("/login/token/<token>", endpoint="login_token")
    def login_token(token: str):
        """A kiosk screen signs in by its token URL, then holds a session cookie."""
        if settings.demo:
            return redirect("/")
        with closing(connect(settings.state_db_path)) as conn:
            user = auth.token_user(conn, token)
            if user is None:
                auth.audit(conn, "token_refused", None, None, None, remote_addr())
                return _page("令牌无效", "<h1>令牌无效或已吊销</h1><p>请联系管理员。</p>", 403)
            auth.audit(conn, "token_login", user, None, None, remote_addr())
        start_session(user)
        screen = request.args.get("screen")
        return redirect("/" + (f"?screen={quote(screen)}" if screen else ""))

    @server.route("/logout", methods=["POST"], endpoint="logout")
    def logout():
        if g.user is not None and not settings.demo:
            _audit(settings, "logout", g.user)
        session.clear()
        return redirect("/login")

    @server.route("/admin/audit.csv", endpoint="audit_csv")
    def audit_csv():
        with closing(connect(settings.state_db_path)) as conn:
            body = auth.audit_csv(conn)
            auth.audit(conn, "audit_export", g.user, None, None, remote_addr())
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=audit.csv"})  # fmt: skip


def security_headers(server: Flask, script_hashes: list[str]) -> None:
    """A strict Content-Security-Policy naming no origin but the app's own (which also proves
    the air gap: a browser refuses anything else), Dash's inline scripts allowed by hash only."""
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self' 'unsafe-inline'",  # Dash sets style attributes
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )

    @server.after_request
    def headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", policy)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")  # the layout is chosen by the Referer
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
