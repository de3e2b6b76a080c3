"""Logs are JSON lines carrying the request id the wall answers with."""

import json
import logging

from tests.conftest import TEST_SECRET
from wall.core import logs
from wall.core.settings import Settings
from wall.web.app import create_app


def test_each_request_logs_a_json_line_with_its_id(tmp_path, capsys):
    logs.configure("json")
    app = create_app(Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db",
                              secret_key=TEST_SECRET))  # fmt: skip
    client = app.server.test_client()
    answer = client.get("/healthz", headers={"X-Request-Id": "trace-42"})
    assert answer.headers["X-Request-Id"] == "trace-42"
    fresh = client.get("/login").headers["X-Request-Id"]
    assert len(fresh) == 16 and fresh != "trace-42"
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    mine = [x for x in lines if x.get("request_id") == "trace-42"]
    assert mine and mine[-1]["path"] == "/healthz" and mine[-1]["status"] == 200
    assert {"time", "level", "logger", "message"} <= set(mine[-1])
    logging.getLogger().handlers.clear()


def test_the_first_requests_on_many_threads_create_the_metrics_once():
    import threading

    from prometheus_client import REGISTRY

    from wall.web import health

    for metric in health.metrics().values():  # as a fresh worker: nothing registered yet
        REGISTRY.unregister(metric)
    health._made.clear()
    made, errors = [], []

    def first() -> None:
        try:
            made.append(id(health.metrics()["requests"]))
        except Exception as exc:  # a duplicate registration
            errors.append(exc)

    threads = [threading.Thread(target=first) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(made)) == 1
