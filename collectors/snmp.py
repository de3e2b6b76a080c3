"""Source type `snmp`: the extranet routers' interfaces read by a Prometheus snmp exporter
(/snmp?target=…&module=…, IF-MIB: deploy/snmp.yml), written as the `link` measurement's
traffic, utilization against the contracted bandwidth, and operational status.

Each router is walked once per collection, whatever number of links it carries; a link's
interface is its ifIndex in the links file. The octet counters become Mbit/s between two
collections (from the second on; a counter that went back — a router restarted — waits for
the next). An exporter or router that does not answer is the collector's failure: the runner
marks the nodes stale, and the probes, not SNMP, say whether the link is down.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from collectors.base import CollectError, ErrorKind, http_client, http_get
from collectors.config import Source
from collectors.exposition import parse_exposition
from wall.core.links import Link, load_links
from wall.store import Sample

IF_OPER_UP = 1.0  # IF-MIB ifOperStatus up(1)


class SnmpCollector:
    def __init__(self, source: Source):
        self.source = source
        links = load_links(source.links_file)
        self.links = [
            link for link in links.links if link.node in source.nodes and link.interface is not None
        ]
        # (link, counter) → (time, octets) of the last collection
        self._last: dict[tuple[str, str], tuple[float, float]] = {}

    def walk(self, client, router: str, module: str) -> dict[str, dict[str, float]]:
        """The router's interfaces: ifIndex → {metric name: value}."""
        base = (self.source.url or "").rstrip("/")
        url = f"{base}/snmp?{urlencode({'target': router, 'module': module})}"
        interfaces: dict[str, dict[str, float]] = {}
        for name, labels, value in parse_exposition(http_get(client, url).text):
            if "ifIndex" in labels:  # the parser names counters as OpenMetrics does (_total)
                interfaces.setdefault(labels["ifIndex"], {})[name.removesuffix("_total")] = value
        if not interfaces:
            raise CollectError(ErrorKind.mapping, f"{url}: no interface in the answer (IF-MIB)")
        return interfaces

    def collect(self, now: datetime) -> list[Sample]:
        walked: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
        samples = []
        with http_client(self.source) as client:
            for link in self.links:
                iface = link.interface
                key = (iface.router, iface.snmp_module)
                if key not in walked:
                    walked[key] = self.walk(client, *key)
                values = walked[key].get(str(iface.if_index))
                if values is None:
                    raise CollectError(ErrorKind.mapping, f"{link.id}: router {iface.router} "
                                       f"has no interface ifIndex {iface.if_index}")  # fmt: skip
                fields = self._fields(link, values, now.timestamp())
                samples.append(
                    Sample.make("link", {"node": link.node, "link": link.id}, fields, now)
                )
        return samples

    def _fields(self, link: Link, values: dict[str, float], t: float) -> dict[str, float]:
        fields: dict[str, float] = {}
        if "ifOperStatus" in values:
            fields["oper_up"] = 1.0 if values["ifOperStatus"] == IF_OPER_UP else 0.0
        for counter, field in (("ifHCInOctets", "in_mbps"), ("ifHCOutOctets", "out_mbps")):
            if counter not in values:
                continue
            before = self._last.get((link.id, counter))
            self._last[(link.id, counter)] = (t, values[counter])
            if before is None or t <= before[0] or values[counter] < before[1]:
                continue  # first sight, or a counter that went back
            fields[field] = (values[counter] - before[1]) * 8 / (t - before[0]) / 1e6
        rates = [fields[f] for f in ("in_mbps", "out_mbps") if f in fields]
        if rates:
            fields["util"] = max(rates) / link.mbps
        if not fields:
            raise CollectError(ErrorKind.mapping, f"{link.id}: no IF-MIB value for its interface")
        return fields
