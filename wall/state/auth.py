"""Who may use the wall: local users with salted, slow password hashes, the kiosk tokens of the
command-centre screens, and the append-only audit trail. All of it lives in the app's state
database (migration 0003).

Roles, from least to most: `screen` (the wall's screens only), `operator` (every read-only
page, and acknowledging alerts), `evaluator` (read-only pages, bulletins and exports), `admin`
(everything, and users, tokens and the audit log). The policy over routes and callbacks is in
wall/access.py.

The seam for LDAP or OIDC is `Directory`: a sign-in asks it to verify a name and password and
gets a User back; LocalDirectory is the one here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from werkzeug.security import check_password_hash, generate_password_hash

from wall.core.chinatime import now_utc
from wall.core.roles import (  # noqa: F401 - the roles and words live in the core; kept here too
    ACTION_LABEL,
    AUDIT_COLUMNS,
    MIN_PASSWORD,
    ROLE_LABEL,
    Role,
    User,
)
from wall.state.db import StateConnection, StateIntegrityError

WEAK = {"password", "admin", "123456", "12345678", "qwerty", "gdwall", "changeme", "abc123"}
MAX_FAILURES = 5  # failed sign-ins of one name from one address …
FAILURE_WINDOW = timedelta(minutes=15)  # … within this window (doubling as failures go on)
MAX_ADDRESS_FAILURES = 20  # failed sign-ins from one address, whatever the names


class AuthError(ValueError):
    """A user or token operation refused; the message says why (in the wall's language)."""


def check_password(password: str, name: str = "") -> None:
    """Refuse short, common or name-like passwords (there are no default passwords)."""
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"密码至少 {MIN_PASSWORD} 个字符")
    lowered = password.lower()
    if (
        lowered in WEAK
        or any(w in lowered for w in ("password", "123456"))
        or (name and name.lower() in lowered)
    ):
        raise AuthError("密码过于简单（不得为常见密码或包含用户名）")


def add_user(conn: StateConnection, name: str, role: Role | str, password: str) -> User:
    name = (name or "").strip()
    if not name or len(name) > 40 or any(c in name for c in "<>\"'&/\\ "):
        raise AuthError("用户名须为 1–40 个字符，不含空格和 <>\"'&/\\")
    try:
        role = Role(role)
    except ValueError:
        raise AuthError(f"未知角色：{role}（可用 {'、'.join(Role)}）") from None
    check_password(password, name)
    try:
        with conn:
            (user_id,) = conn.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (name, str(role), generate_password_hash(password), now_utc().isoformat()),
            ).fetchone()
    except StateIntegrityError:
        raise AuthError(f"用户已存在：{name}") from None
    return User(name, role, id=user_id)


def set_password(conn: StateConnection, name: str, password: str) -> None:
    """Set a user's password; every session the user holds ends (a stolen cookie with it)."""
    check_password(password, name)
    with conn:
        cur = conn.execute(
            "UPDATE users SET password_hash = ? WHERE name = ? RETURNING id",
            (generate_password_hash(password), name),
        )
        row = cur.fetchone()
        if row is None:
            raise AuthError(f"没有此用户：{name}")
        end_sessions(conn, "user", row[0])


def disable_user(conn: StateConnection, name: str) -> None:
    with conn:
        row = conn.execute(
            "UPDATE users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL RETURNING id",
            (now_utc().isoformat(), name),
        ).fetchone()
        if row is None:
            raise AuthError(f"没有此用户或已停用：{name}")
        end_sessions(conn, "user", row[0])


def list_users(conn: StateConnection) -> list[tuple[str, str, str, str | None]]:
    """(name, role, created_at, disabled_at) of every user."""
    return conn.execute(
        "SELECT name, role, created_at, disabled_at FROM users ORDER BY name"
    ).fetchall()


def has_admin(conn: StateConnection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1"
    ).fetchone()
    return row is not None


