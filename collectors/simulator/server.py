"""The simulated province's endpoints: what a real city's platform would answer.

Per node, Prometheus text format with exactly the metric names and labels of
openstack-exporter (mapping openstack_exporter) and of node_exporter on a few hypervisors
(mapping node_exporter), and for the Pearl River Delta clouds a JSON API:

    GET /nodes/<node>/metrics             both exporters' metrics, one scrape
    GET /nodes/<node>/openstack/metrics   openstack-exporter only
    GET /nodes/<node>/node/metrics        node_exporter only
    GET /api/v1/clouds/<node>             JSON (schema in docs/simulator-api.md)
    GET /api/v1/security/<node>           security events and incidents, JSON
    GET /probe?target=…&module=…          a blackbox exporter probing an extranet link's far
                                          end (probe_success, probe_duration_seconds)
    GET /snmp?target=…&module=if_mib      an snmp exporter reading an extranet router
                                          (IF-MIB: ifHCInOctets, ifHCOutOctets, ifHighSpeed,
                                          ifOperStatus per ifIndex)
    GET /healthz

The links are those of the links file (wall/core/plan/links.yaml): its probe targets and
routers are the addresses these two answer for.

A node whose platform does not exist yet (not live, not docked) answers 404, as a city
without a cloud has nothing to scrape.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import numpy as np
from flask import Flask, Response, abort, jsonify, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from werkzeug.serving import WSGIRequestHandler, make_server

from collectors.simulator.model import NodeSim, Province, noise

GIB = 1024**3
TIB = 1024**4
CPUS = 8


class _Counters:
    """node_exporter counters that integrate the model's rates between scrapes."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, dict[str, float]]] = {}

    def advance(self, key: str, t: float, rates: dict[str, float]) -> dict[str, float]:
        with self._lock:
            last_t, values = self._state.get(key, (t - 60.0, {k: 1e6 for k in rates}))
            dt = max(t - last_t, 0.0)
            values = {k: values.get(k, 1e6) + r * dt for k, r in rates.items()}
            self._state[key] = (t, values)
            return values


class _Exposition:
    def __init__(
        self, province: Province, sim: NodeSim, t: float, counters: _Counters, parts: set[str]
    ):
        self.province, self.sim, self.t, self.counters, self.parts = (
            province,
            sim,
            t,
            counters,
            parts,
        )

    def collect(self):
        p, sim = self.province, self.sim
        t = np.array([int(self.t)])
        cap = {k: v[0] for k, v in p.capacity(sim, t).items()}
        health = {k: v[0] for k, v in p.health(sim, t).items()}
        usage = {k: v[0] for k, v in p.usage(sim, t).items()}
        hosts = int(health["hosts_total"])
        down = int(health["hosts_down"])
        up = health["up"]
        if "openstack" in self.parts:
            labels = ["aggregates", "availability_zone", "hostname"]
            fams = {
                name: GaugeMetricFamily(f"openstack_nova_{name}", name, labels=labels)
                for name in (
                    "vcpus_available", "vcpus_used", "memory_available_bytes", "memory_used_bytes",
                    "local_storage_available_bytes", "local_storage_used_bytes", "running_vms",
                )
            }  # fmt: skip
            totals = {
                "vcpus_available": cap["vcpu_total"],
                "vcpus_used": cap["vcpu_allocated"],
                "memory_available_bytes": cap["mem_total_gib"] * GIB,
                "memory_used_bytes": cap["mem_allocated_gib"] * GIB,
                "local_storage_available_bytes": cap["storage_total_tib"] * TIB,
                "local_storage_used_bytes": cap["storage_allocated_tib"] * TIB,
                "running_vms": health["vms_running"],
            }
            state = GaugeMetricFamily(
                "openstack_nova_agent_state", "agent_state",
                labels=["adminState", "hostname", "id", "service", "zone"],
            )  # fmt: skip
            for name, total in totals.items():
                for h, share in enumerate(
                    _split(
                        total,
                        hosts,
                        integer=name in ("vcpus_available", "vcpus_used", "running_vms"),
                    )
                ):
                    fams[name].add_metric([f"{sim.node.id}-az", "nova", f"cn{h:04d}"], share)
            for h in range(hosts):
                state.add_metric(
                    ["enabled", f"cn{h:04d}", str(h + 1), "nova-compute", "nova"],
                    0.0 if h < down else 1.0,
                )
            yield from fams.values()
            yield state
            # quotas per project: the node's departments as tenants
            labels = ["tenant", "tenant_id"]
            vcpu_max = GaugeMetricFamily(
                "openstack_nova_limits_vcpus_max", "limits_vcpus_max", labels=labels
            )
            mem_max = GaugeMetricFamily(
                "openstack_nova_limits_memory_max", "limits_memory_max", labels=labels
            )
            tenants = len(sim.depts)
            cpu_shares = _split(cap["vcpu_quota"], tenants, integer=True)
            mem_shares = _split(cap["mem_quota_gib"] * 1024, tenants, integer=True)
            for i, dept in enumerate(sim.depts):
                vcpu_max.add_metric([dept, f"{i:032x}"], cpu_shares[i])
                mem_max.add_metric([dept, f"{i:032x}"], mem_shares[i])
            yield vcpu_max
            yield mem_max
            nova_up = GaugeMetricFamily("openstack_nova_up", "up")
            nova_up.add_metric([], up)
            yield nova_up
        if "node" in self.parts and up:
            cpu = CounterMetricFamily(
                "node_cpu_seconds_total",
                "Seconds the CPUs spent in each mode.",
                labels=["cpu", "mode"],
            )
            mem_total = GaugeMetricFamily(
                "node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes."
            )
            mem_avail = GaugeMetricFamily(
                "node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes."
            )
            fs_size = GaugeMetricFamily(
                "node_filesystem_size_bytes",
                "Filesystem size in bytes.",
                labels=["device", "fstype", "mountpoint"],
            )
            fs_avail = GaugeMetricFamily(
                "node_filesystem_avail_bytes",
                "Filesystem space available to non-root users in bytes.",
                labels=["device", "fstype", "mountpoint"],
            )
            rx = CounterMetricFamily(
                "node_network_receive_bytes_total",
                "Network device statistic receive_bytes.",
                labels=["device"],
            )
            tx = CounterMetricFamily(
                "node_network_transmit_bytes_total",
                "Network device statistic transmit_bytes.",
                labels=["device"],
            )
            host_mem = sim.mem_per_host_gib * GIB
            # one representative hypervisor: its CPUs run at the node's utilization, its
            # uplink carries the node's traffic
            rates = {
                "idle": CPUS * (1 - usage["cpu_util"]),
                "user": CPUS * usage["cpu_util"] * 0.8,
                "system": CPUS * usage["cpu_util"] * 0.2,
                "rx": usage["net_in_mbps"] * 1e6 / 8,
                "tx": usage["net_out_mbps"] * 1e6 / 8,
            }
            c = self.counters.advance(sim.node.id, self.t, rates)
            for cpu_i in range(CPUS):
                for mode in ("idle", "user", "system"):
                    cpu.add_metric([str(cpu_i), mode], c[mode] / CPUS)
            mem_total.add_metric([], host_mem)
            mem_avail.add_metric([], host_mem * (1 - usage["mem_util"]))
            rx.add_metric(["bond0"], c["rx"])
            tx.add_metric(["bond0"], c["tx"])
            size = sim.storage_tib * TIB / max(sim.hosts, 1)
            fs_size.add_metric(["/dev/mapper/nova", "xfs", "/var/lib/nova"], size)
            fs_avail.add_metric(
                ["/dev/mapper/nova", "xfs", "/var/lib/nova"], size * (1 - usage["storage_util"])
            )
            yield from (cpu, mem_total, mem_avail, fs_size, fs_avail, rx, tx)


