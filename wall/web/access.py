"""Who may do what, enforced on the server for every route and callback.

The rules are derived from the pages' declarations (wall/web/registry.py): a page needs its
declared capability, and so do its body callback, its actions and its downloads; the sign-in
and Dash's own routes are INFRA_ROUTES. What has no rule is refused (and fails
tests/unit/test_access.py). A rule is a capability (CAN says which roles hold it), "public",
"signed_in", or "page" (the capability of the page the path names, by the registry's strict
resolution, the same the layout uses).

A callback request is checked against the callback's registration before anything reads it:
its inputs and state must be the registered ones, in the registered order (Dash passes inputs
by position, whatever they are labelled). Its capability is its declaration's: a page's body
callback draws only its own page, whatever path a request sends it.

Sessions are server-side: the signed cookie carries a random session id whose hash is in the
state database, checked on every request, so signing out, a password change, disabling a user
or revoking a screen's token ends it at once. Every state-changing request carries the
session's CSRF token: Dash sends the `_csrf_token` cookie back as the X-CSRFToken header,
forms carry it as a field. Refusals (403, CSRF) are audited.

Behind a reverse proxy, GDWALL_TRUSTED_PROXIES names the proxies whose X-Forwarded-For,
-Proto and -Host are believed (Werkzeug's ProxyFix, for those peers only): the client's own
address is then what sign-in throttling and the audit log see, and HTTPS what secure cookies
and HSTS follow.

Demo mode has no sign-in (and says so on screen): everyone is the demo's admin.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import logging
import math
import re
import secrets
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit

from flask import Flask, Response, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from wall.core.settings import Settings
from wall.state import auth
from wall.state.auth import Role, User
from wall.state.db import StateDatabaseError, StateDB
from wall.web.registry import resolve

log = logging.getLogger(__name__)

R = Role
CAN: dict[str, frozenset[Role]] = {
    "wall": frozenset({R.screen, R.operator, R.evaluator, R.admin}),
    "pages": frozenset({R.operator, R.evaluator, R.admin}),  # every read-only page
    "ack": frozenset({R.operator, R.admin}),
    "bulletins": frozenset({R.evaluator, R.admin}),
    "export": frozenset({R.evaluator, R.admin}),
    "admin": frozenset({R.admin}),
}
# the routes every Dash app and the sign-in have; the pages' own routes (exports, downloads)
# and every callback get their rules from their declarations (wall/web/registry.py)
INFRA_ROUTES: dict[str, str] = {
    "static": "public",
    "_dash_assets.static": "public",  # the app's own CSS, JS and fonts: no data
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "public",
    "/_favicon.ico": "public",
    "geometry": "public",  # the city boundaries the map draws: no data
    "/_dash-layout": "layout",  # the capability of the page asking (its Referer)
    "/_dash-dependencies": "signed_in",
    "/_dash-update-component": "callback",  # the capability its callback was declared with
    "/_reload-hash": "admin",  # debug mode only
    "/": "page",
    "/<path:path>": "page",
    "login": "public",
    "login_token": "public",
    "logout": "signed_in",
    "healthz": "public",
    "readyz": "public",
    "metrics": "public",  # operational counters only, for Prometheus to scrape
}


@dataclass(frozen=True)
class Rules:
    """Every route's and every callback's rule; what has none is refused."""

    routes: dict[str, str]  # Flask endpoint → capability, "public", "signed_in", "page"…
    callbacks: dict[str, str]  # callback function name → capability

    @classmethod
    def derive(cls, actions, downloads) -> Rules:
        """From the pages' declarations: their actions and downloads."""
        routes = {**INFRA_ROUTES, **{d.endpoint: d.capability for d in downloads}}
        return cls(routes, {a.name: a.capability for a in actions})


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
USER_SESSION = timedelta(hours=12)
SCREEN_SESSION = timedelta(days=30)
DEMO_USER = User("演示", Role.admin, "demo")
DEFAULT_SECRETS = {"", "changeme", "change-me", "secret", "dev", "gdwall", "please-change"}
MIN_SECRET = 32
MIN_SECRET_BITS = 90  # estimated from the key's own characters, not from its length alone
MAX_BODY = 1024 * 1024  # a callback's body is a few kilobytes; the thresholds file a few more
MAX_DEPTH = 32


class InsecureConfig(RuntimeError):
    """Refused to start: what is insecure and how to fix it."""


def page_capability(path: str | None) -> str:
    """The capability of the page a path names, by the registry's own strict resolution (the
    one the layout uses): a path that names no page renders "not found" and needs no more
    than being signed in."""
    found = resolve(path)
    return found[0].capability if found else "signed_in"


