"""Alerts as the wall has seen them, kept in the app's state database: since when each holds
(the first refresh that raised it), and its acknowledgement (by whom, when, with a note).

The wall computes its alerts from the data each refresh; `sync` records what is active now
(new ones open an episode, gone ones are closed), at most once per cache bucket per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wall.core.alerts import Alert
from wall.state.db import StateConnection

MAX_NAME = 40
MAX_NOTE = 200


@dataclass(frozen=True)
class Episode:
    id: int
    kind: str
    subject: str
    level: str
    text: str
    first_seen: datetime
    last_seen: datetime
    acked_by: str | None
    acked_at: datetime | None
    ack_note: str | None


def _key(alert: Alert) -> str:
    return f"{alert.kind}:{alert.subject}"


def sync(conn: StateConnection, alerts: list[Alert], now: datetime) -> None:
    """Record the alerts active now: open new episodes, refresh the others, close the gone."""
    stamp = now.isoformat()
    active = {_key(a): a for a in alerts}
    # every wall worker records the same alerts: take the write lock before reading what is
    # open, so two of them never both open the same episode
    with conn.locked():
        known = dict(conn.execute("SELECT key, id FROM alerts WHERE cleared_at IS NULL"))
        for key, a in active.items():
            if key in known:
                conn.execute(
                    "UPDATE alerts SET last_seen = ?, level = ?, text = ? WHERE id = ?",
                    (stamp, str(a.level), a.text, known[key]),
                )
            else:
                conn.execute(
                    "INSERT INTO alerts (key, kind, subject, level, text, first_seen, last_seen)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, a.kind, a.subject, str(a.level), a.text, stamp, stamp),
                )
        for key, row_id in known.items():
            if key not in active:
                conn.execute("UPDATE alerts SET cleared_at = ? WHERE id = ?", (stamp, row_id))


def open_episodes(conn: StateConnection) -> dict[str, Episode]:
    """The open episodes by key (kind:subject)."""
    rows = conn.execute(
        "SELECT id, key, kind, subject, level, text, first_seen, last_seen, acked_by, acked_at,"
        " ack_note FROM alerts WHERE cleared_at IS NULL"
    ).fetchall()
    return {
        r[1]: Episode(r[0], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]),
                      datetime.fromisoformat(r[7]), r[8],
                      datetime.fromisoformat(r[9]) if r[9] else None, r[10])
        for r in rows
    }  # fmt: skip


class AckError(ValueError):
    """An acknowledgement that cannot be taken; the message says why."""


def acknowledge(
    conn: StateConnection, episode_id: int, by: str, note: str, now: datetime
) -> Episode:
    """Acknowledge an open alert episode; AckError if the name is missing or it is gone."""
    by, note = (by or "").strip(), (note or "").strip()
    if not by:
        raise AckError("请填写确认人")
    if len(by) > MAX_NAME or len(note) > MAX_NOTE:
        raise AckError(f"确认人最多 {MAX_NAME} 字，说明最多 {MAX_NOTE} 字")
    with conn:
        done = conn.execute(
            "UPDATE alerts SET acked_by = ?, acked_at = ?, ack_note = ?"
            " WHERE id = ? AND cleared_at IS NULL",
            (by, now.isoformat(), note or None, episode_id),
        ).rowcount
    if not done:
        raise AckError("该告警已解除或不存在")
    return next(e for e in open_episodes(conn).values() if e.id == episode_id)