def _split(total: float, parts: int, integer: bool) -> list[float]:
    if parts <= 0:
        return []
    if integer:
        base, extra = divmod(round(total), parts)
        return [float(base + (1 if i < extra else 0)) for i in range(parts)]
    return [total / parts] * (parts - 1) + [total - total / parts * (parts - 1)]


def cloud_json(province: Province, sim: NodeSim, t: float) -> dict:
    """The PRD cloud management platform's API answer (documented in docs/simulator-api.md)."""
    ti = np.array([int(t)])
    cap = {k: float(v[0]) for k, v in province.capacity(sim, ti).items()}
    usage = {k: float(v[0]) for k, v in province.usage(sim, ti).items()}
    health = {k: float(v[0]) for k, v in province.health(sim, ti).items()}
    return {
        "cloud": {"id": sim.node.id, "name": sim.node.name, "region": sim.node.city},
        "timestamp": datetime.fromtimestamp(t, UTC).isoformat(),
        "status": "running" if health["up"] else "down",
        "compute": {
            "vcpu": {"total": cap["vcpu_total"], "allocated": cap["vcpu_allocated"]},
            "memory_gb": {"total": cap["mem_total_gib"], "allocated": cap["mem_allocated_gib"]},
            "cpu_usage_percent": round(usage["cpu_util"] * 100, 2),
            "memory_usage_percent": round(usage["mem_util"] * 100, 2),
            "hosts": {"total": health["hosts_total"], "faulty": health["hosts_down"]},
            "instances": {"running": health["vms_running"]},
        },
        "storage_tb": {
            "total": cap["storage_total_tib"],
            "allocated": cap["storage_allocated_tib"],
            "usage_percent": round(usage["storage_util"] * 100, 2),
        },
        "network_mbps": {"inbound": usage["net_in_mbps"], "outbound": usage["net_out_mbps"]},
        "api": {"latency_ms": health["api_latency_ms"]},
    }


def security_json(province: Province, sim: NodeSim, t: float) -> dict:
    """The security operations platform's answer: events in the last minute, incidents open."""
    ti = np.array([int(t) - int(t) % 60])
    by_severity = province.security(sim, ti, 60)
    return {
        "node": sim.node.id,
        "timestamp": datetime.fromtimestamp(t, UTC).isoformat(),
        "events_last_minute": {sev: float(f["events"][0]) for sev, f in by_severity.items()},
        "open_incidents": {sev: float(f["open_incidents"][0]) for sev, f in by_severity.items()},
    }


