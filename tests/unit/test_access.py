"""Who may do what, over the app's actual routes and callbacks: each role gets exactly what it
should, an anonymous request a redirect or 401 and never data, state changes need the CSRF
token, sign-in is throttled and audited (never the password), and the wall refuses to start
outside demo mode without a real secret. A route or callback without a case here fails."""

import re
from contextlib import closing

import pytest

from geo import geometry
from tests.conftest import TEST_PASSWORD, TEST_SECRET, form_token, sign_in_client
from wall.core.settings import Settings
from wall.state import auth
from wall.state.db import connect
from wall.web import access, ids
from wall.web.app import create_app

ROLES = ("screen", "operator", "evaluator", "admin")
EVERYONE = set(ROLES)
READERS = {"operator", "evaluator", "admin"}
EVALUATORS = {"evaluator", "admin"}
ACKERS = {"operator", "admin"}
ADMINS = {"admin"}


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    settings = Settings(
        data_dir=tmp, store_url=f"sqlite:///{tmp}/metrics.db", secret_key=TEST_SECRET
    )
    with closing(connect(settings.state_db_path)) as conn:
        for role in ("operator", "evaluator", "admin"):
            auth.add_user(conn, f"u-{role}", role, TEST_PASSWORD)
        _, token = auth.create_token(conn, "指挥中心主屏", "test")
    (settings.bulletin_path).mkdir(parents=True)
    (settings.bulletin_path / "bulletin-2020-06.xlsx").write_bytes(b"PK")
    app = create_app(settings)
    return app, settings, token


def client(wall, role: str | None):
    app, _, token = wall
    c = app.server.test_client()
    if role == "screen":
        assert c.get(f"/login/token/{token}").status_code == 302
    elif role is not None:
        sign_in_client(c, f"u-{role}")
    return c


def csrf_of(c) -> str:
    cookie = c.get_cookie("_csrf_token")
    return cookie.value if cookie else ""


def callback_key(app, name: str) -> str:
    return next(
        k
        for k, cb in app.callback_map.items()
        if cb.get("callback") and cb["callback"].__name__ == name
    )


def callback_body(app, name: str) -> dict:
    """A request as dash-renderer sends it, for each server callback."""
    key = callback_key(app, name.split(":")[0])
    if name == "refresh":
        return {"output": key, "outputs": [[], [], {"id": ids.BANNER, "property": "children"},
                                           {"id": ids.ASOF, "property": "children"}, {"id": ids.DONE, "property": "data"}],
                "inputs": [{"id": ids.TRIGGER, "property": "data", "value": 1},
                           {"id": ids.SCREEN, "property": "data", "value": "overview"},
                           {"id": ids.URL, "property": "search", "value": ""}],
                "changedPropIds": [f"{ids.TRIGGER}.data"], "state": []}  # fmt: skip
    if name.split(":")[0].endswith("_body"):
        page, path = name.split(":", 1)[0].removesuffix("_body"), name.split(":", 1)[1]
        return {"output": key, "outputs": {"id": ids.page_body(page), "property": "children"},
                "inputs": [{"id": ids.URL, "property": "pathname", "value": path},
                           {"id": ids.URL, "property": "search", "value": ""}],
                "changedPropIds": [f"{ids.URL}.pathname"], "state": []}  # fmt: skip
    if name == "acknowledge":
        return {"output": key, "outputs": {"id": ids.page_body("alerts"), "property": "children"},
                "inputs": [[{"id": {"type": "ack", "id": "1"}, "property": "n_clicks", "value": None}]],
                "changedPropIds": [], "state": [[], [], {"id": ids.URL, "property": "search", "value": ""}]}  # fmt: skip
    if name == "make_bulletin":
        return {"output": key, "outputs": {"id": ids.page_body("bulletins"), "property": "children"},
                "inputs": [{"id": "bulletin-make", "property": "n_clicks", "value": None}],
                "changedPropIds": [], "state": [{"id": "bulletin-period", "property": "value", "value": "2020-06"},
                                               {"id": "bulletin-formats", "property": "value", "value": ["xlsx"]}]}  # fmt: skip
    if name == "admin_users":
        return {"output": key, "outputs": {"id": ids.page_body("admin"), "property": "children"},
                "inputs": [{"id": "admin-user-add", "property": "n_clicks", "value": None}, []],
                "changedPropIds": [], "state": [{"id": "admin-user-name", "property": "value", "value": None},
                                               {"id": "admin-user-role", "property": "value", "value": "operator"},
                                               {"id": "admin-user-password", "property": "value", "value": None}]}  # fmt: skip
    if name == "admin_tokens":
        return {"output": key, "outputs": {"id": ids.page_body("admin"), "property": "children"},
                "inputs": [{"id": "admin-token-add", "property": "n_clicks", "value": None}, []],
                "changedPropIds": [], "state": [{"id": "admin-token-label", "property": "value", "value": None}]}  # fmt: skip
    if name == "admin_thresholds":
        return {"output": key, "outputs": {"id": ids.page_body("admin"), "property": "children"},
                "inputs": [{"id": "admin-thresholds-save", "property": "n_clicks", "value": None}],
                "changedPropIds": [], "state": [{"id": "admin-thresholds", "property": "value", "value": ""}]}  # fmt: skip
    raise AssertionError(name)


