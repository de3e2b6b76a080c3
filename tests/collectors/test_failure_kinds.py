"""Every way a source can fail is named for what it is, through each source type's real
client (httpx for exposition and JSON, requests inside prometheus-api-client): refused, DNS,
timeout, TLS, HTTP status, unparsable, unmapped. The servers are real sockets on 127.0.0.1;
nothing is mocked."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from flask import Flask
from werkzeug.serving import make_server

from collectors.base import CollectError
from collectors.config import Source
from collectors.registry import build
from tests.conftest import ROOT

NOW = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def server():
    """A real HTTP server answering 500, garbage, an empty Prometheus answer, or nothing."""
    app = Flask("failing")
    release = threading.Event()
    app.add_url_rule("/500/<path:rest>", "e500", lambda rest: ("boom", 500))
    app.add_url_rule("/garbage/<path:rest>", "garbage", lambda rest: "<html>{not metrics\x00")
    app.add_url_rule(
        "/empty/api/v1/query",
        "empty",
        lambda: {"status": "success", "data": {"resultType": "vector", "result": []}},
        methods=["GET", "POST"],
    )
    app.add_url_rule("/hang/<path:rest>", "hang", lambda rest: (release.wait(20), "late")[1])
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    release.set()
    srv.shutdown()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: connecting is refused


def source(kind: str, url: str) -> Source:
    mapping = {"prometheus": "node_exporter", "exposition": "openstack_exporter"}[kind]
    suffix = "" if kind == "prometheus" else "/metrics"
    return Source(name="s", type=kind, url=url + suffix, mapping=mapping,
                  nodes=["city-meizhou"], timeout_s=1)  # fmt: skip


def kind_of(kind: str, url: str) -> str:
    with pytest.raises(CollectError) as failed:
        build(source(kind, url)).collect(NOW)
    return failed.value.kind.value


@pytest.mark.parametrize("kind", ["prometheus", "exposition"])
def test_each_failure_has_its_own_kind(server, kind):
    assert kind_of(kind, f"http://127.0.0.1:{closed_port()}") == "refused"
    assert kind_of(kind, "http://no-such-host.invalid:9090") == "dns"
    assert kind_of(kind, f"{server}/hang") == "timeout"
    assert kind_of(kind, f"https://127.0.0.1:{server.rsplit(':', 1)[1]}") == "tls"  # plain HTTP
    assert kind_of(kind, f"{server}/500") == "http_error"
    assert kind_of(kind, f"{server}/garbage") == "malformed"


def test_a_prometheus_without_the_nodes_series_is_unmapped(server):
    assert kind_of("prometheus", f"{server}/empty") == "mapping"


def test_collect_once_names_a_dead_prometheus_in_one_line_without_a_traceback(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "wall.cli", "collect", "--once", "--type", "prometheus",
         "--url", f"http://127.0.0.1:{closed_port()}", "--mapping", "node_exporter",
         "--node", "city-meizhou", "--store", f"sqlite:///{tmp_path}/m.db",
         "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout and "crashed" not in run.stderr
    failed = [line for line in run.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "refused" in failed[0], run.stdout
    # nor a line per HTTP request from the libraries
    assert "HTTP Request" not in run.stderr and "urllib3" not in run.stderr, run.stderr


def test_every_failure_kind_has_words_on_the_sources_table():
    from collectors.base import ErrorKind
    from wall.core.formats import FAILURE_LABEL

    assert {k.value for k in ErrorKind} == set(FAILURE_LABEL)