def create_app(province: Province, clock=lambda: datetime.now(UTC).timestamp()) -> Flask:
    app = Flask("gdwall-simulator")
    counters = _Counters()

    def sim_or_404(node_id: str) -> NodeSim:
        sim = province.nodes.get(node_id)
        if sim is None or not province.reporting(sim, np.array([int(clock())]))[0]:
            abort(404, description=f"{node_id}: no platform to answer (unknown, or not live yet)")
        return sim

    def exposition(node_id: str, parts: set[str]) -> Response:
        sim = sim_or_404(node_id)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Exposition(province, sim, clock(), counters, parts))
        return Response(
            generate_latest(registry), mimetype="text/plain; version=0.0.4; charset=utf-8"
        )

    app.add_url_rule(
        "/nodes/<node_id>/metrics",
        "all",
        lambda node_id: exposition(node_id, {"openstack", "node"}),
    )
    app.add_url_rule(
        "/nodes/<node_id>/openstack/metrics",
        "openstack",
        lambda node_id: exposition(node_id, {"openstack"}),
    )
    app.add_url_rule(
        "/nodes/<node_id>/node/metrics", "node", lambda node_id: exposition(node_id, {"node"})
    )
    app.add_url_rule(
        "/api/v1/clouds/<node_id>",
        "cloud",
        lambda node_id: jsonify(cloud_json(province, sim_or_404(node_id), clock())),
    )
    app.add_url_rule(
        "/api/v1/security/<node_id>",
        "security",
        lambda node_id: jsonify(security_json(province, sim_or_404(node_id), clock())),
    )
    targets = {p.target: link.id for link in province.links_file.links for p in link.probes}
    routers: dict[str, list] = {}
    for link in province.links_file.links:
        if link.interface is not None:
            routers.setdefault(link.interface.router, []).append(link)

    def text(lines: list[str]) -> Response:
        return Response(
            "\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4; charset=utf-8"
        )

    def probe() -> Response:
        """As a blackbox exporter answers /probe: a target it cannot reach is a failed probe."""
        t = clock()
        link = province.links.get(targets.get(request.args.get("target", ""), ""))
        success, seconds = 0.0, 0.0
        if link is not None:
            state = {
                k: float(v[0]) for k, v in province.link_state(link, np.array([int(t)])).items()
            }
            # a probe is lost with the link's loss, decided per probe instant
            lost = (
                state["loss"] > 0
                and noise(np.array([int(t * 10)]), link.salt + 9)[0] < state["loss"]
            )
            if state["up"] and not lost:
                success, seconds = 1.0, state["rtt_ms"] / 1000.0
        return text([
            "# HELP probe_success Displays whether or not the probe was a success",
            "# TYPE probe_success gauge", f"probe_success {success:g}",
            "# HELP probe_duration_seconds Returns how long the probe took to complete in seconds",
            "# TYPE probe_duration_seconds gauge", f"probe_duration_seconds {seconds:.6f}",
        ])  # fmt: skip

    def snmp() -> Response:
        """As an snmp exporter answers /snmp for a router: its links' interfaces."""
        t = clock()
        carried = routers.get(request.args.get("target", ""))
        if not carried:
            abort(500, description="Error scraping target: request timeout")  # as the exporter says
        lines = {
            name: [] for name in ("ifHCInOctets", "ifHCOutOctets", "ifHighSpeed", "ifOperStatus")
        }
        for link in carried:
            sim = province.links[link.id]
            state = {
                k: float(v[0]) for k, v in province.link_state(sim, np.array([int(t)])).items()
            }
            octets = counters.advance(f"link:{link.id}", t, {
                "in": state["in_mbps"] * 1e6 / 8, "out": state["out_mbps"] * 1e6 / 8})  # fmt: skip
            labels = f'{{ifIndex="{link.interface.if_index}",ifName="{link.id}"}}'
            lines["ifHCInOctets"].append(f"ifHCInOctets{labels} {octets['in']:.0f}")
            lines["ifHCOutOctets"].append(f"ifHCOutOctets{labels} {octets['out']:.0f}")
            lines["ifHighSpeed"].append(f"ifHighSpeed{labels} {link.mbps:g}")
            lines["ifOperStatus"].append(f"ifOperStatus{labels} {1 if state['up'] else 2}")
        kinds = {"ifHCInOctets": "counter", "ifHCOutOctets": "counter"}
        out = []
        for name, values in lines.items():
            out += [f"# HELP {name} IF-MIB {name}", f"# TYPE {name} {kinds.get(name, 'gauge')}"]
            out += values
        return text(out)

    app.add_url_rule("/probe", "probe", probe)
    app.add_url_rule("/snmp", "snmp", snmp)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    return app


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per scrape would drown the logs
        pass


class SimulatorServer:
    """The simulator's endpoints served from a background thread (for demo and tests)."""

    def __init__(self, province: Province, host: str = "127.0.0.1", port: int = 0, clock=None):
        app = create_app(province) if clock is None else create_app(province, clock)
        self._server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="simulator"
        )

    def start(self) -> SimulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
