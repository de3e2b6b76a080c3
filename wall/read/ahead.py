"""The live read of each time bucket, made as the bucket starts rather than by its first
refresh.

Every refresh within a time bucket shares one read of the newest values (queries.live); the
first refresh of each bucket used to make it, so every screen's first refresh of a bucket
waited for the store (on InfluxDB ~800 series at ~10 µs each of the server's own time, more
than the rest of the refresh). While screens are watching, a thread of each worker makes that
read a moment before the bucket starts, under the bucket's own key: the first refresh finds it
made, and the data is as fresh as the bucket's (a bucket's answers are up to its length old
anyway). With no refresh for `watch_s`, the thread waits and reads nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from wall.read import cache, queries
from wall.store import Store

log = logging.getLogger(__name__)


class LiveAhead:
    def __init__(self, store: Store, bucket_s: float, lead_s: float = 0.4, watch_s: float = 60):
        self.store = store
        self.bucket_s = max(int(bucket_s), 1)
        self.lead_s = min(lead_s, self.bucket_s / 2)
        self.watch_s = watch_s
        self.read_for: list[datetime] = []  # the buckets read ahead, the newest last (10 kept)
        self._seen = float("-inf")
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def seen(self) -> None:
        """A screen refreshed: read each bucket's live values ahead for the next watch_s (a
        store whose every read must be seen, or no cache to keep the read in: never)."""
        if getattr(self.store, "uncached", False) or cache.current().kind == "off":
            return
        self._seen = time.monotonic()
        self._wake.set()
        with self._guard:  # started in the worker that serves (a thread does not fork)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="live-ahead", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            if time.monotonic() - self._seen > self.watch_s:
                self._wake.clear()  # then looked at again: a screen seen just before stays seen
                if time.monotonic() - self._seen > self.watch_s:
                    self._wake.wait()
                continue
            now = time.time()
            start = now - now % self.bucket_s + self.bucket_s  # the next bucket's
            time.sleep(max(0.0, start - self.lead_s - now))
            bucket = cache.bucket(datetime.fromtimestamp(start, UTC), self.bucket_s)
            try:
                queries.live(self.store, bucket)
                self.read_for = [*self.read_for[-9:], bucket]
            except Exception as exc:  # the bucket's first refresh reads, and says what failed
                log.info("live read ahead of %s failed: %s", bucket, exc)
            time.sleep(max(0.0, start - time.time()))  # into the bucket read, not again