# (endpoint, method, path, extra, roles allowed); the endpoint names which rule is exercised
CASES = [
    ("/", "GET", "/", {}, EVERYONE),
    ("/<path:path>", "GET", "/node/city-meizhou", {}, READERS),
    ("/<path:path>", "GET", "/province", {}, READERS),
    ("/<path:path>", "GET", "/compare", {}, READERS),
    ("/<path:path>", "GET", "/alerts", {}, READERS),
    ("/<path:path>", "GET", "/bulletins", {}, EVALUATORS),
    ("/<path:path>", "GET", "/admin", {}, ADMINS),
    ("/_dash-layout", "GET", "/_dash-layout", {"Referer": "http://localhost/"}, EVERYONE),
    (
        "/_dash-layout",
        "GET",
        "/_dash-layout",
        {"Referer": "http://localhost/node/city-meizhou"},
        READERS,
    ),
    (
        "/_dash-layout",
        "GET",
        "/_dash-layout",
        {"Referer": "http://localhost/bulletins"},
        EVALUATORS,
    ),
    ("/_dash-dependencies", "GET", "/_dash-dependencies", {}, EVERYONE),
    ("/_dash-update-component", "POST", "refresh", {}, EVERYONE),
    ("/_dash-update-component", "POST", "node_body:/node/city-meizhou", {}, READERS),
    ("/_dash-update-component", "POST", "province_body:/province", {}, READERS),
    ("/_dash-update-component", "POST", "prd_body:/prd", {}, READERS),
    ("/_dash-update-component", "POST", "plan_body:/plan", {}, READERS),
    ("/_dash-update-component", "POST", "compare_body:/compare", {}, READERS),
    ("/_dash-update-component", "POST", "network_body:/network", {}, READERS),
    ("/_dash-update-component", "POST", "alerts_body:/alerts", {}, READERS),
    ("/_dash-update-component", "POST", "bulletins_body:/bulletins", {}, EVALUATORS),
    ("/_dash-update-component", "POST", "admin_body:/admin", {}, ADMINS),
    ("/_dash-update-component", "POST", "acknowledge", {}, ACKERS),
    ("/_dash-update-component", "POST", "make_bulletin", {}, EVALUATORS),
    ("/_dash-update-component", "POST", "admin_users", {}, ADMINS),
    ("/_dash-update-component", "POST", "admin_tokens", {}, ADMINS),
    ("/_dash-update-component", "POST", "admin_thresholds", {}, ADMINS),
    ("export_ranking", "GET", "/export/ranking.csv?field=cpu_util", {}, EVALUATORS),
    ("download_bulletin", "GET", "/bulletins/download/bulletin-2020-06.xlsx", {}, EVALUATORS),
    ("audit_csv", "GET", "/admin/audit.csv", {}, ADMINS),
    ("/_reload-hash", "GET", "/_reload-hash", {}, ADMINS),
    ("logout", "POST", "/logout", {}, EVERYONE),
]
PUBLIC = [
    ("static", "/static/none.txt"),
    ("_dash_assets.static", "/assets/wall.css"),
    ("/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
     "/_dash-component-suites/dash/dcc/dash_core_components.v4_4_1m1.js"),
    ("/_favicon.ico", "/_favicon.ico"),
    ("geometry", f"/geo/cities-{geometry.digest()}.geojson"),
    ("login", "/login"),
    ("login_token", "/login/token/not-a-token"),
    ("healthz", "/healthz"),
    ("readyz", "/readyz"),
    ("metrics", "/metrics"),
]  # fmt: skip
CALLBACKS = {
    "refresh",
    "node_body",
    "province_body",
    "prd_body",
    "plan_body",
    "compare_body",
    "network_body",
    "alerts_body",
    "bulletins_body",
    "admin_body",
    "acknowledge",
    "make_bulletin",
    "admin_users",
    "admin_tokens",
    "admin_thresholds",
}


