"""An alert as the wall raises it: what needs attention, about which node or milestone, how
badly. The read layer raises them; the state database keeps their episodes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wall.core.layouts import Level


@dataclass(frozen=True)
class Alert:
    level: Level  # bad or warn
    kind: str  # down, stale, utilization, cpu, overdue, security
    subject: str  # a node or milestone id
    text: str
    since: datetime | None = None  # when it began, where the plan says (a deadline passed)