class Directory(Protocol):
    """Where names and passwords are verified (local now; LDAP or OIDC later)."""

    def verify(self, conn: StateConnection, name: str, password: str) -> User | None: ...


class LocalDirectory:
    # a hash to check against when the name is unknown, so both cases take as long
    _dummy = generate_password_hash("unknown-user-dummy-password")

    def verify(self, conn: StateConnection, name: str, password: str) -> User | None:
        row = conn.execute(
            "SELECT id, name, role, password_hash FROM users WHERE name = ? AND disabled_at IS NULL",
            (name,),
        ).fetchone()
        if row is None:
            check_password_hash(self._dummy, password or "")
            return None
        if not check_password_hash(row[3], password or ""):
            return None
        return User(row[1], Role(row[2]), id=row[0])


def active_user(conn: StateConnection, kind: str, ident: int) -> User | None:
    """The user or token a session names, if it is still enabled / not revoked."""
    if kind == "token":
        row = conn.execute(
            "SELECT id, label, role FROM tokens WHERE id = ? AND revoked_at IS NULL", (ident,)
        ).fetchone()
        return None if row is None else User(f"token:{row[1]}", Role(row[2]), "token", row[0])
    row = conn.execute(
        "SELECT id, name, role FROM users WHERE id = ? AND disabled_at IS NULL", (ident,)
    ).fetchone()
    return None if row is None else User(row[1], Role(row[2]), "user", row[0])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn: StateConnection, label: str, created_by: str) -> tuple[int, str]:
    """A long random token for a kiosk screen (role screen); returned once, stored hashed."""
    label = (label or "").strip()
    if not label or len(label) > 60:
        raise AuthError("令牌须有 1–60 个字符的名称（哪块屏）")
    token = secrets.token_urlsafe(32)
    with conn:
        (token_id,) = conn.execute(
            "INSERT INTO tokens (label, role, token_sha256, created_by, created_at)"
            " VALUES (?, 'screen', ?, ?, ?) RETURNING id",
            (label, _digest(token), created_by, now_utc().isoformat()),
        ).fetchone()
    return token_id, token


def token_user(conn: StateConnection, token: str) -> User | None:
    row = conn.execute(
        "SELECT id, label, role FROM tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
        (_digest(token or ""),),
    ).fetchone()
    if row is None:
        return None
    with conn:
        conn.execute(
            "UPDATE tokens SET last_used_at = ? WHERE id = ?", (now_utc().isoformat(), row[0])
        )
    return User(f"token:{row[1]}", Role(row[2]), "token", row[0])


def revoke_token(conn: StateConnection, token_id: int) -> str:
    with conn:
        row = conn.execute(
            "SELECT label FROM tokens WHERE id = ? AND revoked_at IS NULL", (token_id,)
        ).fetchone()
        if row is None:
            raise AuthError(f"没有此令牌或已吊销：{token_id}")
        conn.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ?", (now_utc().isoformat(), token_id)
        )
        end_sessions(conn, "token", token_id)
    return row[0]


def list_tokens(conn: StateConnection) -> list[tuple]:
    """(id, label, created_by, created_at, last_used_at, revoked_at) of every token."""
    return conn.execute(
        "SELECT id, label, created_by, created_at, last_used_at, revoked_at FROM tokens ORDER BY id"
    ).fetchall()


# -- sessions: the cookie names one; the server can end it


def start_session(
    conn: StateConnection, user: User, lifetime: timedelta, remote: str | None
) -> tuple[str, datetime]:
    """A new session for a signed-in user or screen: its id (for the cookie; only its hash is
    kept) and when it expires. Sessions that expired a day ago are dropped on the way."""
    sid = secrets.token_urlsafe(32)
    now = now_utc()
    expires = now + lifetime
    with conn:
        conn.execute(
            "DELETE FROM sessions WHERE expires_at < ?", ((now - timedelta(days=1)).isoformat(),)
        )
        conn.execute(
            "INSERT INTO sessions (sid_sha256, kind, subject_id, created_at, expires_at, remote)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (_digest(sid), user.kind, user.id, now.isoformat(), expires.isoformat(), remote),
        )
    return sid, expires