def test_every_route_and_callback_has_a_rule_and_a_case_here(wall):
    app, _, _ = wall
    rules = app.server.extensions["gdwall.access"]  # derived from the pages' declarations
    endpoints = {r.endpoint for r in app.server.url_map.iter_rules()}
    assert endpoints <= set(rules.routes), f"routes without a rule: {endpoints - set(rules.routes)}"
    covered = {e for e, *_ in CASES} | {e for e, _ in PUBLIC}
    assert endpoints <= covered, f"routes without a case in this test: {endpoints - covered}"
    names = {cb["callback"].__name__ for cb in app.callback_map.values() if "callback" in cb}
    assert names <= set(rules.callbacks), (
        f"callbacks without a rule: {names - set(rules.callbacks)}"
    )
    assert names <= CALLBACKS, f"callbacks without a case in this test: {names - CALLBACKS}"


def test_every_page_declares_a_capability_and_its_callbacks_take_it(wall):
    """Walk the page registry: a page without a known capability fails; a page's body
    callback and downloads have its capability (or a stronger one), never a guess."""
    from wall.web.registry import ACTIONS, CAPABILITIES, PAGES, Page, add_page

    app, _, _ = wall
    rules = app.server.extensions["gdwall.access"]
    assert set(PAGES) >= {
        "wall",
        "node",
        "province",
        "prd",
        "compare",
        "network",
        "alerts",
        "bulletins",
        "admin",
    }
    for page in PAGES.values():
        assert page.capability in CAPABILITIES and page.capability in access.CAN, page.name
        if not page.whole:
            assert rules.callbacks[f"{page.name}_body"] == page.capability
    for action in ACTIONS.values():
        assert rules.callbacks[action.name] == action.capability
        if action.page is not None:  # an action needs at least its page's capability
            assert access.CAN[action.capability] <= access.CAN[PAGES[action.page].capability]
    with pytest.raises(ValueError, match="unknown capability"):
        add_page(Page("toy", "/toy", "玩具", "everyone", body=lambda ctx: []))
    assert "toy" not in PAGES


