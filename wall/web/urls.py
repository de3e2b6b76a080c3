"""Addresses the panels and pages link to (below both, so neither imports the other)."""

from __future__ import annotations

from datetime import date


def node_href(node_id: str, replay_day: date | None = None) -> str:
    """The node page's address, as of the replayed day if the wall shows one."""
    return f"/node/{node_id}" + (f"?asof={replay_day.isoformat()}" if replay_day else "")
