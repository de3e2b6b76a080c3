"""The app's state database on SQLite and on a real PostgreSQL (Debian's): the same migrations,
progress events, alert episodes under concurrent writers, users, tokens and the append-only
audit log, and the wall signing in with its state on PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_PASSWORD, TEST_SECRET, sign_in_client
from wall.core.alerts import Alert
from wall.core.layouts import Level
from wall.core.plan import load_plan
from wall.core.progress import EventKind, ProgressEvent
from wall.state import alertlog, auth
from wall.state.db import StateDatabaseError, connect, migrations
from wall.state.progress import add_event, list_events

T0 = datetime(2026, 11, 28, 8, tzinfo=UTC)
STALE = Alert(Level.bad, "stale", "city-meizhou", "梅州政务云节点 数据中断")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return tmp_path / "state.db"
    return request.getfixturevalue("postgresql_url")


def test_both_dialects_have_the_same_migrations():
    assert [(v, n) for v, n, _ in migrations("sqlite")] == [
        (v, n) for v, n, _ in migrations("postgresql")
    ]


def test_migrations_apply_once_and_progress_events_are_kept_once(target):
    conn = connect(target)
    assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == len(
        migrations()
    )
    event = ProgressEvent(EventKind.node_live, "city-heyuan", T0, "验收报告", "张三")
    assert add_event(conn, load_plan(), event) is True
    assert add_event(conn, load_plan(), event) is False  # the identical fact, not twice
    conn.close()
    again = connect(target)  # a second process: nothing to migrate, the event is there
    assert [e.subject for e in list_events(again)] == ["city-heyuan"]
    again.close()


def test_concurrent_workers_never_open_an_alert_twice(target):
    connect(target).close()
    errors = []

    def worker(i: int) -> None:
        conn = connect(target)
        try:
            for k in range(5):
                alertlog.sync(conn, [STALE], T0 + timedelta(seconds=k))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conn = connect(target)
    assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 1
    episode = alertlog.open_episodes(conn)["stale:city-meizhou"]
    alertlog.acknowledge(conn, episode.id, "李四", "已联系", T0 + timedelta(minutes=1))
    assert alertlog.open_episodes(conn)["stale:city-meizhou"].acked_by == "李四"
    conn.close()


def test_users_tokens_and_an_append_only_audit_log(target):
    conn = connect(target)
    user = auth.add_user(conn, "zhang", "operator", TEST_PASSWORD)
    with pytest.raises(auth.AuthError, match="已存在"):
        auth.add_user(conn, "zhang", "admin", TEST_PASSWORD)
    assert auth.LocalDirectory().verify(conn, "zhang", TEST_PASSWORD) == user
    assert auth.LocalDirectory().verify(conn, "zhang", "wrong-password") is None
    token_id, token = auth.create_token(conn, "主屏", "zhang")
    assert auth.token_user(conn, token).name == "token:主屏"
    auth.revoke_token(conn, token_id)
    assert auth.token_user(conn, token) is None
    auth.audit(conn, "login", user, remote="127.0.0.1")
    with pytest.raises(StateDatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET who = 'someone else'")
    with pytest.raises(StateDatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit")
    assert auth.audit_entries(conn)[0][1:4] == ("zhang", "operator", "login")
    conn.close()


def test_the_wall_signs_in_with_its_state_on_postgresql(postgresql_url, tmp_path):
    from wall.core.settings import Settings
    from wall.web.app import create_app

    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db",
                        secret_key=TEST_SECRET, state_db=postgresql_url)  # fmt: skip
    conn = connect(postgresql_url)
    auth.add_user(conn, "wang", "admin", TEST_PASSWORD)
    conn.close()
    client = sign_in_client(create_app(settings).server.test_client(), "wang")  # asserts 302
    assert client.get("/admin").status_code == 200
    assert client.get("/readyz").status_code == 200
    conn = connect(postgresql_url)
    actions = [e[3] for e in auth.audit_entries(conn)]
    conn.close()
    assert "login" in actions and "config_change" in actions


def _audit_three(conn) -> None:
    for i in range(3):
        auth.audit(conn, "export", "zhang", f"ranking-{i}.xlsx", "field=cpu_util", "10.0.0.1")


def test_the_audit_log_cannot_be_rewritten_by_replacing_a_row(target):
    """Finding 6: `REPLACE INTO audit (id, …)` replaced row 1 on SQLite (REPLACE deletes
    without firing the delete trigger); an upsert must not get round it either."""
    conn = connect(target)
    _audit_three(conn)
    first = conn.execute("SELECT id, detail FROM audit ORDER BY id LIMIT 1").fetchone()
    attempts = [
        "INSERT INTO audit (id, at, who, action, detail) VALUES (?, 'x', 'x', 'forged', 'forged')"
        " ON CONFLICT (id) DO UPDATE SET detail = 'forged'",
    ]
    if conn.dialect == "sqlite":
        attempts += [
            "REPLACE INTO audit (id, at, who, action, detail) VALUES (?, 'x', 'x', 'forged', 'forged')",
            "INSERT OR REPLACE INTO audit (id, at, who, action, detail) VALUES (?, 'x', 'x', 'forged', 'forged')",
        ]  # fmt: skip
    for sql in attempts:
        with pytest.raises(StateDatabaseError, match="append-only"):
            conn.execute(sql, (first[0],))
    assert conn.execute("SELECT id, detail FROM audit ORDER BY id LIMIT 1").fetchone() == first
    assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 3
    conn.close()


def test_the_audit_chain_names_the_first_row_that_does_not_fit(target, tmp_path):
    """Finding 6: no trigger stops whoever owns the file: each row carries a hash of the one
    before and of itself, and `gdwall audit-verify` names the first row that does not fit."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    conn = connect(target)
    _audit_three(conn)
    auth.audit(conn, "login", "li", None, None, "10.0.0.2")

    def verify() -> subprocess.CompletedProcess:
        env = {**os.environ, "GDWALL_DATA_DIR": str(tmp_path)}
        if conn.dialect == "postgresql":
            env["GDWALL_STATE_DB"] = str(target)
        else:
            env["GDWALL_STATE_DB"] = str(target)
        return subprocess.run([sys.executable, "-m", "wall.cli", "audit-verify"], env=env,
                              capture_output=True, text=True, cwd=ROOT)  # fmt: skip

    ok = verify()
    assert ok.returncode == 0 and "4" in ok.stdout, ok.stdout + ok.stderr
    ids = [r[0] for r in conn.execute("SELECT id FROM audit ORDER BY id").fetchall()]
    # the owner of the database lifts the guard and rewrites the third row
    if conn.dialect == "sqlite":
        conn.execute("DROP TRIGGER audit_no_update")
    else:
        conn.execute("ALTER TABLE audit DISABLE TRIGGER USER")
    conn.execute("UPDATE audit SET detail = 'field=mem_util' WHERE id = ?", (ids[2],))
    broken = verify()
    assert broken.returncode == 1
    assert f"{ids[2]}" in broken.stdout and "不符" in broken.stdout, broken.stdout
    # a deleted row is found at the row after the gap
    conn.execute("UPDATE audit SET detail = 'field=cpu_util' WHERE id = ?", (ids[2],))
    assert verify().returncode == 0
    if conn.dialect == "sqlite":
        conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE id = ?", (ids[1],))
    gap = verify()
    assert gap.returncode == 1 and f"{ids[2]}" in gap.stdout, gap.stdout
    conn.close()
