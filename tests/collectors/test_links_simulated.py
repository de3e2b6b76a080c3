"""The simulated province answers for its extranet as a provincial centre's blackbox and snmp
exporters would, so the demo collects every link with the same collectors a real province
uses: each link's state as the model has it, its traffic as the router's counters integrate."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import pytest

from collectors.blackbox import BlackboxCollector
from collectors.simulator.model import Province
from collectors.simulator.server import SimulatorServer
from collectors.simulator.sources import simulated_sources
from collectors.snmp import SnmpCollector
from wall.core.plan import load_plan

PROVINCE = Province(load_plan())


class Clock:
    """The simulator's time, as the test sets it: what the exporters answer is the model's
    state of that instant, and the test reads the truth at the same one (on the wall clock a
    loaded machine could cross a second between the two, and the per-second noise moved)."""

    def __init__(self):
        self.t = float(int(time.time()))

    def __call__(self) -> float:
        return self.t

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


@pytest.fixture(scope="module")
def clock():
    return Clock()


@pytest.fixture(scope="module")
def simulator(clock):
    server = SimulatorServer(PROVINCE, clock=clock).start()
    yield server
    server.stop()


def _source(simulator, kind):
    return next(s for s in simulated_sources(PROVINCE, simulator.url, 15) if s.type == kind)


def test_every_live_links_state_is_collected_as_the_model_has_it(simulator, clock):
    collector = BlackboxCollector(_source(simulator, "blackbox"))
    now = clock.now
    got = {s.tags["link"]: s for s in collector.collect(now)}
    assert len(got) == len(PROVINCE.links_file.links)  # every node is live in the present
    for link_id, sample in got.items():
        truth = PROVINCE.link_state(PROVINCE.links[link_id], np.array([int(now.timestamp())]))
        if truth["loss"][0] == 0:  # a lossy hour loses some probes, by chance
            assert sample.fields["up"] == truth["up"][0], link_id
        if sample.fields["up"] == 1.0:
            assert sample.fields["rtt_ms"] == pytest.approx(truth["rtt_ms"][0], rel=0.3)
    meizhou = [s for s in got.values() if s.tags["node"] == "city-meizhou"]
    assert len(meizhou) == 17  # the city's own link, eight counties, eight township aggregations


def test_the_routers_counters_give_each_links_traffic(simulator, clock):
    # the router's counters integrate the rate of the instant it is asked
    collector = SnmpCollector(_source(simulator, "snmp"))
    first = collector.collect(clock.now)
    assert all(set(s.fields) == {"oper_up"} for s in first)  # no rate from one reading
    clock.t += 60
    second = {s.tags["link"]: s.fields for s in collector.collect(clock.now)}
    assert len(second) == len(PROVINCE.links_file.links)
    for link_id, fields in second.items():
        sim = PROVINCE.links[link_id]
        truth = PROVINCE.link_state(sim, np.array([int(clock.t)]))
        assert fields["in_mbps"] == pytest.approx(truth["in_mbps"][0], abs=0.01), link_id
        assert fields["out_mbps"] == pytest.approx(truth["out_mbps"][0], abs=0.01), link_id
        assert fields["util"] == pytest.approx(
            max(truth["in_mbps"][0], truth["out_mbps"][0]) / sim.link.mbps, abs=1e-4
        )
