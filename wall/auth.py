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

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from werkzeug.security import check_password_hash, generate_password_hash

from wall.chinatime import now_utc
from wall.state.db import StateConnection, StateIntegrityError


class Role(StrEnum):
    screen = "screen"
    operator = "operator"
    evaluator = "evaluator"
    admin = "admin"


ROLE_LABEL = {
    Role.screen: "大屏",
    Role.operator: "运维",
    Role.evaluator: "评估",
    Role.admin: "管理员",
}
MIN_PASSWORD = 10
WEAK = {"password", "admin", "123456", "12345678", "qwerty", "gdwall", "changeme", "abc123"}
MAX_FAILURES = 5  # failed sign-ins per name or address …
FAILURE_WINDOW = timedelta(minutes=15)  # … within this window, then sign-in is refused


class AuthError(ValueError):
    """A user or token operation refused; the message says why (in the wall's language)."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    kind: str = "user"  # "user", or "token" for a kiosk screen signed in by its token
    id: int = 0


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
    check_password(password, name)
    with conn:
        cur = conn.execute(
            "UPDATE users SET password_hash = ? WHERE name = ?",
            (generate_password_hash(password), name),
        )
    if cur.rowcount == 0:
        raise AuthError(f"没有此用户：{name}")


def disable_user(conn: StateConnection, name: str) -> None:
    with conn:
        cur = conn.execute(
            "UPDATE users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL",
            (now_utc().isoformat(), name),
        )
    if cur.rowcount == 0:
        raise AuthError(f"没有此用户或已停用：{name}")


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
    return row[0]


def list_tokens(conn: StateConnection) -> list[tuple]:
    """(id, label, created_by, created_at, last_used_at, revoked_at) of every token."""
    return conn.execute(
        "SELECT id, label, created_by, created_at, last_used_at, revoked_at FROM tokens ORDER BY id"
    ).fetchall()


# -- the audit trail


AUDIT_COLUMNS = ("时间", "用户", "角色", "操作", "对象", "详情", "来源地址")
ACTION_LABEL = {
    "login": "登录", "login_failed": "登录失败", "login_throttled": "登录受限", "logout": "退出",
    "token_login": "大屏令牌登录", "token_refused": "令牌无效", "export": "导出排名",
    "bulletin_download": "下载通报", "bulletin_make": "生成通报", "alert_ack": "确认告警",
    "user_add": "新增用户", "user_password": "修改密码", "user_disable": "停用用户",
    "token_add": "新增大屏令牌", "token_revoke": "吊销大屏令牌", "audit_export": "导出审计日志",
    "config_change": "配置变更", "thresholds_edit": "修改告警阈值",
}  # fmt: skip


def audit(
    conn: StateConnection,
    action: str,
    who: User | str | None = None,
    target: str | None = None,
    detail: str | None = None,
    remote: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry (never a password: callers pass what was done, not what was typed)."""
    name, role = (who.name, str(who.role)) if isinstance(who, User) else (who, None)
    with conn:
        conn.execute(
            "INSERT INTO audit (at, who, role, action, target, detail, remote)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((at or now_utc()).isoformat(), name, role, action, target, detail, remote),
        )


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
        conn.execute(
            "INSERT INTO audit (at, who, role, action, target, detail, remote)"
            " VALUES (?, 'file', NULL, 'config_change', ?, ?, NULL)",
            (now_utc().isoformat(), target, detail),
        )
    return True


def audit_entries(conn: StateConnection, limit: int | None = None) -> list[tuple]:
    """The newest first: (at, who, role, action, target, detail, remote)."""
    sql = "SELECT at, who, role, action, target, detail, remote FROM audit ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return conn.execute(sql).fetchall()


def audit_csv(conn: StateConnection) -> bytes:
    """The whole log as CSV (UTF-8 with BOM, so Excel opens the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    writer.writerows(reversed(audit_entries(conn)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def recent_failures(conn: StateConnection, name: str, remote: str | None) -> int:
    """Failed sign-ins for this name or from this address within the window (the throttle)."""
    since = (now_utc() - FAILURE_WINDOW).isoformat()
    row = conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'login_failed' AND at >= ?"
        " AND (target = ? OR remote = ?)",
        (since, name, remote or ""),
    ).fetchone()
    return row[0]