def _request(wall, c, method, path, extra):
    app = wall[0]
    headers = dict(extra)
    if method == "POST":
        headers["X-CSRFToken"] = csrf_of(c)
        if path.startswith("/"):
            return c.post(path, headers=headers, data={"csrf_token": csrf_of(c)})
        return c.post("/_dash-update-component", json=callback_body(app, path), headers=headers)
    return c.get(path, headers=headers)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_it_should(wall, role):
    for endpoint, method, path, extra, allowed in CASES:
        c = client(wall, role)
        r = _request(wall, c, method, path, extra)
        where = f"{role} {method} {path} ({endpoint})"
        if role in allowed:
            assert r.status_code not in (401, 403) and r.status_code < 500, (
                f"{where}: {r.status_code}"
            )
        else:
            assert r.status_code == 403, f"{where}: {r.status_code} (expected 403)"
            assert "城市" not in r.get_data(as_text=True)


def test_anonymous_gets_a_redirect_or_401_never_data(wall):
    for endpoint, method, path, extra, _ in CASES:
        c = client(wall, None)
        r = _request(wall, c, method, path, extra)
        where = f"anonymous {method} {path} ({endpoint})"
        if method == "GET" and endpoint in ("/", "/<path:path>"):
            assert r.status_code == 302 and r.location.startswith("/login?next="), where
        else:
            assert r.status_code in (401, 403), f"{where}: {r.status_code}"
        body = r.get_data(as_text=True) if r.status_code != 302 else ""  # a redirect names the path
        assert "梅州" not in body and "city-" not in body, where
    for endpoint, path in PUBLIC:
        r = client(wall, None).get(path)
        assert r.status_code in (200, 302, 403, 404), f"{endpoint}: {r.status_code}"


def test_state_changes_need_the_csrf_token(wall):
    app = wall[0]
    c = client(wall, "admin")
    body = callback_body(app, "make_bulletin")
    assert c.post("/_dash-update-component", json=body).status_code == 403
    assert (
        c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "forged"}).status_code
        == 403
    )
    ok = c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(c)})
    assert ok.status_code in (200, 204)
    assert c.post("/logout").status_code == 403  # a sign-out form from elsewhere does nothing


def test_failed_sign_ins_are_audited_without_the_password_and_throttled(tmp_path):
    settings = Settings(
        data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db", secret_key=TEST_SECRET
    )
    with closing(connect(settings.state_db_path)) as conn:
        auth.add_user(conn, "zhang", "operator", TEST_PASSWORD)
    c = create_app(settings).server.test_client()
    csrf = form_token(c)
    codes = [c.post("/login", data={"name": "zhang", "password": f"wrong-guess-{i}", "csrf_token": csrf}).status_code
             for i in range(auth.MAX_FAILURES + 1)]  # fmt: skip
    assert codes[:-1] == [401] * auth.MAX_FAILURES and codes[-1] == 429
    # throttled: even the right password waits
    right = c.post("/login", data={"name": "zhang", "password": TEST_PASSWORD, "csrf_token": csrf})
    assert right.status_code == 429
    with closing(connect(settings.state_db_path)) as conn:
        entries = auth.audit_entries(conn)
    failed = [e for e in entries if e[3] == "login_failed"]
    assert len(failed) == auth.MAX_FAILURES and all(
        e[4] == "zhang" and e[6] == "127.0.0.1" for e in failed
    )
    assert not any("wrong-guess" in str(x) or TEST_PASSWORD in str(x) for e in entries for x in e)
    assert any(e[3] == "login_throttled" for e in entries)


def test_a_revoked_token_or_disabled_user_loses_access(wall, monkeypatch):
    app, settings, _ = wall
    with closing(connect(settings.state_db_path)) as conn:
        token_id, token = auth.create_token(conn, "临时屏", "test")
        auth.add_user(conn, "short-lived", "operator", TEST_PASSWORD)
    screen = app.server.test_client()
    assert screen.get(f"/login/token/{token}").status_code == 302
    assert screen.get("/").status_code == 200
    operator = sign_in_client(app.server.test_client(), "short-lived")
    assert operator.get("/alerts").status_code == 200
    with closing(connect(settings.state_db_path)) as conn:
        auth.revoke_token(conn, token_id)
        auth.disable_user(conn, "short-lived")
    assert screen.get("/").status_code == 302  # back to sign-in
    assert operator.get("/alerts").status_code == 302
    assert app.server.test_client().get(f"/login/token/{token}").status_code == 403


