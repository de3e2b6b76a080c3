"""Real servers for tests: InfluxDB 1.x, Prometheus, node_exporter and Redis from Debian.

Each server gets free loopback ports and a throw-away data folder, is waited for until it
answers, and is stopped by its PID. A missing binary raises MissingService naming the Debian
package to install: integration tests fail with it, they never skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PACKAGES = {
    "influxd": "influxdb",
    "prometheus": "prometheus",
    "prometheus-node-exporter": "prometheus-node-exporter",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
    "prometheus-snmp-exporter": "prometheus-snmp-exporter",
    "snmpd": "snmpd",
    "redis-server": "redis-server",
    "chromium": "chromium",
    "openssl": "openssl",
}


NODE_EXPORTER_NODE = "prov-dongyong"


class MissingService(RuntimeError):
    """A server binary is not installed; the message says which package brings it."""


def need(binary: str) -> str:
    """Return the path of a server binary or raise MissingService with the install command."""
    path = shutil.which(binary) or (
        f"/usr/bin/{binary}" if Path(f"/usr/bin/{binary}").exists() else None
    )
    if not path:
        package = PACKAGES.get(binary, binary)
        raise MissingService(
            f"{binary} is not installed: run `apt-get install -y {package}` "
            f"(or `make test`, which installs every package the tests need)"
        )
    return path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str
    argv: list[str]
    workdir: Path
    ready_path: str | None = None  # HTTP path that answers 2xx when ready
    ready: Callable[[], bool] | None = None  # when an open port is not yet ready (PostgreSQL)
    proc: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)
    client: dict = field(default_factory=dict)  # how to ask it: httpx options (CA, auth)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def start(self, timeout: float = 30.0) -> Server:
        """Start the process and wait until it answers; raise with its log if it does not."""
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - kept open for the child
        self.proc = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            start_new_session=True,
        )
        (self.workdir / f"{self.name}.pid").write_text(str(self.proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}"
                )
            if self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not become ready in {timeout}s: {self.log_tail()}")

    def _answers(self) -> bool:
        if self.ready is not None:
            return self.ready()
        if self.ready_path is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False
        try:
            return httpx.get(self.url + self.ready_path, timeout=1.0, **self.client).is_success
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop by PID (SIGTERM, then SIGKILL); idempotent."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)

    def restart(self) -> Server:
        """Stop and start again with the same data folder and ports."""
        self.stop()
        return self.start()

    def log_tail(self, n: int = 20) -> str:
        path = self.workdir / f"{self.name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        return "\n".join(lines[-n:])


def influxdb(root: Path) -> Server:
    """InfluxDB 1.x bound to 127.0.0.1 only (Debian's default listens on every interface)."""
    binary = need("influxd")
    root.mkdir(parents=True, exist_ok=True)
    http_port, rpc_port = free_port(), free_port()
    conf = root / "influxdb.conf"
    conf.write_text(
        f"""reporting-enabled = false
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
"""
    )
    return Server(
        "influxd", f"http://127.0.0.1:{http_port}", [binary, "-config", str(conf)], root, "/ping"
    )


def node_exporter(root: Path) -> Server:
    """Debian's prometheus-node-exporter on a loopback port."""
    binary = need("prometheus-node-exporter")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    return Server(
        "node-exporter",
        f"http://127.0.0.1:{port}",
        [binary, f"--web.listen-address=127.0.0.1:{port}"],
        root,
        "/metrics",
    )


DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BLACKBOX_CONFIG = DEPLOY / "blackbox.yml"
SNMP_CONFIG = DEPLOY / "snmp.yml"


def _exporter(name: str, binary: str, root: Path, config: Path) -> Server:
    """A Debian exporter with a configuration file on a loopback port."""
    path = need(binary)
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [path, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"]
    return Server(name, f"http://127.0.0.1:{port}", argv, root, "/metrics")


def blackbox_exporter(root: Path, config: Path = BLACKBOX_CONFIG) -> Server:
    """Debian's prometheus-blackbox-exporter on a loopback port, with the wall's modules."""
    return _exporter("blackbox-exporter", "prometheus-blackbox-exporter", root, config)


def snmp_exporter(root: Path, config: Path = SNMP_CONFIG) -> Server:
    """Debian's prometheus-snmp-exporter (0.21) on a loopback port, with the wall's IF-MIB module."""
    return _exporter("snmp-exporter", "prometheus-snmp-exporter", root, config)


@dataclass
class UdpServer(Server):
    """A server that listens on UDP: ready once its port is bound (/proc/net/udp)."""

    def _answers(self) -> bool:
        wanted = f":{self.port:04X}"
        lines = Path("/proc/net/udp").read_text().splitlines()[1:]
        return any(line.split()[1].endswith(wanted) for line in lines)


def snmpd(root: Path, community: str = "public") -> UdpServer:
    """Debian's snmpd with its own configuration on a high UDP port of 127.0.0.1: a read-only
    community whose view is IF-MIB (and the system group), nothing else. Its interfaces are
    this machine's: the loopback interface's counters move with the test's own traffic."""
    binary = need("snmpd")
    root.mkdir(parents=True, exist_ok=True)
    port = free_udp_port()
    conf = root / "snmpd.conf"
    conf.write_text(
        f"""agentAddress udp:127.0.0.1:{port}
view ifmib included .1.3.6.1.2.1.1
view ifmib included .1.3.6.1.2.1.2
view ifmib included .1.3.6.1.2.1.31
rocommunity {community} 127.0.0.1 -V ifmib
"""
    )
    argv = [binary, "-f", "-Lo", "-C", "-c", str(conf), "-p", str(root / "snmpd.pidfile")]
    return UdpServer("snmpd", f"udp://127.0.0.1:{port}", argv, root)


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape_job(name: str, target: str, labels: dict | None = None, path: str = "/metrics") -> dict:
    """One Prometheus scrape job for host:port, with target labels (e.g. the node id)."""
    return {
        "job_name": name,
        "metrics_path": path,
        "static_configs": [{"targets": [target], "labels": labels or {}}],
    }


def queries_answered(url: str) -> float:
    """A Prometheus' own count of the instant queries it has served (from its /metrics,
    which is not itself a query)."""
    import httpx

    text = httpx.get(f"{url}/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("prometheus_http_requests_total{") and 'handler="/api/v1/query"' in line
    )


def prometheus(
    root: Path,
    jobs: list[dict] | None = None,
    interval_s: float = 1.0,
    web_config: Path | None = None,
    ca_file: Path | None = None,
    auth: tuple[str, str] | None = None,
) -> Server:
    """Prometheus scraping the given jobs every interval_s seconds; with a web configuration
    (TLS, basic auth) it serves https, and ca_file and auth are how to reach it."""
    import yaml

    binary = need("prometheus")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    every = f"{int(interval_s * 1000)}ms"
    config = {
        "global": {"scrape_interval": every, "scrape_timeout": every, "evaluation_interval": every},
        "scrape_configs": jobs or [],
    }
    (root / "prometheus.yml").write_text(yaml.safe_dump(config))
    argv = [
        binary,
        f"--config.file={root / 'prometheus.yml'}",
        f"--storage.tsdb.path={root / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
    ]
    client: dict = {}
    if web_config is not None:
        argv.append(f"--web.config.file={web_config}")
        client = {"verify": str(ca_file) if ca_file else True, "auth": auth}
    scheme = "https" if web_config is not None else "http"
    return Server("prometheus", f"{scheme}://127.0.0.1:{port}", argv, root, "/-/ready",
                  client=client)  # fmt: skip


def redis(root: Path) -> Server:
    """Redis with no persistence, bound to 127.0.0.1."""
    binary = need("redis-server")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    return Server(
        "redis",
        f"redis://127.0.0.1:{port}",
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
        ],
        root,
    )


def postgresql(root: Path) -> Server:
    """A throw-away PostgreSQL cluster (Debian's), trust authentication on 127.0.0.1 only, as
    the `postgres` system user when run as root (PostgreSQL refuses to run as root)."""
    import os
    import pwd
    import shutil

    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise MissingService("PostgreSQL is not installed: apt-get install -y postgresql")
    bindir = versions[-1].parent
    root.mkdir(parents=True, exist_ok=True)
    data = root / "pgdata"
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        root.chmod(0o755)
        shutil.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    if not data.exists():
        subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "gdwall", "--auth=trust",
             "-E", "UTF8", "--no-locale"],
            check=True, capture_output=True,
        )  # fmt: skip
    port = free_port()
    url = f"postgresql://gdwall@127.0.0.1:{port}/postgres"

    def accepts() -> bool:  # its port opens while it still answers "starting up"
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=1).close()
        except psycopg.OperationalError:
            return False
        return True

    return Server(
        "postgresql",
        url,
        [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off"],
        root,
        ready=accepts,
    )  # fmt: skip


@dataclass
class Fleet:
    """The shared servers of one test run."""

    root: Path
    servers: dict[str, Server] = field(default_factory=dict)

    def start_all(self) -> dict[str, str]:
        """Start every shared server; return the environment that points tests at them."""
        try:
            influx = self.servers["influxdb"] = influxdb(self.root / "influxdb").start()
            ne = self.servers["node_exporter"] = node_exporter(self.root / "node-exporter").start()
            # the host's node_exporter stands for one hypervisor of a node of the test plan
            job = scrape_job("node", f"127.0.0.1:{ne.port}", {"node": NODE_EXPORTER_NODE})
            prom = prometheus(self.root / "prometheus", [job])
            self.servers["prometheus"] = prom.start()
            self.servers["redis"] = redis(self.root / "redis").start()
        except BaseException:
            self.stop_all()
            raise
        return {
            "GDWALL_TEST_INFLUX_URL": influx.url,
            "GDWALL_TEST_PROMETHEUS_URL": self.servers["prometheus"].url,
            "GDWALL_TEST_NODE_EXPORTER_URL": ne.url,
            "GDWALL_TEST_REDIS_URL": self.servers["redis"].url,
        }

    def stop_all(self) -> None:
        for server in reversed(list(self.servers.values())):
            server.stop()


def stop_pidfiles(root: Path) -> list[int]:
    """Stop every server whose pidfile lies under root (SIGTERM, then SIGKILL); return PIDs."""
    stopped = []
    for pidfile in root.rglob("*.pid"):
        try:
            pid = int(pidfile.read_text().strip())
        except ValueError:
            continue
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                continue
            break
        stopped.append(pid)
    return stopped


def temp_root(prefix: str = "gdwall-test-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
