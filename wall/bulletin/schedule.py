"""Bulletins on a schedule: each finished month and each finished quarter gets its bulletin in
the archive folder, once. Run by one process only (the collectors' or the demo's), never by
the wall's workers; a missed run catches up at the next check."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta
from pathlib import Path

from wall.bulletin.content import BulletinError
from wall.bulletin.evaluation import parse_period
from wall.bulletin.make import make
from wall.core.chinatime import CHINA, now_utc
from wall.core.settings import Settings
from wall.store import Store

log = logging.getLogger(__name__)
SCHEDULED_FORMATS = ["xlsx", "docx", "html"]  # pdf too when LibreOffice is installed


def finished_periods(today: date) -> list[str]:
    """The last finished month and the last finished quarter, as period labels."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_end = quarter_start - timedelta(days=1)
    q = (last_quarter_end.month - 1) // 3 + 1
    return [f"{last_month_end:%Y-%m}", f"{last_quarter_end.year}-Q{q}"]


def archived(archive: Path, label: str) -> bool:
    return (archive / f"bulletin-{label}.json").exists()


def run_due(settings: Settings, store: Store, today: date | None = None) -> list[Path]:
    """Write the bulletins of the finished periods the archive lacks; return what was written."""
    import shutil

    today = today or now_utc().astimezone(CHINA).date()
    archive = settings.bulletin_path
    formats = SCHEDULED_FORMATS + (["pdf"] if shutil.which("soffice") else [])
    written: list[Path] = []
    for label in finished_periods(today):
        if archived(archive, label):
            continue
        try:
            written += make(settings, store, parse_period(label, today), formats, archive)
        except BulletinError as exc:  # e.g. no data for that period: say so, go on
            log.warning("scheduled bulletin %s not written: %s", label, exc)
    return written


def start(settings: Settings, store: Store, every_s: float = 3600) -> threading.Thread:
    """Check for due bulletins now and then every `every_s` seconds, in a daemon thread."""

    def loop() -> None:
        stop = threading.Event()
        while True:
            try:
                for path in run_due(settings, store):
                    log.info("scheduled bulletin written: %s", path)
            except Exception:  # a failed run is logged and tried again at the next check
                log.exception("scheduled bulletins failed")
            stop.wait(every_s)

    thread = threading.Thread(target=loop, daemon=True, name="bulletins")
    thread.start()
    return thread