def test_outside_demo_a_missing_or_default_secret_refuses_to_start(tmp_path):
    base = {"data_dir": tmp_path, "store_url": f"sqlite:///{tmp_path}/m.db"}
    for secret in (None, "changeme", "short-secret"):
        with pytest.raises(access.InsecureConfig, match="GDWALL_SECRET_KEY"):
            create_app(Settings(**base, secret_key=secret))
    demo = create_app(Settings(**base, demo=True)).server.test_client()
    assert demo.get("/alerts").status_code == 200  # the demo: no sign-in, and it says so


def test_weak_passwords_are_refused(tmp_path):
    with closing(connect(tmp_path / "state.db")) as conn:
        for weak in ("short", "password123456", "zhangsan-2026-x"):
            with pytest.raises(auth.AuthError):
                auth.add_user(conn, "zhangsan", "admin", weak)
        auth.add_user(conn, "zhangsan", "admin", "Correct-Horse-9")
        with pytest.raises(auth.AuthError, match="已存在"):
            auth.add_user(conn, "zhangsan", "admin", "Correct-Horse-9")


def test_configuration_changes_are_in_the_audit_trail(tmp_path):
    from tests.conftest import add_test_user, quick_layouts, sign_in_client

    layouts = quick_layouts(tmp_path / "layouts")
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db",
                        secret_key=TEST_SECRET, layouts_dir=layouts)  # fmt: skip
    add_test_user(settings.state_db_path)

    def changes():
        with closing(connect(settings.state_db_path)) as conn:
            return [e[4] for e in auth.audit_entries(conn) if e[3] == "config_change"]

    create_app(settings)
    assert sorted(changes()) == ["layouts", "plan"]  # the versions running, recorded once
    app = create_app(settings)  # another worker, the same files: nothing new
    assert sorted(changes()) == ["layouts", "plan"]
    thresholds = layouts / "thresholds.yaml"
    thresholds.write_text(thresholds.read_text() + "\n# 调整阈值\n")
    client = sign_in_client(app.server.test_client())
    client.get("/_dash-layout", headers={"Referer": "http://localhost/"})
    assert changes()[0] == "layouts" and len(changes()) == 3


def test_exports_downloads_and_bulletins_are_audited_by_whom_and_from_where(wall):
    _, settings, _ = wall
    evaluator = client(wall, "evaluator")
    assert evaluator.get("/export/ranking.xlsx?field=cpu_util").status_code == 200
    assert evaluator.get("/bulletins/download/bulletin-2020-06.xlsx").status_code == 200
    admin = client(wall, "admin")
    assert admin.get("/admin/audit.csv").status_code == 200
    with closing(connect(settings.state_db_path)) as conn:
        entries = auth.audit_entries(conn)
    seen = {(e[3], e[1]) for e in entries}
    assert ("export", "u-evaluator") in seen
    assert ("bulletin_download", "u-evaluator") in seen
    assert ("audit_export", "u-admin") in seen
    assert all(e[6] == "127.0.0.1" for e in entries if e[3] in ("export", "bulletin_download"))
    csv_text = admin.get("/admin/audit.csv").get_data().decode("utf-8-sig")
    assert (
        csv_text.splitlines()[0] == ",".join(auth.AUDIT_COLUMNS) and "bulletin_download" in csv_text
    )


