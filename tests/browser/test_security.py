"""The wall under its own Content-Security-Policy in a real Chromium (nothing bypassed): the
map, tiles and charts draw with no violation; a kiosk screen signs in by its token and sees
the wall only; markup in a source's error is shown as text, never run."""

from datetime import UTC, datetime

import httpx

from tests.conftest import TEST_PASSWORD, _wall_process
from wall.state import auth
from wall.state.db import connect
from wall.store import open_store
from wall.store.samples import Sample

MAP_DRAWN = ".screen.active .map-graph path.choroplethlocation"


def _strict_page(browser):
    """A page that records console messages and page errors, with the CSP enforced."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: messages.append(str(e)))
    return context, page, messages


def test_the_wall_draws_under_a_strict_csp_naming_no_other_origin(tmp_path, browser):
    for url, _ in _wall_process(tmp_path, "serve"):
        answer = httpx.get(f"{url}/login")
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "http" not in csp and "*" not in csp and "unsafe-eval" not in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        context, page, messages = _strict_page(browser)
        try:
            page.goto(f"{url}/login")
            page.fill("#name", "tester")
            page.fill("#password", TEST_PASSWORD)
            page.click("#login-submit")
            page.wait_for_selector(MAP_DRAWN, timeout=60_000)
            page.wait_for_selector(".screen.active .tile .tile-value", timeout=30_000)
            page.goto(f"{url}/node/city-meizhou")
            page.wait_for_selector("#node-title", timeout=30_000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            violations = [m for m in messages if "Content Security Policy" in m or "Refused" in m]
            assert violations == []
            assert page.locator("#sign-out").count() == 1  # who is signed in, and the way out
        finally:
            context.close()


def test_a_kiosk_screen_signs_in_by_token_and_sees_only_the_wall(tmp_path, browser):
    for url, data in _wall_process(tmp_path, "serve"):
        with connect(data / "state.db") as conn:
            token_id, token = auth.create_token(conn, "指挥中心主屏", "test")
        context, page, _ = _strict_page(browser)
        try:
            page.goto(f"{url}/login/token/{token}?screen=overview")
            page.wait_for_selector(MAP_DRAWN, timeout=60_000)
            assert "screen=overview" in page.url
            answer = page.goto(f"{url}/node/city-meizhou")
            assert answer.status == 403 and "无权访问" in page.inner_text("body")
            assert page.goto(f"{url}/admin/audit.csv").status == 403
            with connect(data / "state.db") as conn:
                auth.revoke_token(conn, token_id)
                last = [e for e in auth.audit_entries(conn) if e[3] == "token_login"]
            assert last and last[0][1] == "token:指挥中心主屏"
            page.wait_for_timeout(6000)  # the session is checked again within seconds
            assert "/login" in page.goto(f"{url}/").url
        finally:
            context.close()


def test_markup_in_a_source_error_is_shown_as_text_never_run(tmp_path, browser):
    from tests.conftest import RecordingPage, sign_in_page

    for url, data in _wall_process(tmp_path, "serve"):
        store = open_store(f"sqlite:///{data}/metrics.db")
        evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
        store.write([Sample.make("collector", {"source": "meizhou-prom", "node": "city-meizhou"},
                                 {"ok": 0, "duration_ms": 5, "points": 0, "error": evil},
                                 datetime.now(UTC))])  # fmt: skip
        store.close()
        context, page, _ = _strict_page(browser)
        try:
            sign_in_page(RecordingPage(page), url)
            page.goto(f"{url}/node/city-meizhou")
            page.wait_for_selector("#source-meizhou-prom", timeout=30_000)
            assert evil in page.inner_text("#source-meizhou-prom")
            assert page.evaluate("window.pwned") is None
            assert page.locator("#source-meizhou-prom img").count() == 0
        finally:
            context.close()


def test_an_admin_adds_a_user_and_a_screen_token_then_revokes_it(plain_wall, page, browser):
    url, _ = plain_wall
    p = page.page
    p.goto(f"{url}/admin")
    p.wait_for_selector("#admin-title", timeout=30_000)
    p.fill("#admin-user-name", "wangwu")
    p.fill("#admin-user-password", "Operator-pass-9")
    p.click("#admin-user-add")
    p.wait_for_selector("#admin-message", timeout=15_000)
    assert "已新增用户：wangwu" in p.inner_text("#admin-message")
    assert "wangwu" in p.inner_text("#admin-users")
    p.fill("#admin-token-label", "会商室副屏")
    p.click("#admin-token-add")
    p.wait_for_function("(document.querySelector('#admin-message')||{}).innerText?.includes('/login/token/')",
                        timeout=15_000)  # fmt: skip
    address = p.inner_text("#admin-message").split("：", 1)[1].strip()
    context, kiosk, _ = _strict_page(browser)
    try:
        kiosk.goto(address)
        kiosk.wait_for_selector(MAP_DRAWN, timeout=60_000)  # the screen is on the wall
        p.locator("#admin-tokens button").first.click()  # revoke it
        p.wait_for_function("(document.querySelector('#admin-message')||{}).innerText?.includes('已吊销')",
                            timeout=15_000)  # fmt: skip
        refused = kiosk.goto(address)
        assert refused.status == 403 and "令牌无效" in kiosk.inner_text("body")
        kiosk.wait_for_timeout(6000)  # its session is checked again within seconds
        assert kiosk.goto(f"{url}/").url.startswith(f"{url}/login")
    finally:
        context.close()
    audit = p.inner_text("#admin-audit")
    assert (
        "新增用户" in audit
        and "新增大屏令牌" in audit
        and "吊销大屏令牌" in audit
        and "tester" in audit
    )
