"""Progress events kept in the state database: recorded once each, listed in time order."""

from __future__ import annotations

from datetime import datetime

from wall.core.chinatime import now_utc, utc
from wall.core.plan.models import NodeState, Plan
from wall.core.progress import EventKind, ProgressEvent, validate_event
from wall.state.db import StateConnection


def add_event(conn: StateConnection, plan: Plan, event: ProgressEvent) -> bool:
    """Record an event; return False if the identical event was already recorded."""
    validate_event(plan, event)
    with conn:
        cur = conn.execute(
            "INSERT INTO progress_events (kind, subject, stage, occurred_at, evidence,"
            " recorded_by, recorded_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                event.kind.value,
                event.subject,
                event.stage.value if event.stage else "",
                utc(event.occurred_at).isoformat(),
                event.evidence,
                event.recorded_by,
                now_utc().isoformat(),
                event.origin,
            ),
        )
    return cur.rowcount == 1


def list_events(conn: StateConnection, subject: str | None = None) -> list[ProgressEvent]:
    """Return recorded events in time order, optionally for one subject."""
    sql = (
        "SELECT kind, subject, stage, occurred_at, evidence, recorded_by, origin"
        " FROM progress_events"
    )
    args: tuple = ()
    if subject is not None:
        sql += " WHERE subject = ?"
        args = (subject,)
    rows = conn.execute(sql + " ORDER BY occurred_at, id", args).fetchall()
    return [
        ProgressEvent(
            kind=EventKind(kind),
            subject=subj,
            stage=NodeState(stage) if stage else None,
            occurred_at=datetime.fromisoformat(ts),
            evidence=evidence,
            recorded_by=by,
            origin=origin,
        )
        for kind, subj, stage, ts, evidence, by, origin in rows
    ]