def test_the_command_line_adds_users_and_tokens_asking_for_the_password(tmp_path):
    from typer.testing import CliRunner

    from wall.cli import app as cli

    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    mismatch = runner.invoke(cli, ["users", "add", "zhao", "--role", "admin", *data],
                             input="Admin-pass-2026\nsomething-else\n")  # fmt: skip
    assert mismatch.exit_code == 1 and "不一致" in mismatch.output
    weak = runner.invoke(
        cli, ["users", "add", "zhao", "--role", "admin", *data], input="123456\n123456\n"
    )
    assert weak.exit_code == 1 and "密码" in weak.output
    ok = runner.invoke(cli, ["users", "add", "zhao", "--role", "admin", *data],
                       input="Admin-pass-2026\nAdmin-pass-2026\n")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    token = runner.invoke(cli, ["tokens", "add", "指挥中心主屏", *data])
    assert token.exit_code == 0 and "/login/token/" in token.output
    token_id = token.output.split()[1]
    assert runner.invoke(cli, ["tokens", "revoke", token_id, *data]).exit_code == 0
    assert runner.invoke(cli, ["users", "disable", "zhao", *data]).exit_code == 0
    with closing(connect(tmp_path / "state.db")) as conn:
        entries = auth.audit_entries(conn)
        assert not auth.has_admin(conn)
    actions = [e[3] for e in reversed(entries)]
    assert actions == ["user_add", "token_add", "token_revoke", "user_disable"]
    assert all(e[1].startswith("cli") for e in entries)
    assert not any("Admin-pass" in str(x) for e in entries for x in e)


def test_an_admin_edits_the_thresholds_checked_first_and_audited(tmp_path):
    from tests.conftest import add_test_user, quick_layouts, sign_in_client

    layouts = quick_layouts(tmp_path / "layouts")
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db",
                        secret_key=TEST_SECRET, layouts_dir=layouts)  # fmt: skip
    add_test_user(settings.state_db_path)
    app = create_app(settings)
    c = sign_in_client(app.server.test_client())
    body = callback_body(app, "admin_thresholds")
    body["inputs"][0]["value"] = 1
    thresholds = layouts / "thresholds.yaml"
    before = thresholds.read_text()
    broken = before.replace("warn: 0.80", "warn: lots", 1)
    body["state"][0]["value"] = broken
    answer = c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(c)})
    text = answer.get_data(as_text=True)
    assert "阈值未保存" in text and "thresholds.yaml:" in text and "warn" in text
    assert thresholds.read_text() == before  # refused: the file is untouched
    body["state"][0]["value"] = before.replace("warn: 0.80", "warn: 0.82", 1)
    answer = c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf_of(c)})
    assert "阈值已保存" in answer.get_data(as_text=True)
    assert "warn: 0.82" in thresholds.read_text()
    with closing(connect(settings.state_db_path)) as conn:
        edits = [e for e in auth.audit_entries(conn) if e[3] == "thresholds_edit"]
    assert len(edits) == 1 and edits[0][1] == "tester"


def _dependencies(wall) -> list[dict]:
    deps = client(wall, "admin").get("/_dash-dependencies").get_json()
    return [d for d in deps if not d.get("clientside_function")]


@pytest.mark.parametrize("role", ["screen", "operator", "evaluator"])
def test_no_role_reads_a_page_whatever_the_inputs_order_ids_or_referer_say(wall, role):
    """A callback's page is its registration's, never what a request's inputs are labelled:
    a page's path in any input, labelled as any input, however the path is spelled; and the
    layout, whatever the Referer says. (tests/integration/test_pentest.py does the same
    against `gdwall serve`.)"""
    from tests.forgery import FORBIDDEN, SPELLINGS, forged_bodies, leaked

    c = client(wall, role)
    deps = _dependencies(wall)
    for page in FORBIDDEN[role]:
        for spelling in SPELLINGS:
            path = spelling.format(p=page)
            for dep in deps:
                for body in forged_bodies(dep, path):
                    r = c.post("/_dash-update-component", json=body,
                               headers={"X-CSRFToken": csrf_of(c)})  # fmt: skip
                    text = r.get_data(as_text=True)
                    assert r.status_code < 500 and not leaked(text, role), (role, path, body)
            for referer in (f"http://localhost/{path.lstrip('/')}", f"http://localhost/{path}"):
                r = c.get("/_dash-layout", headers={"Referer": referer})
                assert r.status_code < 500 and not leaked(r.get_data(as_text=True), role)
            r = c.get("/" + path.lstrip("/"))
            assert r.status_code < 500 and not leaked(r.get_data(as_text=True), role)


