"""The demo: history since 2019 backfilled once, the simulated province served, collectors
pulling it every few seconds, progress events recorded — everything the wall needs to be
seen working on a machine with nothing else installed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime

import numpy as np

from collectors.config import Source
from collectors.runner import Runner
from collectors.simulator.backfill import backfill
from collectors.simulator.model import Province
from collectors.simulator.server import SimulatorServer
from wall.plan.loader import cached_plan
from wall.plan.models import Tier
from wall.progress import add_event
from wall.settings import Settings
from wall.state.db import connect
from wall.store import store_from_settings
from wall.store.spool import BufferedWriter, Spool

BACKFILL_MARK = "backfill.done"


def demo_sources(province: Province, url: str, interval_s: float) -> list[Source]:
    """Sources for every node whose platform exists now, as a real province would have them:
    each node's exporters scraped directly, the PRD clouds through their platforms' JSON API."""
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
        sources.append(
            Source(
                name="sim-prd-cmp",
                type="http_json",
                url=f"{url}/api/v1/clouds/{{node}}",
                mapping="cmp_v1",
                nodes=prd,
                interval_s=interval_s,
                timeout_s=timeout,
            )
        )
    sources.append(
        Source(
            name="sim-soc",
            type="http_json",
            url=f"{url}/api/v1/security/{{node}}",
            mapping="soc_v1",
            nodes=[n.id for n in live],
            interval_s=60.0,
            timeout_s=timeout,
        )
    )
    return sources


def start_demo(
    settings: Settings,
    interval_s: float = 15.0,
    since: datetime = datetime(2019, 1, 1, tzinfo=UTC),
    say: Callable[[str], None] = print,
) -> Runner:
    """Prepare data (first start only), start the simulator and the collectors in threads."""
    plan = cached_plan(settings.plan_path)
    province = Province(plan)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = store_from_settings(settings)
    mark = settings.data_dir / BACKFILL_MARK
    if not mark.exists():
        say(f"first start: writing the simulated province's history since {since:%Y-%m-%d} …")
        lines = backfill(store, province, since, progress=say)
        mark.write_text(f"{lines} lines, {datetime.now(UTC).isoformat()}\n")
    with closing(connect(settings.state_db_path)) as conn:
        added = sum(add_event(conn, plan, e) for e in province.events)
    if added:
        say(f"recorded {added} progress events of the simulated province")
    server = SimulatorServer(province).start()
    sources = demo_sources(province, server.url, interval_s)
    writer = BufferedWriter(store, Spool(settings.spool_path, settings.spool_limit_bytes))
    runner = Runner(sources, writer, retries=1, backoff_s=0.5)
    threading.Thread(target=runner.run, daemon=True, name="collectors").start()
    say(f"simulator on {server.url}; collecting {len(sources)} sources every {interval_s:g} s")
    from wall import bulletin_schedule

    bulletin_schedule.start(settings, store)  # this process is the only one that schedules
    say(f"bulletins of each finished month and quarter go to {settings.bulletin_path}")
    return runner
