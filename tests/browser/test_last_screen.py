"""A reload of the wall shows the screen the tab last drew at once, until the live screen has
drawn its map: never to another session, at another size, nor in place of a page that fails."""

from __future__ import annotations

import base64

from tests.browser.test_demo_wall import open_wall
from tests.conftest import RecordingPage, sign_in_page

KEPT = "gdwall_last_screen"


def _kept(page) -> None:
    page.wait_for_function(f"sessionStorage.getItem('{KEPT}') !== null", timeout=30_000)


def _reload_held(page, url: str) -> list:
    """The wall loaded again with its layout left unanswered: what shows is what it had."""
    held: list = []
    page.route("**/_dash-layout", lambda route: held.append(route))
    page.goto(f"{url}/?screen=overview", wait_until="load")
    page.wait_for_timeout(500)
    assert held, "the layout was not asked for"
    return held


def _release(page) -> None:
    page.unroute("**/_dash-layout")  # the held requests go on to the server


def _differing(browser, a: bytes, b: bytes) -> float:
    """The share of pixels of two screenshots that differ visibly (counted in a blank page's
    canvas: the test compares what the eye sees, not the DOM)."""
    page = browser.new_page()
    try:
        return page.evaluate(
            """async ([a, b]) => {
              const load = src => new Promise(done => { const i = new Image(); i.onload = () => done(i); i.src = src; });
              const [x, y] = await Promise.all([load(a), load(b)]);
              const pixels = img => { const c = document.createElement('canvas');
                c.width = img.width; c.height = img.height; const g = c.getContext('2d');
                g.drawImage(img, 0, 0); return g.getImageData(0, 0, c.width, c.height).data; };
              const p = pixels(x), q = pixels(y);
              let differ = 0;
              for (let i = 0; i < p.length; i += 4) {
                if (Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2]) > 48) { differ++; }
              }
              return differ / (p.length / 4);
            }""",
            [f"data:image/png;base64,{base64.b64encode(x).decode()}" for x in (a, b)],
        )
    finally:
        page.close()


def test_a_reload_shows_the_last_screen_until_the_live_one_is_drawn(plain_wall, page, browser):
    url, _ = plain_wall
    p = page.page
    open_wall(page, url)
    _kept(p)
    before = p.screenshot()
    _reload_held(p, url)
    assert p.locator("#last-screen").count() == 1
    held = p.screenshot()
    _release(p)
    p.wait_for_selector(".screen.active .map-graph path.choroplethlocation", timeout=30_000)
    p.wait_for_function("!document.getElementById('last-screen')", timeout=10_000)
    live = p.screenshot()
    # held: the screen as it was (the clock and the stamps may have moved a second)
    assert _differing(browser, before, held) < 0.01
    assert _differing(browser, held, live) < 0.02
    # and a reload without one kept shows the loading words, nothing like the screen
    p.evaluate(f"sessionStorage.removeItem('{KEPT}')")
    _reload_held(p, url)
    assert p.locator("#last-screen").count() == 0
    assert _differing(browser, before, p.screenshot()) > 0.2
    _release(p)


def test_the_last_screen_is_shown_to_its_own_session_only(plain_wall, browser):
    url, _ = plain_wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = RecordingPage(context.new_page())
        p = page.page
        sign_in_page(page, url)
        open_wall(page, url)
        _kept(p)
        kept = p.evaluate(f"sessionStorage.getItem('{KEPT}')")
        p.click("#sign-out")  # signing out drops it
        p.wait_for_url(f"{url}/login**", timeout=30_000)
        assert p.evaluate(f"sessionStorage.getItem('{KEPT}')") is None
        sign_in_page(page, url)  # a new session in the same tab, given the old one's screen
        p.wait_for_selector(".screen.active .map-graph path.choroplethlocation", timeout=30_000)
        p.evaluate("kept => sessionStorage.setItem('gdwall_last_screen', kept)", kept)
        _reload_held(p, url)
        assert p.locator("#last-screen").count() == 0
        assert p.evaluate(f"sessionStorage.getItem('{KEPT}')") is None  # shown once at most
        _release(p)
        # at another window size, nothing either
        open_wall(page, url)
        _kept(p)
        p.set_viewport_size({"width": 1600, "height": 900})
        _reload_held(p, url)
        assert p.locator("#last-screen").count() == 0
        _release(p)
    finally:
        context.close()


def test_the_last_screen_gives_way_to_a_failed_load(plain_wall, page):
    url, _ = plain_wall
    p = page.page
    open_wall(page, url)
    _kept(p)
    p.route("**/_dash-layout", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    p.goto(f"{url}/?screen=overview", wait_until="commit")
    p.wait_for_selector("._dash-error[data-retry]", timeout=30_000)
    assert p.locator("#last-screen").count() == 0  # the error shows, not the old screen
