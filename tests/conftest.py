"""Fixtures: real servers for integration tests, a real headless Chromium for browser tests.

`make test` starts the shared servers once and exports their URLs (GDWALL_TEST_*); run
pytest alone and the session starts them itself. A missing server is a failure that says
what to install, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import servers as harness

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("GDWALL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        parts = Path(item.fspath).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "browser" in parts:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def shared_servers(tmp_path_factory) -> Iterator[dict[str, str]]:
    """URLs of the run's InfluxDB, Prometheus, node_exporter and Redis."""
    keys = (
        "GDWALL_TEST_INFLUX_URL",
        "GDWALL_TEST_PROMETHEUS_URL",
        "GDWALL_TEST_NODE_EXPORTER_URL",
        "GDWALL_TEST_REDIS_URL",
    )
    if all(os.environ.get(k) for k in keys):
        yield {k: os.environ[k] for k in keys}
        return
    fleet = harness.Fleet(tmp_path_factory.mktemp("servers"))
    try:
        env = fleet.start_all()
    except harness.MissingService as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield env
    finally:
        fleet.stop_all()


def _reachable(url: str, path: str) -> None:
    try:
        httpx.get(url + path, timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"{url} does not answer ({exc}); is the server running?", pytrace=False)


@pytest.fixture(scope="session")
def influx_url(shared_servers) -> str:
    url = shared_servers["GDWALL_TEST_INFLUX_URL"]
    _reachable(url, "/ping")
    return url


@pytest.fixture(scope="session")
def prometheus_url(shared_servers) -> str:
    url = shared_servers["GDWALL_TEST_PROMETHEUS_URL"]
    _reachable(url, "/-/ready")
    return url


@pytest.fixture(scope="session")
def node_exporter_url(shared_servers) -> str:
    url = shared_servers["GDWALL_TEST_NODE_EXPORTER_URL"]
    _reachable(url, "/metrics")
    return url


@pytest.fixture(scope="session")
def redis_url(shared_servers) -> str:
    return shared_servers["GDWALL_TEST_REDIS_URL"]


@pytest.fixture
def private_influxdb(tmp_path) -> Iterator[harness.Server]:
    """An InfluxDB of the test's own, which it may stop and start (fault tests)."""
    try:
        server = harness.influxdb(tmp_path / "influxdb").start()
    except harness.MissingService as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgresql_server():
    """A PostgreSQL of the test session's own (Debian's), on 127.0.0.1."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="gdwall-pg-"))
    try:
        server = harness.postgresql(root).start(timeout=60)
    except harness.MissingService as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgresql_url(postgresql_server) -> str:
    """A fresh, empty database on the session's PostgreSQL: its URL."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgresql_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgresql_server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium (Debian's), driven by Playwright; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: run `apt-get install -y chromium chromium-driver`",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class RecordingPage:
    """A Playwright page that remembers every URL it requested."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        page.on("request", lambda req: self.requests.append(req.url))

    def foreign_requests(self, own_origin: str) -> list[str]:
        """Every request to a host other than the app's own (the air-gap check)."""
        return [u for u in self.requests if not u.startswith((own_origin, "data:", "blob:"))]


@pytest.fixture
def page(browser) -> Iterator[RecordingPage]:
    # Playwright compiles wait_for_function's predicate with eval, which the wall's CSP rightly
    # refuses; tests/browser/test_security.py opens the wall under its CSP, bypassing nothing
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", bypass_csp=True
    )
    try:
        yield RecordingPage(context.new_page())
    finally:
        context.close()


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout}s:\n{log.read_text()}")


def quick_layouts(folder: Path, refresh_s: float = 1, dwell_s: float = 4) -> Path:
    """The packaged layouts with test-sized periods: refreshes every second, the carousel
    turning every few seconds."""
    import re

    folder.mkdir(parents=True, exist_ok=True)
    for f in (ROOT / "wall/layouts").glob("*.yaml"):
        text = re.sub(r"(?m)^refresh_s: .*$", f"refresh_s: {refresh_s}", f.read_text())
        text = re.sub(r"(?m)^dwell_s: .*$", f"dwell_s: {dwell_s}", text)
        (folder / f.name).write_text(text)
    return folder


def _wall_process(
    tmp_path, *args: str, env_extra: dict | None = None, procs: list | None = None
) -> Iterator[tuple[str, Path]]:
    """`gdwall <args>` running as its own process; yields (base URL, data dir). procs, if
    given, receives the process (fault tests signal it)."""
    port = harness.free_port()
    data = tmp_path / "data"
    log = tmp_path / "wall.log"
    env = dict(
        os.environ,
        GDWALL_LAYOUTS_DIR=str(quick_layouts(tmp_path / "layouts")),
        GDWALL_CACHE_BUCKET_S="1",
        **(env_extra or {}),
    )
    if args[0] == "serve":  # signed-in: a secret, and an admin the tests sign in as
        env.setdefault("GDWALL_SECRET_KEY", TEST_SECRET)
        add_test_user(data / "state.db")
    argv = [sys.executable, "-m", "wall.cli", *args, "--port", str(port), "--data-dir", str(data)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    if procs is not None:
        procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/healthz", proc, log, timeout=120)
        yield url, data
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def plain_wall(tmp_path, request) -> Iterator[tuple[str, Path]]:
    """`gdwall serve` over an empty data folder: the plan with no progress recorded yet. A
    test's browser page is signed in as an admin (through the sign-in form)."""
    for url, data in _wall_process(tmp_path, "serve"):
        if "page" in request.fixturenames:
            sign_in_page(request.getfixturevalue("page"), url)
        yield url, data


def sign_in_page(page: RecordingPage, url: str, name: str = "tester") -> None:
    p = page.page
    p.goto(f"{url}/login")
    p.fill("#name", name)
    p.fill("#password", TEST_PASSWORD)
    p.click("#login-submit")
    p.wait_for_url(f"{url}/", timeout=30_000)


@pytest.fixture
def demo_wall(tmp_path) -> Iterator[tuple[str, Path]]:
    """`gdwall demo` (a short history, to keep the test quick); yields (URL, data dir)."""
    yield from _wall_process(tmp_path, "demo", "--since", "2026-10-01", "--interval-s", "2")


# -- signing in (the wall outside demo mode requires it)
TEST_SECRET = "test-only-5uYtPRPyQhKn9lgUiwUtvHAEVSu6GEjpOY7lB8bdIIY0oNrddMmETA"
TEST_PASSWORD = "Wall-test-pass-2026"


def add_test_user(state_db: Path, name: str = "tester", role: str = "admin") -> str:
    from contextlib import closing

    from wall.state import auth
    from wall.state.db import connect

    with closing(connect(state_db)) as conn:
        auth.add_user(conn, name, role, TEST_PASSWORD)
    return name


def form_token(client, url: str = "") -> str:
    """The CSRF token the sign-in form carries (a Flask test client or an httpx.Client)."""
    import re

    form = client.get(f"{url}/login")
    text = form.get_data(as_text=True) if hasattr(form, "get_data") else form.text
    return re.search(r'name="csrf_token" value="([^"]+)"', text)[1]


def sign_in_client(client, name: str = "tester", password: str = TEST_PASSWORD, url: str = ""):
    """A Flask test client (or httpx.Client) signed in through the real sign-in form."""
    token = form_token(client, url)
    answer = client.post(
        f"{url}/login", data={"name": name, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 302, f"sign-in of {name} refused: {answer.status_code}"
    return client
