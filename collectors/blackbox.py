"""Source type `blackbox`: the extranet links of the links file, probed at their far ends by a
Prometheus blackbox exporter (/probe?target=…&module=…) and written as the `link` measurement.

A link is up when any of its probes answered; its round-trip time is the mean duration of the
answered probes; its loss is the share of unanswered probes over the source's loss window
(this collector's own recent rounds). A probe that fails is the link's failure, written as
up 0; an exporter that does not answer is the collector's (CollectError: the runner marks the
nodes stale), so a blind collector is never reported as a link down.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from collectors.base import CollectError, ErrorKind, http_client, http_get
from collectors.config import Source
from collectors.exposition import parse_exposition
from wall.core.links import Link, Probe, load_links
from wall.store import Sample

PARALLEL = 16  # probes asked at once: a dead far end costs its timeout, not everyone's


@dataclass(frozen=True)
class Outcome:
    success: bool
    seconds: float | None  # the probe's duration (probe_duration_seconds)


class BlackboxCollector:
    def __init__(self, source: Source):
        self.source = source
        links = load_links(source.links_file)
        self.links = [link for link in links.links if link.node in source.nodes]
        # per link: (collection time, probes answered, probes asked) of the recent rounds
        self._rounds: dict[str, deque[tuple[float, int, int]]] = {}

    def probe(self, client, probe: Probe) -> Outcome:
        base = (self.source.url or "").rstrip("/")
        url = f"{base}/probe?{urlencode({'target': probe.target, 'module': probe.module})}"
        parsed = parse_exposition(http_get(client, url).text)
        values = {name: value for name, labels, value in parsed if not labels}
        if "probe_success" not in values:
            raise CollectError(ErrorKind.malformed, f"{url}: no probe_success in the answer")
        return Outcome(values["probe_success"] == 1.0, values.get("probe_duration_seconds"))

    def collect(self, now: datetime) -> list[Sample]:
        # the exporter stops probing before the source's own timeout, so a dead far end is
        # answered as probe_success 0 instead of timing the whole request out
        budget = max(self.source.timeout_s - 0.5, 0.5)
        asked = [(link, p) for link in self.links for p in link.probes]
        with (
            http_client(
                self.source, **{"X-Prometheus-Scrape-Timeout-Seconds": f"{budget:g}"}
            ) as client,
            ThreadPoolExecutor(min(PARALLEL, max(len(asked), 1))) as pool,
        ):
            outcomes = list(pool.map(lambda lp: self.probe(client, lp[1]), asked))
        per_link: dict[str, list[Outcome]] = {}
        for (link, _), outcome in zip(asked, outcomes, strict=True):
            per_link.setdefault(link.id, []).append(outcome)
        return [self._sample(link, per_link.get(link.id, []), now) for link in self.links]

    def _sample(self, link: Link, outcomes: list[Outcome], now: datetime) -> Sample:
        answered = [o for o in outcomes if o.success]
        t = now.timestamp()
        rounds = self._rounds.setdefault(link.id, deque())
        rounds.append((t, len(answered), len(outcomes)))
        while rounds and rounds[0][0] <= t - self.source.loss_window_s:
            rounds.popleft()
        total = sum(r[2] for r in rounds)
        fields: dict[str, float] = {
            "up": 1.0 if answered else 0.0,
            "loss": 1.0 - sum(r[1] for r in rounds) / total if total else 1.0,
        }
        durations = [o.seconds for o in answered if o.seconds is not None]
        if durations:
            fields["rtt_ms"] = 1000.0 * sum(durations) / len(durations)
        return Sample.make("link", {"node": link.node, "link": link.id}, fields, now)
