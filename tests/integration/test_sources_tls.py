"""Finding 11: a province's Prometheus behind TLS and a password, reached safely by every source
type. Debian's Prometheus serves its API with the web configuration 2.42 offers (TLS with a
certificate from a CA the test makes, and basic auth); each source type verifies the
certificate against the CA bundle it is given, takes its Authorization header from the
environment, and names the failure rightly when either is missing."""

from __future__ import annotations

import base64
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml

from collectors.base import CollectError, ErrorKind
from collectors.config import Source
from collectors.registry import build
from tests.harness import servers as harness

USER, PASSWORD = "gdwall", "Tls-test-pass-2026"
NODE = harness.NODE_EXPORTER_NODE


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl, Debian's)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in
                                  ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))  # fmt: skip
    openssl = harness.need("openssl")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
        "-days", "2", "-subj", "/CN=gdwall test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=127.0.0.1")  # fmt: skip
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")  # fmt: skip
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(ext))  # fmt: skip
    return {"ca": ca, "cert": cert, "key": key}


@pytest.fixture(scope="module")
def tls_prometheus(tmp_path_factory, node_exporter_url):
    import bcrypt

    root = tmp_path_factory.mktemp("tls-prometheus")
    certs = make_certificates(root / "certs")
    web = root / "web.yml"
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=6)).decode()
    web.write_text(yaml.safe_dump({
        "tls_server_config": {"cert_file": str(certs["cert"]), "key_file": str(certs["key"])},
        "basic_auth_users": {USER: hashed},
    }))  # fmt: skip
    target = node_exporter_url.removeprefix("http://")
    server = harness.prometheus(root, [harness.scrape_job("node", target, {"node": NODE})],
                                web_config=web, ca_file=certs["ca"], auth=(USER, PASSWORD))  # fmt: skip
    server.start(timeout=60)
    # the first scrape has landed once the series answers
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = httpx.get(f"{server.url}/api/v1/query", params={"query": "node_memory_MemTotal_bytes"},
                           verify=str(certs["ca"]), auth=(USER, PASSWORD))  # fmt: skip
        if answer.json()["data"]["result"]:
            break
        time.sleep(0.5)
    yield server, certs["ca"]
    server.stop()


AUTH_ENV = "GDWALL_TEST_PROMETHEUS_AUTH"


@pytest.fixture
def auth_env(monkeypatch):
    header = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    monkeypatch.setenv(AUTH_ENV, header)
    return AUTH_ENV


def _source(kind: str, url: str, **extra) -> Source:
    mapping = {"prometheus": "node_exporter", "exposition": "node_exporter", "http_json": "cmp_v1"}
    return Source(name=f"tls-{kind.replace('_', '-')}", type=kind, url=url, mapping=mapping[kind],
                  nodes=[NODE], timeout_s=5, interval_s=30, **extra)  # fmt: skip


def _url(kind: str, base: str) -> str:
    return {"prometheus": base, "exposition": f"{base}/metrics",
            "http_json": f"{base}/api/v1/status/buildinfo"}[kind]  # fmt: skip


def _kind_of_failure(source: Source) -> ErrorKind | None:
    try:
        build(source).collect(datetime.now(UTC))
    except CollectError as exc:
        return exc.kind
    return None


@pytest.mark.parametrize("kind", ["prometheus", "exposition", "http_json"])
def test_every_source_type_verifies_the_certificate_and_sends_the_password(
    kind, tls_prometheus, auth_env
):
    server, ca = tls_prometheus
    url = _url(kind, server.url)
    # no CA bundle: the certificate is not trusted, and that is what the failure says
    assert _kind_of_failure(_source(kind, url, auth_header_env=auth_env)) == ErrorKind.tls
    # the CA, no password: the server refuses
    assert _kind_of_failure(_source(kind, url, ca_file=ca)) == ErrorKind.http_error
    # both: the source is read (the prometheus type gets samples; the others read the answer
    # and find none of their mapping's fields in Prometheus's own metrics and build info)
    both = _source(kind, url, ca_file=ca, auth_header_env=auth_env)
    if kind == "prometheus":
        samples = build(both).collect(datetime.now(UTC))
        mem = [s for s in samples if s.measurement == "usage" and s.tags["node"] == NODE]
        assert mem and 0 < mem[0].fields["mem_util"] < 1
    else:
        assert _kind_of_failure(both) == ErrorKind.mapping


def test_a_ca_file_that_does_not_exist_is_refused_with_the_source_named(tmp_path):
    from collectors.config import load_sources
    from wall.core.configfile import ConfigError

    path = tmp_path / "sources.yaml"
    path.write_text(
        "schema_version: 1\nkind: sources\nsources:\n"
        "  - name: province\n    type: prometheus\n    url: https://127.0.0.1:9090\n"
        "    mapping: node_exporter\n    nodes: [city-meizhou]\n"
        f"    ca_file: {tmp_path}/no-such-ca.pem\n"
    )
    with pytest.raises(ConfigError, match=r"sources.yaml:9: sources\[0\].ca_file: no such file"):
        load_sources(path)
