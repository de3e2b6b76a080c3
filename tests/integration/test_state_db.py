"""The app's state database on SQLite and on a real PostgreSQL (Debian's): the same migrations,
progress events, alert episodes under concurrent writers, users, tokens and the append-only
audit log, and the wall signing in with its state on PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_PASSWORD, TEST_SECRET, sign_in_client
from wall import alertlog, auth
from wall.layouts import Level
from wall.plan import load_plan
from wall.progress import EventKind, ProgressEvent, add_event, list_events
from wall.state.db import StateDatabaseError, connect, migrations
from wall.wallstate import Alert

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
    from wall.app import create_app
    from wall.settings import Settings

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
