"""The sources file that collects the simulated province, as a real province would have it: each
node's exporters scraped directly, the PRD clouds and the security centre through their JSON
APIs. `gdwall simulate --sources-out FILE` writes it for the simulator it starts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml

from collectors.config import Source
from collectors.simulator.model import Province
from wall.core.plan.models import Tier


def simulated_sources(province: Province, url: str, interval_s: float) -> list[Source]:
    """Sources for every node whose platform exists now (a node not yet built has none)."""
    now = np.array([int(datetime.now(UTC).timestamp())])
    live = [sim.node for sim in province.nodes.values() if province.reporting(sim, now)[0]]
    timeout = min(5.0, interval_s)
    sources = [
        Source(
            name=f"sim-{node.id}",
            type="exposition",
            url=f"{url}/nodes/{node.id}/metrics",
            mapping="openstack_exporter,node_exporter",
            nodes=[node.id],
            interval_s=interval_s,
            timeout_s=timeout,
        )
        for node in live
        if node.tier != Tier.prd
    ]
    prd = [node.id for node in live if node.tier == Tier.prd]
    if prd:
        cmp = Source(name="sim-prd-cmp", type="http_json", url=f"{url}/api/v1/clouds/{{node}}",
                     mapping="cmp_v1", nodes=prd, interval_s=interval_s, timeout_s=timeout)  # fmt: skip
        sources.append(cmp)
    soc = Source(name="sim-soc", type="http_json", url=f"{url}/api/v1/security/{{node}}",
                 mapping="soc_v1", nodes=[n.id for n in live], interval_s=max(60.0, interval_s),
                 timeout_s=timeout)  # fmt: skip
    # the extranet: every live node's links probed and their routers read, as a provincial
    # centre's blackbox and snmp exporters would (the simulator answers for both)
    linked = sorted({link.node for link in province.links_file.links} & {n.id for n in live})
    extranet = []
    if linked:
        extranet = [
            Source(name="sim-extranet-probes", type="blackbox", url=url, nodes=linked,
                   interval_s=interval_s, timeout_s=timeout, loss_window_s=max(300.0, 5 * interval_s)),
            Source(name="sim-extranet-routers", type="snmp", url=url, nodes=linked,
                   interval_s=interval_s, timeout_s=timeout),
        ]  # fmt: skip
    return [*sources, soc, *extranet]


def write_sources_file(path: Path, sources: list[Source]) -> Path:
    """Write a sources file (the format `gdwall collect --sources` and check-config read),
    atomically: a collector never reads half of it."""
    document = {
        "schema_version": 1,
        "kind": "sources",
        "sources": [s.model_dump(mode="json", exclude_none=True) for s in sources],
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(
        "# written by gdwall simulate: the sources that collect the simulated province\n"
        + yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    tmp.replace(path)
    return path
