"""docker-compose.yml's services as compose would start them, without Docker: each service
of the wall's own image runs its command line from the file, with the file's environment
variables (names and values; only the hosts, ports and secret paths point at the real
servers this test run started), and answers its own health check. A typo in compose (a
flag, a variable's name, a URL's form) fails here."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml

from tests.conftest import ROOT, wait_http
from tests.harness import servers as harness

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture
def here(influx_url, redis_url, postgresql_server, tmp_path) -> dict:
    """What compose's names stand for in this run: hosts, a database owned by the compose
    file's user, the secrets as files, the data folder, the mounted configuration."""
    db = f"gdwall_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgresql_server.url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'gdwall'").fetchone():
            conn.execute("CREATE ROLE gdwall LOGIN")
        conn.execute(f"CREATE DATABASE {db} OWNER gdwall")
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    for name in COMPOSE["secrets"]:
        (secrets_dir / name).write_text(secrets.token_urlsafe(48) + "\n")
    (tmp_path / "data").mkdir()  # the image's home of user gdwall (useradd --create-home)
    pg_host = postgresql_server.url.split("@", 1)[1].split("/", 1)[0]
    return {
        "influxdb:8086": influx_url.removeprefix("http://"),
        "/gdcloud": f"/compose_{uuid.uuid4().hex[:8]}",
        "redis://redis:6379": redis_url.rsplit("/", 1)[0]
        if redis_url.count("/") > 2
        else redis_url,
        "postgres:5432/gdwall": f"{pg_host}/{db}",
        "/run/secrets/": f"{secrets_dir}/",
        "/var/lib/gdwall": str(tmp_path / "data"),
        "/etc/gdwall/": f"{ROOT}/deploy/config/",
    }


def resolve(text: str, here: dict) -> str:
    for name, real in here.items():
        text = text.replace(name, real)
    return text


def start(service: str, here: dict, tmp_path: Path, port_flags=("--port", "--ops-port")):
    """The service's command and environment from compose, pointed at this run's servers;
    returns the process, its port (if it listens) and its log."""
    spec = COMPOSE["services"][service]
    argv = [resolve(a, here) for a in spec["command"]]
    assert argv[0] == "gdwall"
    port = None
    for flag in port_flags:
        if flag in argv:
            port = harness.free_port()
            argv[argv.index(flag) + 1] = str(port)
    argv = ["127.0.0.1" if a == "0.0.0.0" else a for a in argv]
    env = {k: resolve(str(v), here) for k, v in spec["environment"].items()}
    env |= {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    log = tmp_path / f"{service}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "wall.cli", *argv[1:]], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    return proc, port, log


def healthcheck(service: str, port: int | None, here: dict) -> subprocess.CompletedProcess:
    """The service's own health check from compose, run here."""
    test = COMPOSE["services"][service]["healthcheck"]["test"]
    assert test[0] == "CMD"
    cmd = [resolve(re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", a), here) for a in test[1:]]
    cmd = [sys.executable if c == "python" else c for c in cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.parametrize("service", ["wall", "collectors"])
def test_each_service_starts_from_its_compose_command_and_is_healthy(service, here, tmp_path):
    proc, port, log = start(service, here, tmp_path)
    try:
        path = "/readyz" if service == "wall" else "/healthz"
        wait_http(f"http://127.0.0.1:{port}{path}", proc, log, timeout=120)
        check = healthcheck(service, port, here)
        assert check.returncode == 0, check.stderr + log.read_text()[-3000:]
    finally:
        stop(proc)
    if service == "wall":  # its state went to PostgreSQL, as compose says
        with psycopg.connect(f"postgresql://gdwall@{here['postgres:5432/gdwall']}") as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}  # fmt: skip
        assert {"audit", "progress_events"} <= tables, tables


def test_the_bulletin_scheduler_runs_from_its_compose_command(here, tmp_path):
    proc, _, log = start("scheduler", here, tmp_path)
    try:
        time.sleep(8)
        assert proc.poll() is None, log.read_text()[-3000:]  # running, not refused
        assert healthcheck("scheduler", None, here).returncode == 0
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text()


def test_the_deployments_prometheus_configuration_is_valid():
    check = subprocess.run([harness.need("promtool"), "check", "config", str(ROOT / "deploy/prometheus.yml")],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
