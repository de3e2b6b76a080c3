"""Sections a bulletin carries beyond its built-in tables: each a titled table computed from
the period's reads, written into every format after the built-in ones (Excel: a sheet; Word: a
heading and its table before the formulas; HTML: a table), and into the JSON record under
`sections`. Register one with @section; its rows come from the traced store, so every number
traces to its read like the others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wall.bulletin.evaluation import Period
from wall.core.plan.models import Plan
from wall.core.progress import Progress
from wall.store import Store


@dataclass(frozen=True)
class SectionInputs:
    """What a section's rows are computed from: the traced store, the plan, the progress
    events, the period and its last instant."""

    store: Store
    plan: Plan
    progress: Progress
    period: Period
    end: datetime


Rows = Callable[[SectionInputs], list[tuple]]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    head: tuple[str, ...]
    rows: Rows


SECTIONS: dict[str, Section] = {}


def section(section_id: str, title: str, head: tuple[str, ...]) -> Callable[[Rows], Rows]:
    """Register a bulletin section (its rows: a function of SectionInputs returning tuples, one
    value per column of head); a second one with the same id raises ValueError naming it."""

    def register(rows: Rows) -> Rows:
        if section_id in SECTIONS:
            raise ValueError(f"bulletin section {section_id!r} is already registered")
        SECTIONS[section_id] = Section(section_id, title, tuple(head), rows)
        return rows

    return register