def session_user(conn: StateConnection, sid: str) -> User | None:
    """The user or screen of a live session: not ended, not expired, still enabled."""
    row = conn.execute(
        "SELECT kind, subject_id FROM sessions WHERE sid_sha256 = ? AND ended_at IS NULL"
        " AND expires_at > ?",
        (_digest(sid or ""), now_utc().isoformat()),
    ).fetchone()
    return None if row is None else active_user(conn, row[0], row[1])


def end_session(conn: StateConnection, sid: str) -> None:
    with conn:
        conn.execute(
            "UPDATE sessions SET ended_at = ? WHERE sid_sha256 = ? AND ended_at IS NULL",
            (now_utc().isoformat(), _digest(sid or "")),
        )


def end_sessions(conn: StateConnection, kind: str, subject_id: int) -> None:
    """End every session of a user or a screen's token (password changed, disabled, revoked)."""
    with conn:
        conn.execute(
            "UPDATE sessions SET ended_at = ? WHERE kind = ? AND subject_id = ? AND ended_at IS NULL",
            (now_utc().isoformat(), kind, subject_id),
        )


# -- sign-in attempts: reserved before the password is checked, so that parallel guesses get
# no more checks than the limit; counted per name and address, and per address


def reserve_attempt(conn: StateConnection, name: str, remote: str) -> int | None:
    """Reserve one password check for this name from this address, or None while throttled:
    MAX_FAILURES failures of the pair within FAILURE_WINDOW (a window that doubles with every
    further MAX_FAILURES failures of the day), or MAX_ADDRESS_FAILURES from the address. A
    name's failures from other addresses never refuse this one."""
    now = now_utc()
    with conn.locked():
        rows = conn.execute(
            "SELECT name, at FROM login_attempts WHERE remote = ? AND at >= ?"
            " AND outcome IN ('pending', 'failed')",
            (remote, (now - timedelta(days=1)).isoformat()),
        ).fetchall()
        pair = [at for n, at in rows if n == name]
        window = min(FAILURE_WINDOW * 2 ** max(0, len(pair) // MAX_FAILURES - 1), timedelta(days=1))
        recent_pair = sum(1 for at in pair if at >= (now - window).isoformat())
        recent_address = sum(1 for _, at in rows if at >= (now - FAILURE_WINDOW).isoformat())
        if recent_pair >= MAX_FAILURES or recent_address >= MAX_ADDRESS_FAILURES:
            return None
        (attempt,) = conn.execute(
            "INSERT INTO login_attempts (at, name, remote, outcome) VALUES (?, ?, ?, 'pending')"
            " RETURNING id",
            (now.isoformat(), name, remote),
        ).fetchone()
    return attempt


def settle_attempt(conn: StateConnection, attempt: int, ok: bool, name: str, remote: str) -> None:
    """Record how a reserved check ended; a success clears the pair's earlier failures."""
    with conn:
        conn.execute(
            "UPDATE login_attempts SET outcome = ? WHERE id = ?",
            ("ok" if ok else "failed", attempt),
        )
        if ok:
            conn.execute(
                "UPDATE login_attempts SET outcome = 'cleared' WHERE name = ? AND remote = ?"
                " AND outcome = 'failed'",
                (name, remote),
            )


# -- the audit trail


def audit(
    conn: StateConnection,
    action: str,
    who: User | str | None = None,
    target: str | None = None,
    detail: str | None = None,
    remote: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry (never a password: callers pass what was done, not what was typed),
    chained to the entry before it."""
    name, role = (who.name, str(who.role)) if isinstance(who, User) else (who, None)
    values = ((at or now_utc()).isoformat(), name, role, action, target, detail, remote)
    with conn.locked():  # one writer at a time: each entry hashes the one before
        _append(conn, values)


def audit_config(conn: StateConnection, target: str, files: list) -> bool:
    """Record a configuration file set (the registry, layouts and thresholds) when its content
    differs from the last recorded: each change is in the trail once, whichever process saw it
    first. Returns whether it was recorded."""
    digest = hashlib.sha256()
    for path in sorted(files, key=str):
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    detail = f"sha256={digest.hexdigest()[:16]}"
    with conn.locked():
        last = conn.execute(
            "SELECT detail FROM audit WHERE action = 'config_change' AND target = ?"
            " ORDER BY id DESC LIMIT 1",
            (target,),
        ).fetchone()
        if last is not None and last[0] == detail:
            return False
        _append(conn, (now_utc().isoformat(), "file", None, "config_change", target, detail, None))
    return True


# The chain: each row's hash covers the hash of the row before and the row's own content, so a
# row changed, removed or inserted by whoever owns the database breaks the chain at that row
# (the triggers stop everyone else). Rows written before the chain began (schema 4) are covered
# together by the first chained row's predecessor hash.
_CONTENT = "at, who, role, action, target, detail, remote"


def _row_hash(prev: str, values) -> str:
    text = json.dumps([prev, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unchained_hash(rows) -> str:
    text = json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _append(conn: StateConnection, values: tuple) -> None:
    """Insert one entry after the chain's head (the caller holds the write lock)."""
    last = conn.execute("SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    if last is None:
        prev = ""
    elif last[0] is not None:
        prev = last[0]
    else:  # the first entry since the chain began: it covers every entry before it
        prev = _unchained_hash(
            conn.execute(f"SELECT id, {_CONTENT} FROM audit ORDER BY id").fetchall()
        )
    conn.execute(
        f"INSERT INTO audit ({_CONTENT}, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*values, prev, _row_hash(prev, values)),
    )


@dataclass(frozen=True)
class ChainCheck:
    rows: int
    unchained: int  # entries written before the chain began (covered as one block)
    head: str  # the last entry's hash: keep it elsewhere to detect a rewritten chain
    broken_at: int | None = None  # the id of the first entry that does not fit
    reason: str | None = None


def verify_audit_chain(conn: StateConnection) -> ChainCheck:
    """Walk the audit log in order and name the first entry that does not fit the chain."""
    rows = unchained = 0
    before: list = []
    prev: str | None = None
    cur = conn.execute(f"SELECT id, {_CONTENT}, prev_hash, row_hash FROM audit ORDER BY id")
    for row in cur:
        rows += 1
        ident, values, prev_hash, row_hash = row[0], tuple(row[1:8]), row[8], row[9]
        if row_hash is None:
            if prev is not None:
                return ChainCheck(rows, unchained, prev, ident, "不符：链开始后出现未入链的记录")
            unchained += 1
            before.append(row[:8])
            continue
        if prev is None:
            prev = _unchained_hash(before) if before else ""
        if prev_hash != prev:
            return ChainCheck(rows, unchained, prev, ident,
                              "不符：与前一条记录不衔接（其前的记录被删除、插入或改动）")  # fmt: skip
        if row_hash != _row_hash(prev_hash, values):
            return ChainCheck(
                rows, unchained, prev, ident, "不符：内容与其哈希不一致（记录被改动）"
            )
        prev = row_hash
    return ChainCheck(rows, unchained, prev or "")


def audit_entries(conn: StateConnection, limit: int | None = None) -> list[tuple]:
    """The newest first: (at, who, role, action, target, detail, remote)."""
    sql = "SELECT at, who, role, action, target, detail, remote FROM audit ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return conn.execute(sql).fetchall()


def audit_csv(conn: StateConnection) -> bytes:
    """The whole log as CSV (UTF-8 with BOM, so Excel opens the Chinese right); no cell is ever
    a formula (a name typed at the sign-in form is anyone's text)."""
    from wall.core.spreadsheet import csv_bytes

    return csv_bytes(AUDIT_COLUMNS, reversed(audit_entries(conn)))
