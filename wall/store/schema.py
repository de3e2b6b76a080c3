"""The canonical metric schema: every measurement, tag and field, defined once.

Every collector writes these names and every query reads them, so the wall and bulletins
never care where a number came from. Each field declares its unit and kind, so rollups and
charts average what must be averaged and sum what must be summed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    gauge = "gauge"  # a level at an instant: averaged over time (utilization, vCPU total)
    count = "count"  # events within the sample's interval: summed over time (security events)
    cumulative = "cumulative"  # a running total as of the instant: take the last (migrated)


class FieldType(StrEnum):
    float = "float"  # every number is stored as a float: InfluxDB refuses mixing 1 and 1i
    text = "text"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    unit: str
    kind: Kind
    description: str
    type: FieldType = FieldType.float

    @property
    def default_agg(self) -> str:
        """How to reduce this field over a time bucket when the caller does not say."""
        return {Kind.gauge: "mean", Kind.count: "sum", Kind.cumulative: "last"}[self.kind]


@dataclass(frozen=True)
class Measurement:
    name: str
    tags: tuple[str, ...]
    fields: dict[str, FieldSpec]
    description: str

    def field(self, name: str) -> FieldSpec:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"measurement {self.name!r} has no field {name!r}") from None


def _m(name: str, tags: tuple[str, ...], description: str, *fields: FieldSpec) -> Measurement:
    return Measurement(name, tags, {f.name: f for f in fields}, description)


G, C, CU = Kind.gauge, Kind.count, Kind.cumulative

MEASUREMENTS: dict[str, Measurement] = {
    m.name: m
    for m in (
        _m(
            "capacity",
            ("node",),
            "Resources a node offers and has allocated to tenants.",
            FieldSpec("vcpu_total", "vCPU", G, "vCPU cores the node offers"),
            FieldSpec("vcpu_allocated", "vCPU", G, "vCPU cores allocated to tenants"),
            FieldSpec("mem_total_gib", "GiB", G, "memory the node offers"),
            FieldSpec("mem_allocated_gib", "GiB", G, "memory allocated to tenants"),
            FieldSpec("storage_total_tib", "TiB", G, "storage the node offers"),
            FieldSpec("storage_allocated_tib", "TiB", G, "storage allocated to tenants"),
            FieldSpec("vcpu_quota", "vCPU", G, "vCPU granted to tenants as quotas (sum of limits)"),
            FieldSpec("mem_quota_gib", "GiB", G, "memory granted to tenants as quotas"),
        ),
        _m(
            "usage",
            ("node",),
            "How busy a node's resources actually are.",
            FieldSpec("cpu_util", "ratio", G, "host CPU utilization, 0..1"),
            FieldSpec("mem_util", "ratio", G, "host memory utilization, 0..1"),
            FieldSpec("storage_util", "ratio", G, "storage utilization, 0..1"),
            FieldSpec("net_in_mbps", "Mbit/s", G, "network traffic into the node"),
            FieldSpec("net_out_mbps", "Mbit/s", G, "network traffic out of the node"),
        ),
        _m(
            "health",
            ("node",),
            "Whether a node's cloud service is up and how its hosts fare.",
            FieldSpec("up", "bool", G, "1 if the cloud service answers, 0 if down"),
            FieldSpec("hosts_total", "hosts", G, "hypervisor hosts in the node"),
            FieldSpec("hosts_down", "hosts", G, "hypervisor hosts down"),
            FieldSpec("vms_running", "VMs", G, "virtual machines running"),
            FieldSpec("api_latency_ms", "ms", G, "cloud API response time"),
        ),
        _m(
            "migration",
            ("node", "dept"),
            "Business systems migrated to the cloud (迁移上云), per node and department.",
            FieldSpec("systems_planned", "systems", CU, "systems planned for migration"),
            FieldSpec("systems_migrated", "systems", CU, "systems migrated so far"),
        ),
        _m(
            "security",
            ("node", "severity"),
            "Security operations: events seen and incidents open.",
            FieldSpec("events", "events", C, "security events in the interval"),
            FieldSpec("open_incidents", "incidents", G, "incidents open at the instant"),
        ),
        _m(
            "link",
            ("node", "link"),
            "The government extranet (电子政务外网) link from a provincial centre to a node or a "
            "county site (the links file names each), probed at its far end and, where its "
            "router is readable, measured on the router's interface.",
            FieldSpec("up", "bool", G, "1 if the far end answered the last probes, 0 if none"),
            FieldSpec("rtt_ms", "ms", G, "round-trip time of the answered probes"),
            FieldSpec("loss", "ratio", G, "share of probes unanswered over the loss window, 0..1"),
            FieldSpec("in_mbps", "Mbit/s", G, "traffic into the far end (router interface)"),
            FieldSpec("out_mbps", "Mbit/s", G, "traffic out of the far end (router interface)"),
            FieldSpec("util", "ratio", G, "the busier direction against the contracted Mbit/s"),
            FieldSpec("oper_up", "bool", G, "1 if the router interface is operationally up"),
        ),
        _m(
            "collector",
            ("source", "node"),
            "Self-monitoring of every collection attempt, so stale data shows as stale.",
            FieldSpec("ok", "bool", G, "1 if the attempt succeeded"),
            FieldSpec("duration_ms", "ms", G, "how long the attempt took"),
            FieldSpec("points", "points", C, "samples the attempt produced"),
            FieldSpec("error", "", G, "error kind and message of a failed attempt", FieldType.text),
        ),
    )
}


def measurement(name: str) -> Measurement:
    """Return a measurement of the schema; KeyError naming it if there is none."""
    try:
        return MEASUREMENTS[name]
    except KeyError:
        raise KeyError(f"unknown measurement {name!r}") from None


def numeric_target(name: str, field: str, tags: frozenset[str] = frozenset()) -> FieldSpec:
    """The spec of a numeric field a mapping writes, given the tags it sets besides the node;
    ValueError saying what is wrong otherwise (unknown, not numeric, tags missing)."""
    try:
        m = measurement(name)
        spec = m.field(field)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    if spec.type != FieldType.float:
        raise ValueError(f"{name}.{field} is not numeric")
    if set(m.tags) != {"node", *tags}:
        need = sorted(set(m.tags) - {"node"})
        raise ValueError(f"{name} needs its tags besides node given as [{'='.join(need)}=…]")
    return spec
