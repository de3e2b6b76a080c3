"""Open the state database and bring its schema up to date with numbered migrations.

The state database is SQLite (a file, the default) or PostgreSQL (`postgresql://…`, when
several wall hosts share it). Callers see one connection type, `StateConnection`, and write one
SQL: `?` placeholders, `with conn:` for a transaction, `conn.locked()` for a transaction that
holds the write lock, `RETURNING id` for new rows. Errors of either database come out as
StateDatabaseError (StateIntegrityError for a duplicate).

Migrations are files `NNNN_name.sql` beside this module (SQLite) and in `postgresql/` (the same
versions, in PostgreSQL's dialect), applied in order, each in one transaction;
`schema_migrations` records which ran. A database newer than the code is refused.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import ClassVar

from wall.core.chinatime import now_utc

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PG_LOCK = 741_852  # the advisory lock that serializes writers of the state (like BEGIN IMMEDIATE)


class StateDatabaseError(Exception):
    """The state database cannot be opened, migrated or asked."""


class StateIntegrityError(StateDatabaseError):
    """A row that would duplicate another."""


def is_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every migration file of a dialect, in version order."""
    folder = MIGRATIONS_DIR / "postgresql" if dialect == "postgresql" else MIGRATIONS_DIR
    found = []
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.stem[5:], path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise StateDatabaseError(f"migration numbers must run 1, 2, 3…; found {versions}")
    return found


class StateConnection:
    """One connection to the state database, SQLite or PostgreSQL, speaking one SQL."""

    def __init__(self, raw, dialect: str):
        self.raw = raw
        self.dialect = dialect
        self._depth = 0

    # -- errors of either database, as ours
    def _errors(self):
        if self.dialect == "postgresql":
            import psycopg

            return psycopg.Error, psycopg.errors.UniqueViolation
        return sqlite3.Error, sqlite3.IntegrityError

    @contextmanager
    def _translated(self) -> Iterator[None]:
        error, duplicate = self._errors()
        try:
            yield
        except duplicate as exc:
            raise StateIntegrityError(str(exc).strip()) from exc
        except error as exc:
            raise StateDatabaseError(str(exc).strip()) from exc

    def execute(self, sql: str, params: Sequence = ()):
        """Run one statement (`?` placeholders); returns the cursor."""
        with self._translated():
            if self.dialect == "postgresql":
                return self.raw.execute(sql.replace("?", "%s"), tuple(params))
            return self.raw.execute(sql, tuple(params))

    def run_script(self, sql: str) -> None:
        """Run a migration's statements (inside the caller's transaction)."""
        with self._translated():
            if self.dialect == "postgresql":
                self.raw.execute(sql)  # several statements, no parameters: one round trip
            else:
                for statement in _statements(sql):
                    self.raw.execute(statement)

    # -- transactions
    def __enter__(self) -> StateConnection:
        with self._translated():
            if self._depth == 0:
                if self.dialect == "postgresql":
                    self._tx = self.raw.transaction()
                    self._tx.__enter__()
                elif not self.raw.in_transaction:
                    self.raw.execute("BEGIN")
            self._depth += 1
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self._depth -= 1
        if self._depth:
            return
        with self._translated():
            if self.dialect == "postgresql":
                self._tx.__exit__(kind, exc, tb)
            elif kind is None:
                self.raw.commit()
            else:
                self.raw.rollback()

    @contextmanager
    def locked(self) -> Iterator[StateConnection]:
        """A transaction holding the write lock from its start: what it reads, no other writer
        changes before it commits (every wall worker records the same alerts)."""
        if self.dialect == "postgresql":
            with self:
                self.execute("SELECT pg_advisory_xact_lock(?)", (PG_LOCK,))
                yield self
        else:
            with self._translated():
                self.raw.execute("BEGIN IMMEDIATE")
            with self:
                yield self

    def commit(self) -> None:
        """Statements outside `with conn:` are already committed; kept for callers' habits."""
        with self._translated():
            if self.dialect == "sqlite" and self.raw.in_transaction and not self._depth:
                self.raw.commit()

    def close(self) -> None:
        self.raw.close()


def schema_version(conn: StateConnection) -> int:
    """Return the highest applied migration (0 for a new database)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(conn: StateConnection) -> list[int]:
    """Apply pending migrations; return the versions applied now."""
    known = migrations(conn.dialect)
    applied = []
    current = schema_version(conn)
    if current == len(known):
        return applied  # the usual case: nothing to do, and no write lock taken
    with conn.locked():  # two processes starting at once: one migrates, the other waits
        current = schema_version(conn)
    if current > len(known):
        raise StateDatabaseError(
            f"the state database is at schema {current}, newer than this code ({len(known)})"
        )
    for version, name, sql in known[current:]:
        with conn.locked():  # DDL included: a migration applies whole or not at all
            if schema_version(conn) >= version:
                continue  # another process applied it meanwhile
            conn.run_script(sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, now_utc().isoformat()),
            )
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


def connect(target: str | Path) -> StateConnection:
    """Open (creating if needed) and migrate the state database: a file path, or a
    postgresql:// URL (its password from GDWALL_STATE_PASSWORD or _FILE, never the URL)."""
    if is_url(target):
        return _connect_postgresql(str(target))
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = sqlite3.connect(path, timeout=10, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA foreign_keys=ON")
        conn = StateConnection(raw, "sqlite")
        migrate(conn)
    except (OSError, sqlite3.Error, StateDatabaseError) as exc:
        raise StateDatabaseError(f"cannot open state database {path}: {exc}") from exc
    return conn


def _connect_postgresql(url: str) -> StateConnection:
    import psycopg

    from wall.core.settings import secret_from_env

    kwargs = {"autocommit": True, "connect_timeout": 5}
    with suppress(ValueError):  # else trust, a .pgpass, or no password
        kwargs["password"] = secret_from_env("GDWALL_STATE_PASSWORD")
    shown = url.split("@")[-1]
    try:
        conn = StateConnection(psycopg.connect(url, **kwargs), "postgresql")
        migrate(conn)
    except (psycopg.Error, StateDatabaseError) as exc:
        raise StateDatabaseError(f"cannot open state database {shown}: {exc}") from exc
    return conn


class StateDB:
    """The state database as the wall's processes use it: one open connection per thread, kept
    for the thread's next request (every request's session is checked against the database:
    opening and migrating a connection each time would cost more than the check), opened
    again after an error. The one way the web and read layers reach the state."""

    _shared: ClassVar[dict[str, StateDB]] = {}

    def __init__(self, target: str | Path):
        self.target = target
        self._local = threading.local()

    @classmethod
    def shared(cls, target: str | Path) -> StateDB:
        """This process's StateDB for a target (so every part of the app keeps one set of
        connections, not one per module)."""
        key = str(target)
        if key not in cls._shared:
            cls._shared[key] = cls(target)
        return cls._shared[key]

    @property
    def cache_name(self) -> str:
        """Names this database in query-cache keys."""
        return f"state:{self.target}"

    @contextmanager
    def connection(self) -> Iterator[StateConnection]:
        """This thread's connection (a transaction is the caller's: `with conn:`)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.target)
        try:
            yield conn
        except StateDatabaseError:
            self._local.conn = None
            with suppress(Exception):
                conn.close()
            raise