def secret_bits(key: str) -> float:
    """A rough estimate of a key's randomness: the entropy of its own characters, capped by
    how far it compresses; a key that repeats a shorter one has none to speak of."""
    if not key or any(key == (key[:n] * len(key))[: len(key)] for n in range(1, len(key) // 2 + 1)):
        return 0.0
    counts = Counter(key)
    per_char = -sum(c / len(key) * math.log2(c / len(key)) for c in counts.values())
    compressed = len(zlib.compress(key.encode("utf-8"), 9)) - 8  # zlib's own header and check
    return min(per_char * len(key), max(compressed, 0) * 8)


def secret_key(settings: Settings) -> str:
    """The session key; outside demo mode a missing, default, short or patterned one refuses
    to start."""
    key = settings.secret("secret_key")
    if settings.demo:
        return key or secrets.token_urlsafe(32)  # demo sessions need not survive a restart
    if (
        key is None
        or key.strip().lower() in DEFAULT_SECRETS
        or len(key) < MIN_SECRET
        or secret_bits(key) < MIN_SECRET_BITS
    ):
        raise InsecureConfig(
            "GDWALL_SECRET_KEY (or GDWALL_SECRET_KEY_FILE) must be set to a random value of at "
            f"least {MIN_SECRET} characters (not a pattern) outside demo mode, e.g.: "
            'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    return key


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookies when the request came over HTTPS (or when configured so)."""

    def __init__(self, secure: bool | None):
        self.secure = secure

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure if self.secure is None else self.secure

    def save_session(self, app, session, response) -> None:
        super().save_session(app, session, response)
        if response.cache_control.public:
            # what anyone may keep (assets, the map's boundaries) is the same whoever asks: a
            # "Vary: Cookie" would have browsers fetch it again whenever the session's cookie
            # is renewed, which is every page load
            kept = [v for v in response.vary if v.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                del response.headers["Vary"]


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


def viewer_token() -> str:
    """A name of the request's session that says nothing of it (an HMAC of its id under the
    app's secret): a tab shows the screen it last drew again at once on a reload
    (assets/early/last-screen.js) only to the session that drew it."""
    from flask import current_app

    sid = session.get("sid") if isinstance(session.get("sid"), str) else "no-session"
    key = str(current_app.secret_key).encode()
    return hmac.new(key, f"viewer:{sid}".encode(), "sha256").hexdigest()[:32]


def may(capability: str) -> bool:
    """Whether the request's user holds a capability (everyone does in demo mode)."""
    from flask import has_request_context

    user = getattr(g, "user", None) if has_request_context() else None
    return user is not None and user.role in CAN[capability]


def remote_addr() -> str:
    """The client's address: the peer's, or what a trusted proxy says it is."""
    return request.remote_addr or ""


def state(settings: Settings) -> StateDB:
    """This process's kept connections to the state database (one per thread)."""
    return StateDB.shared(settings.state_db_path)


def _audit(settings: Settings, action: str, who=None, target=None, detail=None) -> None:
    with state(settings).connection() as conn:
        auth.audit(conn, action, who, target, detail, remote_addr())


def audit(settings: Settings, action: str, target: str | None = None, detail: str | None = None):
    """Audit an action of the request's user (the app's routes and callbacks call this)."""
    _audit(settings, action, getattr(g, "user", None), target, detail)


def _audit_quietly(settings: Settings, action: str, who, target, detail=None) -> None:
    """Audit a refusal; the refusal stands even when the state database cannot record it."""
    try:
        _audit(settings, action, who, target, detail)
    except StateDatabaseError as exc:
        log.warning("refusal not audited (%s %s): %s", action, target, exc)


_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")  # browsers drop tabs and newlines in a URL


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this wall, never another host. The check is
    made on the address as a browser will read it (tabs, newlines and spaces removed)."""
    cleaned = _INVISIBLE.sub("", target or "")
    if not cleaned.startswith("/") or cleaned.startswith("//") or "\\" in cleaned:
        return "/"
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return "/"
    return cleaned


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


@dataclass(frozen=True)
class Callback:
    """A server callback as registered: its function's name and its inputs and state, in the
    order Dash hands them to it."""

    name: str
    inputs: tuple[dict, ...]
    state: tuple[dict, ...]
    outputs: int  # how many outputs (1 for a single one)
    multi: bool

    def accepts(self, body: dict) -> bool:
        """Whether a request is shaped as dash-renderer sends it for this callback."""
        outputs = body.get("outputs")
        if self.multi:
            if not isinstance(outputs, list) or len(outputs) != self.outputs:
                return False
        elif not isinstance(outputs, dict):
            return False
        changed = body.get("changedPropIds", [])
        return (
            _matches(body.get("inputs"), self.inputs)
            and _matches(body.get("state", []), self.state)
            and isinstance(changed, list)
            and all(_names_input(c, self.inputs) for c in changed)
        )


def registered_callbacks(callback_map: dict) -> dict[str, Callback]:
    """The app's server callbacks (Dash's callback_map) by output key."""
    out = {}
    for key, cb in callback_map.items():
        if "callback" not in cb:
            continue  # clientside: runs in the browser
        multi = key.startswith("..")
        count = len(key[2:-2].split("...")) if multi else 1
        out[key] = Callback(cb["callback"].__name__, tuple(cb["inputs"]), tuple(cb["state"]),
                            count, multi)  # fmt: skip
    return out


def _pattern(ident: str) -> dict | None:
    return json.loads(ident) if ident.startswith("{") else None


_WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def _fits(ident, pattern: dict) -> bool:
    if not isinstance(ident, dict) or set(ident) != set(pattern):
        return False
    for key, want in pattern.items():
        value = ident[key]
        if want in _WILDCARDS:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                return False
        elif value != want:
            return False
    return True


def _matches(items, specs: tuple[dict, ...]) -> bool:
    """Items are the registered ones: same count, each with the registered id and property at
    the registered place (a pattern's items, a list of concrete ids fitting the pattern)."""
    if not isinstance(items, list) or len(items) != len(specs):
        return False
    for item, spec in zip(items, specs, strict=True):
        pattern = _pattern(spec["id"])
        if pattern is None:
            if not isinstance(item, dict) or item.get("id") != spec["id"]:
                return False
            if item.get("property") != spec["property"]:
                return False
            continue
        if not isinstance(item, list):
            return False
        for one in item:
            if not isinstance(one, dict) or one.get("property") != spec["property"]:
                return False
            if not _fits(one.get("id"), pattern):
                return False
    return True


def _names_input(changed, specs: tuple[dict, ...]) -> bool:
    if not isinstance(changed, str) or "." not in changed:
        return False
    ident, prop = changed.rsplit(".", 1)
    for spec in specs:
        if spec["property"] != prop:
            continue
        pattern = _pattern(spec["id"])
        if pattern is None and ident == spec["id"]:
            return True
        if pattern is not None and ident.startswith("{"):
            try:
                if _fits(json.loads(ident), pattern):
                    return True
            except ValueError:
                return False
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain(body) -> bool:
    """No deeper than MAX_DEPTH, and no text that cannot be encoded (a lone surrogate)."""
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return False
        elif isinstance(value, dict):
            for k, v in value.items():
                if _SURROGATE.search(k):
                    return False
                stack.append((v, depth + 1))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return True


class TrustedProxies:
    """Werkzeug's ProxyFix for requests from the configured proxies only: anyone else's
    X-Forwarded-* headers are ignored."""

    def __init__(self, app, networks: list, hops: int):
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    def __call__(self, environ, start_response):
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return self.app(environ, start_response)
        if any(peer in network for network in self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def trusted_networks(text: str | None) -> list:
    """GDWALL_TRUSTED_PROXIES: addresses or networks, comma-separated."""
    networks = []
    for item in (text or "").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise InsecureConfig(
                    f"GDWALL_TRUSTED_PROXIES: {item.strip()!r} is not an address or network"
                ) from None
    return networks


def install(
    server: Flask, settings: Settings, callbacks: dict[str, Callback], rules: Rules
) -> None:
    """Sign-in, sessions, CSRF and the policy, on the wall's Flask server."""
    server.extensions["gdwall.access"] = rules
    server.secret_key = secret_key(settings)
    server.session_interface = _SessionInterface(settings.cookie_secure)
    server.config.update(
        SESSION_COOKIE_NAME="gdwall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SCREEN_SESSION,
        MAX_CONTENT_LENGTH=MAX_BODY,
    )
    networks = trusted_networks(settings.trusted_proxies)
    if networks:
        server.wsgi_app = TrustedProxies(server.wsgi_app, networks, settings.proxy_hops)
    directory = auth.LocalDirectory()
    db = state(settings)

    def session_user() -> User | None:
        """The user of the request's session, if the session is live and the user enabled."""
        sid = session.get("sid")
        if not isinstance(sid, str):
            return None
        with db.connection() as conn:
            return auth.session_user(conn, sid)

    def start_session(user: User) -> None:
        life = SCREEN_SESSION if user.kind == "token" else USER_SESSION
        with db.connection() as conn:
            sid, _ = auth.start_session(conn, user, life, remote_addr())
        session.clear()
        session.permanent = True
        session.update(sid=sid, csrf=secrets.token_urlsafe(24))

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return session["csrf"]

    def csrf_ok() -> bool:
        sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token") or ""
        expected = session.get("csrf") or ""
        return bool(expected) and hmac.compare_digest(sent, expected)

    def refuse(user: User | None, capability: str, page: bool, what: str) -> Response:
        if user is None:
            if page:
                return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}")
            return Response("未登录", status=401, mimetype="text/plain")
        _audit_quietly(settings, "access_denied", user, what[:200], capability)
        role = auth.ROLE_LABEL[user.role]
        if page:
            return _page("无权访问", f"<h1>无权访问</h1><p>当前账号（{html.escape(user.name)}，{role}）"
                         "无权查看此页面。</p><p><a href=\"/\">返回总览大屏</a></p>", 403)  # fmt: skip
        return Response(f"无权访问（{role}）", status=403, mimetype="text/plain")

    def callback_capability() -> tuple[str | None, str] | Response:
        """What a callback request needs: the capability its callback was declared with; 400
        unless it is shaped as its registration says (what the guard reads is then what the
        callback gets)."""
        bad = Response("请求格式无效", status=400, mimetype="text/plain")
        try:
            body = json.loads(request.get_data(cache=True))  # 413 beyond MAX_CONTENT_LENGTH
        except (ValueError, RecursionError):
            return bad
        if not isinstance(body, dict) or not _plain(body):
            return bad
        callback = (
            callbacks.get(body.get("output")) if isinstance(body.get("output"), str) else None
        )
        if callback is None or not callback.accepts(body):
            return bad
        return rules.callbacks.get(callback.name), f"callback {callback.name}"

    @server.before_request
    def guard():
        g.user = None
        if settings.demo:
            g.user = DEMO_USER
            return None
        rule = rules.routes.get(request.endpoint or "", "unknown") if request.endpoint else None
        if rule is None:  # no such route: Flask answers 404
            return None
        if rule == "public":  # assets, sign-in, health: no session to look up
            return None
        try:
            user = g.user = session_user()
        except StateDatabaseError as exc:
            log.error("sessions cannot be checked: %s", exc)
            return Response("状态数据库不可用，请稍后再试", status=503, mimetype="text/plain")
        is_page = rule == "page" and request.method in SAFE_METHODS
        if user is None:
            return refuse(None, rule, is_page, request.path)
        if request.method not in SAFE_METHODS and not csrf_ok():
            _audit_quietly(settings, "csrf_failed", user, request.path)
            return Response("CSRF 校验失败：请刷新页面后重试", status=403, mimetype="text/plain")
        what = request.path
        if rule == "page":
            capability = page_capability(request.path)
        elif rule == "layout":
            asked = urlsplit(request.referrer or "/").path
            capability, what = page_capability(asked), f"layout {asked}"
        elif rule == "callback":
            checked = callback_capability()
            if isinstance(checked, Response):
                return checked
            capability, what = checked
        else:
            capability = rule
        if capability == "signed_in":
            return None
        if capability not in CAN or user.role not in CAN[capability]:
            return refuse(user, capability or "unknown", is_page, what)
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
        with db.connection() as conn:
            first = not auth.has_admin(conn)
        hint = (
            '<p class="hint">尚无管理员：请在服务器上运行 <code>gdwall users add 名字 --role admin</code>。</p>'
            if first
            else ""
        )
        error = f'<p class="error" id="login-error">{html.escape(message)}</p>' if message else ""
        action = html.escape(f"/login?next={quote(_safe_next(request.args.get('next')), safe='/')}")
        return _page("登录", f"""<h1>广东数字政府政务云 · 登录</h1>{error}{hint}
<form method="post" action="{action}">
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
            _audit_quietly(settings, "csrf_failed", None, "/login")
            return login_form("页面已过期，请重新登录", status=403)
        name = (request.form.get("name") or "").strip()[:40]
        password = request.form.get("password") or ""
        remote = remote_addr()
        with db.connection() as conn:
            attempt = auth.reserve_attempt(conn, name, remote)
            if attempt is None:
                auth.audit(conn, "login_throttled", None, name, None, remote)
                return login_form("登录失败次数过多，请稍后再试", name, 429)
            user = directory.verify(conn, name, password)
            auth.settle_attempt(conn, attempt, user is not None, name, remote)
            if user is None:  # the name tried is kept, never the password
                auth.audit(conn, "login_failed", None, name, None, remote)
                return login_form("用户名或密码错误", name, 401)
            auth.audit(conn, "login", user, None, None, remote)
        start_session(user)
        return redirect(_safe_next(request.args.get("next")))

    @server.route("/login/token/<token>", endpoint="login_token")
    def login_token(token: str):
        """A kiosk screen signs in by its token URL, then holds a session cookie."""
        if settings.demo:
            return redirect("/")
        with db.connection() as conn:
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
            with db.connection() as conn:
                auth.end_session(conn, session.get("sid") or "")
            _audit(settings, "logout", g.user)
        session.clear()
        return redirect("/login")


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
        if request.is_secure:  # over HTTPS (directly, or as a trusted proxy says): stay there
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
