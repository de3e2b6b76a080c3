"""Alert episodes in the state database: since when, cleared, acknowledged by whom."""

from datetime import UTC, datetime, timedelta

import pytest

from wall.core.alerts import Alert
from wall.core.layouts import Level
from wall.state import alertlog
from wall.state.db import connect

T0 = datetime(2026, 11, 28, 8, tzinfo=UTC)
STALE = Alert(Level.bad, "stale", "city-meizhou", "梅州政务云节点 数据中断")
HOT = Alert(Level.warn, "node_utilization", "city-shantou", "汕头 资源使用率 84%")


@pytest.fixture
def conn(tmp_path):
    c = connect(tmp_path / "state.db")
    yield c
    c.close()


def test_an_alert_keeps_its_first_sighting_until_it_clears(conn):
    alertlog.sync(conn, [STALE], T0)
    alertlog.sync(conn, [STALE, HOT], T0 + timedelta(minutes=5))
    episodes = alertlog.open_episodes(conn)
    assert episodes["stale:city-meizhou"].first_seen == T0
    assert episodes["stale:city-meizhou"].last_seen == T0 + timedelta(minutes=5)
    assert episodes["node_utilization:city-shantou"].first_seen == T0 + timedelta(minutes=5)
    # it clears, then comes back: a new episode, since the new sighting
    alertlog.sync(conn, [HOT], T0 + timedelta(minutes=10))
    assert "stale:city-meizhou" not in alertlog.open_episodes(conn)
    alertlog.sync(conn, [STALE, HOT], T0 + timedelta(minutes=15))
    assert alertlog.open_episodes(conn)["stale:city-meizhou"].first_seen == T0 + timedelta(
        minutes=15
    )
    assert (
        conn.execute("SELECT COUNT(*) FROM alerts WHERE key = 'stale:city-meizhou'").fetchone()[0]
        == 2
    )


def test_an_acknowledgement_names_who_and_survives_refreshes(conn):
    alertlog.sync(conn, [STALE], T0)
    ep = alertlog.open_episodes(conn)["stale:city-meizhou"]
    with pytest.raises(alertlog.AckError, match="请填写确认人"):
        alertlog.acknowledge(conn, ep.id, "  ", "", T0)
    with pytest.raises(alertlog.AckError, match="最多"):
        alertlog.acknowledge(conn, ep.id, "张" * 41, "", T0)
    acked = alertlog.acknowledge(conn, ep.id, "张三", "已联系梅州运维", T0 + timedelta(minutes=1))
    assert (acked.acked_by, acked.ack_note) == ("张三", "已联系梅州运维")
    alertlog.sync(conn, [STALE], T0 + timedelta(minutes=2))  # still holding: still acknowledged
    assert alertlog.open_episodes(conn)["stale:city-meizhou"].acked_by == "张三"
    alertlog.sync(conn, [], T0 + timedelta(minutes=3))  # cleared: nothing left to acknowledge
    with pytest.raises(alertlog.AckError, match="已解除"):
        alertlog.acknowledge(conn, ep.id, "李四", "", T0 + timedelta(minutes=4))


def test_workers_recording_the_same_alerts_at_once_open_one_episode(tmp_path):
    import threading

    connect(tmp_path / "state.db").close()
    errors = []
    start = threading.Barrier(6)

    def worker():
        c = connect(tmp_path / "state.db")
        try:
            start.wait()
            for i in range(20):
                alertlog.sync(c, [STALE, HOT], T0 + timedelta(seconds=i))
        except Exception as exc:
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    c = connect(tmp_path / "state.db")
    rows = c.execute("SELECT key, COUNT(*) FROM alerts GROUP BY key").fetchall()
    c.close()
    assert sorted(rows) == [("node_utilization:city-shantou", 1), ("stale:city-meizhou", 1)]