def test_a_weak_secret_refuses_to_start_however_long(tmp_path):
    """Finding 10: 40 × `a` was accepted as the secret key."""
    base = {"data_dir": tmp_path, "store_url": f"sqlite:///{tmp_path}/m.db"}
    for secret in ("a" * 40, "ab" * 24, "0123456789" * 4):
        with pytest.raises(access.InsecureConfig, match="GDWALL_SECRET_KEY"):
            create_app(Settings(**base, secret_key=secret))
    import secrets

    create_app(Settings(**base, secret_key=secrets.token_urlsafe(48)))


def test_an_untrusted_peer_cannot_choose_its_address_by_header(tmp_path):
    """Finding 3: X-Forwarded-For is believed only from a trusted proxy; from anyone else a
    new address per request changes nothing, and five failures throttle the real one."""
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db",
                        secret_key=TEST_SECRET, trusted_proxies="127.0.0.1")  # fmt: skip
    with closing(connect(settings.state_db_path)) as conn:
        auth.add_user(conn, "zhang", "operator", TEST_PASSWORD)
    app = create_app(settings)
    c = app.server.test_client()
    peer = {"REMOTE_ADDR": "10.9.9.9"}
    form = c.get("/login", environ_base=peer)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True))[1]
    codes = [c.post("/login", data={"name": "zhang", "password": f"wrong-{i}", "csrf_token": token},
                    headers={"X-Forwarded-For": f"198.51.100.{i}"}, environ_base=peer).status_code
             for i in range(auth.MAX_FAILURES + 1)]  # fmt: skip
    assert codes[-1] == 429
    with closing(connect(settings.state_db_path)) as conn:
        remotes = {e[6] for e in auth.audit_entries(conn) if e[3] == "login_failed"}
    assert remotes == {"10.9.9.9"}


def test_readyz_stays_ready_with_the_cache_degraded(tmp_path):
    """Also: /readyz answered 503 when Redis was down although the wall keeps serving from its
    own cache; a degraded cache is reported in the body and in /metrics."""
    from tests.harness.servers import free_port

    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db", demo=True,
                        redis_url=f"redis://127.0.0.1:{free_port()}")  # fmt: skip
    c = create_app(settings).server.test_client()
    r = c.get("/readyz")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "cache degraded" in body and "store ok" in body
    metrics = c.get("/metrics").get_data(as_text=True)
    assert re.search(r"^gdwall_cache_degraded 1\.0$", metrics, re.M), metrics[-1500:]


def _viewer(c, path: str = "/") -> str | None:
    found = re.search(r'id="last-screen-script" data-viewer="([0-9a-f]+)"', c.get(path).text)
    return found.group(1) if found else None


def test_the_last_screen_is_named_for_its_session_and_only_on_the_wall(wall):
    # the wall's page names the session whose screen a tab may show again; another session,
    # even of the same user, has another name; an operator page keeps no screen
    first, again = client(wall, "admin"), client(wall, "admin")
    viewer = _viewer(first)
    assert viewer and len(viewer) == 32
    assert _viewer(first) == viewer  # the same session: the same name
    assert _viewer(again) not in (None, viewer)
    assert _viewer(client(wall, "screen")) not in (None, viewer)
    assert first.get("/alerts").status_code == 200
    assert _viewer(first, "/alerts") is None
    sid = first.get_cookie("gdwall_session").value
    assert viewer not in sid  # a name of the session, not the session's id
