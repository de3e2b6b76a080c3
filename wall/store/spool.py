"""Nothing lost: batches the store could not take wait on disk and are replayed in order.

The spool is a folder of numbered files, one per batch (JSON lines, one sample a line),
written atomically (temp file, fsync, rename). A writer always replays what is spooled
before sending anything new, so order is kept; writes are idempotent in both stores, so a
batch replayed after a lost acknowledgement is still stored once. The spool has a size
limit: reaching it raises SpoolFull — the caller pauses collection and raises an alert — and
nothing is ever dropped.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wall.store.base import Store, StoreRefused, StoreUnavailable, as_batches
from wall.store.samples import Batch, Sample

log = logging.getLogger(__name__)


class SpoolFull(Exception):
    """The spool reached its size limit: pause collection; nothing was dropped."""


@dataclass(frozen=True)
class SpoolStats:
    batches: int
    bytes: int
    limit_bytes: int
    full: bool


class Spool:
    def __init__(self, folder: str | Path, limit_bytes: int = 512 * 1024 * 1024):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.limit_bytes = limit_bytes
        self._lock = threading.Lock()
        for stray in self.folder.glob("*.tmp"):
            stray.unlink()  # a crash mid-write: the batch was never acknowledged as spooled

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.jsonl"))

    def stats(self) -> SpoolStats:
        files = self.files()
        size = sum(f.stat().st_size for f in files)
        return SpoolStats(len(files), size, self.limit_bytes, size >= self.limit_bytes)

    def put(self, batches: Iterable[Batch]) -> Path:
        """Write batches to one spool file; raise SpoolFull (writing nothing) past the limit."""
        text = "".join(
            json.dumps(
                {"m": s.measurement, "t": dict(s.tags), "f": dict(s.fields), "ts": s.time},
                ensure_ascii=False,
            )
            + "\n"
            for b in batches
            for s in b.rows()
        )
        data = text.encode()
        with self._lock:
            if self.stats().bytes + len(data) > self.limit_bytes:
                raise SpoolFull(
                    f"spool {self.folder} would exceed {self.limit_bytes} bytes: collection must pause"
                )
            files = self.files()
            number = int(files[-1].stem) + 1 if files else 1
            final = self.folder / f"{number:012d}.jsonl"
            tmp = final.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.rename(final)
            return final

    @staticmethod
    def read(path: Path) -> list[Sample]:
        samples = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                samples.append(Sample(d["m"], d["t"], d["f"], d["ts"]))
        return samples

    def replay(self, store: Store) -> int:
        """Send spooled batches oldest first; stop at the first failure. Return lines sent."""
        sent = 0
        with self._lock:
            for path in self.files():
                samples = self.read(path)
                if samples:
                    store.write(samples)
                path.unlink()
                sent += len(samples)
        return sent


class BufferedWriter:
    """Batches samples, writes them through the store, spools what the store cannot take.

    add() collects; flush() replays the spool and then writes what is buffered. When the
    store is unreachable or refuses, the batch goes to the spool and flush() returns; the
    next flush tries again. A refused batch stays spooled too (a full disk or an expired
    token are refusals that pass), and is logged so an operator can look at it.
    """

    def __init__(self, store: Store, spool: Spool, batch_lines: int = 5000):
        self.store = store
        self.spool = spool
        self.batch_lines = batch_lines
        self._buffer: list[Sample | Batch] = []
        self._buffered = 0
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self._paused = False

    @property
    def buffered(self) -> int:
        """Samples held for the next write."""
        return self._buffered

    @property
    def paused(self) -> bool:
        """True from a SpoolFull until the store takes everything again: collectors wait."""
        return self._paused or self.spool.stats().full

    def add(self, items: Sample | Batch | Iterable[Sample | Batch]) -> None:
        """Buffer samples; flush when a batch is full."""
        if isinstance(items, Sample | Batch):
            items = [items]
        with self._lock:
            for item in items:
                self._buffer.append(item)
                self._buffered += len(item) if isinstance(item, Batch) else 1
            full = self._buffered >= self.batch_lines
        if full:
            self.flush()

    def flush(self) -> bool:
        """Replay the spool, then write the buffer. Return True if the store took everything."""
        with self._lock:
            pending, self._buffer, self._buffered = self._buffer, [], 0
        batches = as_batches(pending) if pending else []
        try:
            if self.spool.files():
                self.spool.replay(self.store)
            if batches:
                self.store.write(batches)
            self.last_error = None
            self._paused = False
            return True
        except (StoreUnavailable, StoreRefused) as exc:
            self.last_error = str(exc)
            log.warning("store did not take the batch, spooling it: %s", exc)
            if batches:
                try:
                    self.spool.put(batches)
                except SpoolFull:
                    self._paused = True
                    with self._lock:  # keep them in memory: nothing is ever dropped
                        self._buffer[:0] = batches
                        self._buffered += sum(len(b) for b in batches)
                    raise
            return False
