"""Source type `simulator`: the simulated province read directly, without HTTP — for trying
the wall without any endpoint. (The demo scrapes the simulator's endpoints instead, to
exercise the same collectors a real province uses.)"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from collectors.base import CollectError, ErrorKind
from collectors.config import Source
from collectors.simulator.model import Province
from wall.core.plan.loader import cached_plan
from wall.store import Sample


class SimulatorCollector:
    def __init__(self, source: Source, seed: int = 2019):
        self.source = source
        self.province = Province(cached_plan(), seed=seed)

    def collect(self, now: datetime) -> list[Sample]:
        t = np.array([int(now.timestamp())])
        out = []
        for node in self.source.nodes:
            sim = self.province.nodes.get(node)
            if sim is None or not self.province.reporting(sim, t)[0]:
                raise CollectError(ErrorKind.unreachable, f"{node}: no platform (not live yet)")
            for name, fields in (("capacity", self.province.capacity(sim, t)),
                                 ("usage", self.province.usage(sim, t)),
                                 ("health", self.province.health(sim, t))):  # fmt: skip
                out.append(
                    Sample.make(
                        name, {"node": node}, {k: float(v[0]) for k, v in fields.items()}, now
                    )
                )
        return out
