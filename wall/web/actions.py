"""What the pages change, each operation audited as the signed-in user: acknowledging an alert,
making a bulletin, adding and disabling users, creating and revoking screen tokens, replacing
the thresholds. Pages call these; they never open the state database themselves. Each raises
ActionRefused (the reason in Chinese) when it cannot be done."""

from __future__ import annotations

from datetime import datetime

from wall import bulletin
from wall.bulletin.evaluation import PeriodError, parse_period
from wall.core.chinatime import CHINA, now_utc
from wall.core.configfile import ConfigError
from wall.core.layouts import replace_thresholds
from wall.state import alertlog, auth
from wall.store import StoreError
from wall.web import access


class ActionRefused(ValueError):
    """An operation refused; the message says why."""


def acknowledge(services, episode_id: int, by: str | None, note: str | None) -> None:
    """Acknowledge an alert episode (signed in, it is the user's, whatever name was typed)."""
    user = access.signed_in()
    who = user.name if user is not None else by
    with services.state.connection() as conn:
        try:
            alertlog.acknowledge(conn, episode_id, who, note, now_utc())
        except alertlog.AckError as exc:
            raise ActionRefused(str(exc)) from None
    services.audit("alert_ack", str(episode_id), (note or "")[:200])
    services.backend.forget_episodes()  # read the acknowledgement back at the next refresh


def make_bulletin(services, period_text: str, formats: list[str]) -> str:
    """Make a period's bulletin into the archive; returns the period's label."""
    if not formats:
        raise ActionRefused("请至少选择一种格式")
    try:
        period = parse_period(period_text or "", datetime.now(CHINA).date())
        written = bulletin.make(services.settings, services.store, period, list(formats))
    except (PeriodError, bulletin.BulletinError, StoreError, ConfigError) as exc:
        raise ActionRefused(str(exc)) from None
    services.audit("bulletin_make", period.label, "、".join(p.name for p in written))
    return period.label


def add_user(services, name: str, role: str, password: str) -> str:
    with services.state.connection() as conn:
        try:
            user = auth.add_user(conn, name or "", role or "", password or "")
        except auth.AuthError as exc:
            raise ActionRefused(str(exc)) from None
    services.audit("user_add", user.name, f"role={user.role}")
    return user.name


def disable_user(services, name: str) -> None:
    with services.state.connection() as conn:
        try:
            auth.disable_user(conn, name)
        except auth.AuthError as exc:
            raise ActionRefused(str(exc)) from None
    services.audit("user_disable", name)


def create_token(services, label: str) -> str:
    """A new screen token; returns its sign-in address (shown once, never kept)."""
    from flask import request

    user = access.signed_in()
    with services.state.connection() as conn:
        try:
            token_id, token = auth.create_token(conn, label or "", user.name if user else "演示")
        except auth.AuthError as exc:
            raise ActionRefused(str(exc)) from None
    services.audit("token_add", f"{token_id}:{label}")
    return f"{request.host_url.rstrip('/')}/login/token/{token}"


def revoke_token(services, token_id: int) -> str:
    """Revoke a screen token; returns its label."""
    with services.state.connection() as conn:
        try:
            label = auth.revoke_token(conn, token_id)
        except (auth.AuthError, ValueError) as exc:
            raise ActionRefused(str(exc)) from None
    services.audit("token_revoke", f"{token_id}:{label}")
    return label


def save_thresholds(services, text: str) -> None:
    """Replace thresholds.yaml: validated against the layouts first (the refusal names line
    and field, the file stays), written atomically, audited with the new content's hash."""
    try:
        digest = replace_thresholds(services.layouts.directory, text or "")
    except (ValueError, OSError) as exc:
        raise ActionRefused(str(exc)) from None
    services.audit("thresholds_edit", "thresholds.yaml", f"sha256={digest[:16]}")


def audit_csv(services) -> bytes:
    """The whole audit log as CSV; the export itself is audited."""
    with services.state.connection() as conn:
        body = auth.audit_csv(conn)
    services.audit("audit_export")
    return body
