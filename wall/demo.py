"""The demo: history since 2019 backfilled once, progress events recorded, and then three
processes of one group: the simulated province (`gdwall simulate`), the collectors pulling it
(`gdwall collect`), and the wall. The simulator and the collectors are processes of their own,
as in a deployment, so their work never holds the wall's answers up; they end with the demo."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from collectors.simulator.backfill import backfill
from collectors.simulator.model import Province
from wall.core.plan.loader import cached_plan
from wall.core.settings import Settings
from wall.state.db import connect
from wall.state.progress import add_event
from wall.store import store_from_settings

BACKFILL_MARK = "backfill.done"
SOURCES_FILE = "demo-sources.yaml"


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """The child gets SIGTERM when the demo's process ends, however it ends (Linux)."""
    import ctypes
    from contextlib import suppress

    with suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(
        [sys.executable, "-m", "wall.cli", *args],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, "GDWALL_LOG_FORMAT": "text", **(env or {})},
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def _wait_for(path: Path, proc: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise RuntimeError(f"the simulated province did not start:\n{tail}")
        time.sleep(0.1)


def _first_collection(
    settings: Settings, since: datetime, proc: subprocess.Popen, log: Path, timeout_s: float = 90
) -> None:
    """Wait until the collectors have recorded their first attempts, so the wall opens on a
    province that is being collected (the sources' status, not only the backfilled history)."""
    store = store_from_settings(settings)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            attempts = store.latest("collector", ["ok"])
            if not attempts.empty and (attempts["time"] >= since.replace(microsecond=0)).any():
                return
            time.sleep(0.5)
    finally:
        store.close()
    tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
    raise RuntimeError(f"the collectors did not start collecting:\n{tail}")


def start_demo(
    settings: Settings,
    interval_s: float = 15.0,
    since: datetime = datetime(2019, 1, 1, tzinfo=UTC),
    say: Callable[[str], None] = print,
) -> list[subprocess.Popen]:
    """Prepare data (first start only), then start the simulator and the collectors as child
    processes (their output in data_dir/logs); returns them."""
    plan = cached_plan(settings.plan_path)
    province = Province(plan)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = store_from_settings(settings)
    mark = settings.data_dir / BACKFILL_MARK
    if not mark.exists():
        say(f"first start: writing the simulated province's history since {since:%Y-%m-%d} …")
        lines = backfill(store, province, since, progress=say)
        mark.write_text(f"{lines} lines, {datetime.now(UTC).isoformat()}\n")
    store.close()
    with closing(connect(settings.state_db_path)) as conn:
        added = sum(add_event(conn, plan, e) for e in province.events)
    if added:
        say(f"recorded {added} progress events of the simulated province")
    logs = settings.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    sources = settings.data_dir / SOURCES_FILE
    sources.unlink(missing_ok=True)
    data = ["--data-dir", str(settings.data_dir)]
    simulator = _spawn(["simulate", "--port", "0", "--interval-s", f"{interval_s:g}",
                        "--sources-out", str(sources)], logs / "simulator.log")  # fmt: skip
    children = [simulator]
    atexit.register(_stop, children)
    _wait_for(sources, simulator, logs / "simulator.log")
    started = datetime.now(UTC)
    # the store the demo writes to (the embedded one, or --store's InfluxDB): by environment,
    # so that a password in the URL never shows in the process list
    store_env = {"GDWALL_STORE_URL": settings.store_url} if settings.store_url else {}
    children.append(_spawn(["collect", "--sources", str(sources), *data], logs / "collect.log",
                           store_env))  # fmt: skip
    _first_collection(settings, started, children[-1], logs / "collect.log")
    say(f"simulated province and collectors running (every {interval_s:g} s; logs in {logs})")
    from wall.bulletin import schedule as bulletin_schedule

    bulletin_schedule.start(settings, store_from_settings(settings))  # the only scheduler
    say(f"bulletins of each finished month and quarter go to {settings.bulletin_path}")
    return children


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
