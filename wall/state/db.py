"""Open the state database and bring its schema up to date with numbered migrations.

Migrations are files `NNNN_name.sql` beside this module, applied in order, each in one
transaction; `schema_migrations` records which ran. A database newer than the code is refused.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wall.chinatime import now_utc

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class StateDatabaseError(Exception):
    """The state database cannot be opened or migrated."""


def migrations() -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every migration file, in version order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.stem[5:], path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise StateDatabaseError(f"migration numbers must run 1, 2, 3…; found {versions}")
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    """Return the highest applied migration (0 for a new database)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations; return the versions applied now."""
    current = schema_version(conn)
    known = migrations()
    if current > len(known):
        raise StateDatabaseError(
            f"the state database is at schema {current}, newer than this code ({len(known)})"
        )
    applied = []
    for version, name, sql in known[current:]:
        conn.execute("BEGIN")  # DDL included: a migration applies whole or not at all
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, now_utc().isoformat()),
            )
        except sqlite3.Error:
            conn.rollback()
            raise
        conn.commit()
        applied.append(version)
    return applied


def _statements(sql: str) -> list[str]:
    """Whole statements (a trigger's BEGIN … END with its inner semicolons is one)."""
    out, buffer = [], ""
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip().rstrip(";").strip())
            buffer = ""
    if buffer.strip():
        raise StateDatabaseError(f"unfinished statement in a migration: {buffer.strip()[:80]}")
    return [s for s in out if s]


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the state database at path."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
    except (OSError, sqlite3.Error) as exc:
        raise StateDatabaseError(f"cannot open state database {path}: {exc}") from exc
    return conn
