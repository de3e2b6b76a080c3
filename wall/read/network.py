"""The government extranet as the network page and the node pages show it: every link of the
links file with its state as the probes say (as of now, or, for a past day, that day's last
values from the daily rollups), and 梅州's 网随云动 demonstration counted link by link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wall.core.layouts import Thresholds
from wall.core.links import Link, LinksFile
from wall.read import mapview, queries
from wall.read.queries import LinkHealth
from wall.store import Store

LINK_FIELDS = ("up", "loss", "rtt_ms", "util")


@dataclass(frozen=True)
class LinkRow:
    link: Link
    state: str  # up, degraded, down, stale, none (mapview.link_state)
    health: LinkHealth | None

    @property
    def words(self) -> str:
        return mapview.LINK_LABEL[self.state]


@dataclass(frozen=True)
class Demonstration:
    """One of the plan's network milestones, counted over the links that count for it."""

    milestone: str
    links: list[LinkRow]

    @property
    def answering(self) -> int:
        return sum(r.state in ("up", "degraded") for r in self.links)


def link_health_asof(store: Store, asof: datetime) -> dict[str, LinkHealth]:
    """Each link's last values of asof's China day (daily rollups), as link health."""
    frame = queries.counters(store, "link", LINK_FIELDS, asof)
    out = {}
    if frame.empty:
        return out
    for row in frame.itertuples(index=False):
        up = getattr(row, "up", None)
        if up is None or up != up:  # read over SNMP only that day: no probe
            continue
        out[row.link] = LinkHealth(row.node, "up" if up == 1 else "down", asof,
                                   _num(row, "rtt_ms"), _num(row, "loss"), _num(row, "util"))  # fmt: skip
    return out


def _num(row, name: str) -> float | None:
    value = getattr(row, name, None)
    return None if value is None or value != value else float(value)


def link_rows(
    links: LinksFile, health: dict[str, LinkHealth], thresholds: Thresholds | None
) -> list[LinkRow]:
    """Every link of the file, in its order, with its state."""
    return [
        LinkRow(link, mapview.link_state(health.get(link.id), thresholds), health.get(link.id))
        for link in links.links
    ]


def demonstrations(links: LinksFile, rows: list[LinkRow]) -> list[Demonstration]:
    """The plan's network milestones the links file marks (5a, 5b), each with its links."""
    by_id = {r.link.id: r for r in rows}
    milestones: list[str] = []
    for link in links.links:
        milestones += [m for m in link.milestones if m not in milestones]
    return [
        Demonstration(m, [by_id[link.id] for link in links.for_milestone(m)]) for m in milestones
    ]
