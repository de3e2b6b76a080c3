"""The runner: every source on its own interval, concurrently, isolated, self-monitored.

Each attempt runs in a worker thread with the source's timeout, retried with exponential
backoff and jitter on failures that may pass (timeouts, refused connections, 5xx). A source
that hangs or fails never delays the others: its job is simply not rescheduled until it ends.
After every attempt a `collector` sample per node records ok, duration, points and the error,
so the wall can tell "node down" from "collector blind". The runner writes through a
BufferedWriter, so a store that is down spools and nothing is lost; when the spool is full,
collection pauses and says so.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

from collectors.base import CollectError, Collector, ErrorKind
from collectors.config import Source
from collectors.registry import build
from wall.store import Sample
from wall.store.spool import BufferedWriter, SpoolFull

log = logging.getLogger(__name__)
RETRYABLE = (ErrorKind.timeout, ErrorKind.refused, ErrorKind.dns, ErrorKind.unreachable,
             ErrorKind.http_error)  # fmt: skip
QUIET_S = 0.1  # in run_once, no attempt ending for this long means the rest are slow


@dataclass(frozen=True)
class Attempt:
    source: str
    nodes: tuple[str, ...]
    ok: bool
    duration_ms: float
    points: int
    error: str | None
    tries: int
    samples: tuple[Sample, ...] = ()


def collect_with_retries(
    collector: Collector,
    retries: int = 2,
    backoff_s: float = 0.5,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> Attempt:
    """One attempt at a source (with retries): samples on success, the last error otherwise."""
    source = collector.source
    start = time.perf_counter()
    error: CollectError | None = None
    tries = 0
    for tries in range(1, retries + 2):
        try:
            samples = collector.collect(clock())
            return Attempt(
                source.name,
                tuple(source.nodes),
                True,
                _ms(start),
                len(samples),
                None,
                tries,
                tuple(samples),
            )
        except CollectError as exc:
            error = exc
            if exc.kind not in RETRYABLE or tries > retries:
                break
            sleep(backoff_s * 2 ** (tries - 1) * (0.5 + random.random()))  # jitter
        except Exception as exc:  # a bug in a collector must not stop the others
            log.exception("collector %s crashed", source.name)
            error = CollectError(ErrorKind.malformed, f"collector crashed: {exc!r}")
            break
    return Attempt(source.name, tuple(source.nodes), False, _ms(start), 0, str(error), tries)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def monitoring_samples(attempt: Attempt, now: datetime) -> list[Sample]:
    """The self-monitoring `collector` samples of one attempt, one per node of the source."""
    out = []
    for node in attempt.nodes:
        fields: dict = {"ok": 1.0 if attempt.ok else 0.0, "duration_ms": attempt.duration_ms,
                        "points": float(sum(1 for s in attempt.samples if s.tags.get("node") == node))}  # fmt: skip
        if attempt.error:
            fields["error"] = attempt.error.replace("\n", " ")[:500]
        out.append(Sample.make("collector", {"source": attempt.source, "node": node}, fields, now))
    return out


class Runner:
    def __init__(
        self,
        sources: Sequence[Source],
        writer: BufferedWriter,
        retries: int = 2,
        backoff_s: float = 0.5,
        max_workers: int | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
        flush_every_s: float = 1.0,
        retention_every_s: float = 3600.0,
    ):
        self.sources = list(sources)
        self.collectors = {s.name: build(s) for s in self.sources}
        self.writer = writer
        self.retries = retries
        self.backoff_s = backoff_s
        self.on_attempt = on_attempt
        self._pool = ThreadPoolExecutor(
            max_workers=max_workers or max(4, len(self.sources)), thread_name_prefix="collect"
        )
        self._running: dict[str, Future] = {}
        self._stop = threading.Event()
        self._write_lock = threading.Lock()
        self.flush_every_s = flush_every_s
        self.retention_every_s = retention_every_s
        self.paused = False
        self.last: dict[str, Attempt] = {}  # each source's latest attempt (for /metrics)
        self.outcomes: dict[tuple[str, bool], int] = {}

    def _attempt(self, name: str) -> Attempt:
        attempt = collect_with_retries(self.collectors[name], self.retries, self.backoff_s)
        now = datetime.now(UTC)
        self.last[name] = attempt
        key = (name, attempt.ok)
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        with self._write_lock:
            try:
                # buffered: one write per flush period, not one per source (rollups, HTTP)
                self.writer.add([*attempt.samples, *monitoring_samples(attempt, now)])
            except SpoolFull as exc:
                self._pause(exc)
        if self.on_attempt:
            self.on_attempt(attempt)
        return attempt

    def _pause(self, exc: Exception) -> None:
        self.paused = True
        log.critical("collection paused: %s", exc)

    def flush(self) -> None:
        """Write what the attempts produced (the spool keeps it if the store is away)."""
        with self._write_lock:
            try:
                self.writer.flush()
                self.paused = False
            except SpoolFull as exc:
                self._pause(exc)

    def run_once(self, timeout_s: float | None = None) -> list[Attempt]:
        """Collect every source once, concurrently; return the attempts in source order."""
        futures = {s.name: self._pool.submit(self._attempt, s.name) for s in self.sources}
        limit = (
            timeout_s
            or max(s.timeout_s for s in self.sources) * (self.retries + 1)
            + 5 * self.retries * self.backoff_s
            + 5
        )
        deadline = time.monotonic() + limit
        pending = set(futures.values())
        while pending and time.monotonic() < deadline:
            wait_s = min(QUIET_S, max(deadline - time.monotonic(), 0))
            done, pending = wait(pending, timeout=wait_s, return_when=FIRST_COMPLETED)
            if not done and pending and self.writer.buffered:
                # the sources still out are slow (hanging until their timeout): write what
                # the others gave meanwhile, so the cycle ends soon after the slowest source
                self.flush()
        attempts = []
        for source in self.sources:
            try:
                attempts.append(futures[source.name].result(max(deadline - time.monotonic(), 0)))
            except TimeoutError:
                attempts.append(
                    Attempt(
                        source.name,
                        tuple(source.nodes),
                        False,
                        limit * 1000,
                        0,
                        "timeout: still running",
                        0,
                    )
                )
        self.flush()
        return attempts

    def run(self, tick_s: float = 0.2) -> None:
        """Collect every source on its interval until stop(); then flush what is held."""
        due = {s.name: time.monotonic() for s in self.sources}
        by_name = {s.name: s for s in self.sources}
        flushed = time.monotonic()
        pruned = time.monotonic() - self.retention_every_s  # once at start, then periodically
        while not self._stop.is_set():
            now = time.monotonic()
            if now - flushed >= self.flush_every_s:
                self._pool.submit(self.flush)  # never let a slow store hold up scheduling
                flushed = now
            if now - pruned >= self.retention_every_s:
                self._pool.submit(self.apply_retention)
                pruned = now
            for name, at in due.items():
                if now < at:
                    continue
                running = self._running.get(name)
                if running is not None and not running.done():
                    continue  # still busy (hanging source): never stack attempts
                if self.paused and self.writer.paused:
                    continue
                self._running[name] = self._pool.submit(self._attempt, name)
                due[name] = now + by_name[name].interval_s
            self._stop.wait(tick_s)
        self.close()

    def apply_retention(self) -> None:
        """Drop what the store's retention no longer keeps (the collector process does it, so
        the wall's workers only ever read)."""
        try:
            self.writer.store.apply_retention(datetime.now(UTC))
        except Exception as exc:  # a store that is away now will be pruned next time
            log.warning("retention not applied: %s", exc)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Stop: attempts under way finish (each within its source's timeout) and everything
        they produced is written or spooled; nothing printed as collected is lost."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._write_lock:
            try:
                self.writer.flush()
            except SpoolFull:
                log.critical(
                    "spool full at shutdown: unsent samples stay in memory and are lost with the process"
                )
