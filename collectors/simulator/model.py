"""The simulated province's truth: what every node's metrics are at any instant.

Deterministic in (seed, node, time), vectorized over time, so the live endpoints, the
backfill of years of history and the tests all see the same province. Numbers are meant
to be believable: provincial capacity growing to about 90,000 vCPU by the end of 2019, city
nodes going live around their planned dates (some late), allocation ramping up after
go-live (some cities behind the 60 % target), diurnal and weekly load, migration counts
rising toward the targets, occasional outages, host failures and security events.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

import numpy as np

from wall.core.chinatime import CHINA, add_months, deadline_end
from wall.core.links import Link, LinksFile, load_links
from wall.core.plan.models import Node, NodeState, Plan, Tier
from wall.core.progress import EventKind, ProgressEvent

DAY = 86400
YEAR = 365.25 * DAY
SEVERITIES = ("high", "medium", "low")
CITY_DEPTS = (
    "公安局",
    "卫生健康局",
    "教育局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "自然资源局",
)
PROV_DEPTS = ("省公安厅", "省卫生健康委", "省教育厅", "省人力资源社会保障厅", "省市场监管局",
              "省自然资源厅", "省交通运输厅", "省财政厅")  # fmt: skip


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _ts(day: date, hour: int = 10) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).timestamp())


def noise(t: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic pseudo-random values in [0, 1) for each instant (vectorized hash)."""
    x = (np.asarray(t, dtype=np.int64) // 60 * 2654435761 + salt) & 0xFFFFFFFF
    x = (x ^ (x >> 15)) * 2246822519 & 0xFFFFFFFF
    x = (x ^ (x >> 13)) * 3266489917 & 0xFFFFFFFF
    return ((x ^ (x >> 16)) & 0xFFFFFF) / float(1 << 24)


def smooth(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """0 before t0, 1 after t1, a smooth ramp between."""
    x = np.clip((np.asarray(t, dtype=np.float64) - t0) / max(t1 - t0, 1.0), 0.0, 1.0)
    return x * x * (3 - 2 * x)


@dataclass
class NodeSim:
    """One node's fixed character: sizes, dates and temperament, drawn from its seed."""

    node: Node
    seed: int
    live_ts: int | None  # go-live (city, province) or first docking (PRD, industry)
    interop_ts: int | None  # PRD / industry: reached resource interop
    building_ts: int | None
    security_ts: int | None
    hosts: int
    vcpu_per_host: int
    mem_per_host_gib: float
    storage_tib: float
    alloc_target: float  # allocation ratio the node tends to, a year after go-live
    migration_target: float  # share of planned systems migrated at one year
    depts: tuple[str, ...]
    planned: dict[str, int]
    outages: np.ndarray = field(repr=False)  # (n, 2) start, end epoch seconds

    @property
    def salt(self) -> int:
        return self.seed & 0xFFFFFFF


@dataclass(frozen=True)
class LinkSim:
    """One extranet link's character: when its far end first answers, its latency, how busy
    it is, and its outages (the link's own, apart from the node's)."""

    link: Link
    seed: int
    live_ts: int | None
    rtt_ms: float
    busy: float  # share of the contracted bandwidth used at the office-hours peak
    outages: np.ndarray = field(repr=False)  # (n, 2) start, end epoch seconds

    @property
    def salt(self) -> int:
        return self.seed & 0xFFFFFFF


# the days 梅州's rebuilt extranet was complete (its progress reports say the same): 市县两级
# (三（一）, due 2019-12-31) and the whole city's (三（三）, due 2020-12-31). Each milestone's last
# link starts answering so that it has answered probes for the judge's number of days on
# that day; the others earlier.
MEIZHOU_DONE = {"m5a-meizhou-extranet": date(2019, 12, 26), "m5b-meizhou-demo": date(2020, 12, 18)}


def _first_milestone(link: Link) -> str | None:
    """The earliest of 梅州's network milestones a link counts for (5a before 5b)."""
    return next((m for m in MEIZHOU_DONE if m in link.milestones), None)


class Province:
    """The whole simulated province, built from the plan registry and a seed."""

    def __init__(self, plan: Plan, seed: int = 2019, now: datetime | None = None,
                 links: LinksFile | None = None):  # fmt: skip
        self.plan = plan
        self.seed = seed
        self.start = _ts(plan.period.start, 0)
        self.now = now or datetime.now(UTC)
        self.nodes: dict[str, NodeSim] = {n.id: self._draw(n) for n in plan.nodes}
        self.links_file = links or load_links()
        self._last_site = {  # each milestone's last county site to be rebuilt
            m: max(k.id for k in self.links_file.links if k.site and m == _first_milestone(k))
            for m in MEIZHOU_DONE
            if any(k.site and m == _first_milestone(k) for k in self.links_file.links)
        }
        self.links: dict[str, LinkSim] = {
            link.id: self._draw_link(link) for link in self.links_file.links
        }

    def _draw_link(self, link: Link) -> LinkSim:
        """A plan node's link answers from the node's go-live; a 梅州 county site's from its
        rebuild: the last of a milestone's sites so that the milestone is complete on the day
        its progress report says, the others in the months before."""
        rng = np.random.default_rng(_seed(self.seed, link.id))
        first = _first_milestone(link)
        if link.site is None or first not in MEIZHOU_DONE:
            live = self.nodes[link.node].live_ts
        else:
            crit = self.plan.milestone(first).criterion
            days = getattr(crit, "days", 1)
            last = MEIZHOU_DONE[first] - timedelta(days=days - 1)
            early = 0 if self._last_site.get(first) == link.id else int(rng.integers(1, 150))
            live = _ts(last - timedelta(days=early), 0)  # from the start of its day
        n_out = int(rng.integers(4, 10))
        starts = np.sort(rng.integers(self.start, self.start + int(12 * YEAR), n_out))
        outages = np.stack([starts, starts + rng.integers(5, 120, n_out) * 60], axis=1)
        return LinkSim(link, _seed(self.seed, link.id, "salt"), live,
                       float(rng.uniform(3.0, 18.0)), float(rng.uniform(0.15, 0.65)), outages)  # fmt: skip

    def link_state(self, sim: LinkSim, t: np.ndarray) -> dict[str, np.ndarray]:
        """What a link's far end and router show at instants t: answering (1/0), round-trip
        time, the share of probes lost, and traffic in and out (Mbit/s)."""
        t = np.asarray(t, dtype=np.int64)
        live = t >= (sim.live_ts if sim.live_ts is not None else np.iinfo(np.int64).max)
        i = np.searchsorted(sim.outages[:, 0], t, side="right") - 1
        ok = i >= 0
        out = ok & (t < np.where(ok, sim.outages[np.clip(i, 0, None), 1], 0))
        up = live & ~out
        hourly = noise(t // 3600 * 3600, sim.salt + 1)
        lossy = hourly > 0.985  # a bad hour now and then: loss and latency up together
        loss = np.where(lossy, np.round(0.01 + (hourly - 0.985) * 8, 3), 0.0)
        rtt = sim.rtt_ms * (1 + 0.2 * noise(t, sim.salt + 2)) * np.where(lossy, 5.0, 1.0)
        local = (t + 8 * 3600) % DAY / 3600.0
        office = np.exp(-(((local - 11.0) / 3.2) ** 2)) + 0.7 * np.exp(
            -(((local - 15.5) / 2.5) ** 2)
        )
        mbps = sim.link.mbps * sim.busy * (0.08 + office) * (0.85 + 0.3 * noise(t, sim.salt + 3))
        return {
            "up": np.where(up, 1.0, 0.0),
            "rtt_ms": np.round(rtt, 2),
            "loss": np.where(up, loss, 1.0),
            "in_mbps": np.where(up, np.round(mbps, 2), 0.0),
            "out_mbps": np.where(up, np.round(mbps * 0.6, 2), 0.0),
        }

    # -- the nodes' character
    def _draw(self, node: Node) -> NodeSim:
        rng = np.random.default_rng(_seed(self.seed, node.id))
        late = rng.random() < 0.2
        live = building = interop = security = None
        if node.tier == Tier.province:
            live = self.start - 400 * DAY
            security = _ts(date(2019, 3, 15))
        elif node.tier == Tier.city:
            deadline = node.deadline or self.plan.period.end
            shift = rng.integers(15, 80) if late else -rng.integers(5, 110)
            live_day = deadline + timedelta(days=int(shift))
            if node.pilot:
                live_day = date(2019, 6, 28)
            live = _ts(live_day, 10)
            building = live - int(rng.integers(120, 200)) * DAY
            months = 6 + (
                int(rng.integers(1, 3)) if rng.random() < 0.25 else -int(rng.integers(0, 4))
            )
            security = _ts(add_months(live_day, months), 15)
        elif node.tier == Tier.prd:
            deadline = node.deadline or self.plan.period.end
            shift = rng.integers(10, 60) if late else -rng.integers(0, 75)
            live = _ts(deadline + timedelta(days=int(shift)), 16)
            interop = live + int(rng.integers(150, 420)) * DAY
            security = live + int(rng.integers(60, 230)) * DAY
        else:  # industry clouds dock case by case; the last one has not docked yet
            order = ["ind-weather", "ind-medical", "ind-party", "ind-talent"]
            i = order.index(node.id) if node.id in order else len(order)
            if i < 3:
                live = _ts(date(2020, 3, 20) + timedelta(days=230 * i), 11)
                interop = live + 300 * DAY if i == 0 else None
        if node.tier == Tier.province:
            hosts, per_host, mem, storage = 340, 112, 768.0, 5200.0
        elif node.tier == Tier.prd:
            hosts = int(rng.integers(120, 320))
            per_host, mem, storage = 96, 512.0, float(rng.integers(900, 3000))
        elif node.tier == Tier.city:
            hosts = int(rng.integers(24, 64))
            per_host, mem, storage = 96, 512.0, float(rng.integers(150, 600))
        else:
            hosts = int(rng.integers(10, 30))
            per_host, mem, storage = 64, 384.0, float(rng.integers(60, 240))
        behind = rng.random() < 0.3
        depts = PROV_DEPTS if node.tier == Tier.province else CITY_DEPTS
        planned = {d: int(rng.integers(8, 40)) for d in depts}
        if node.tier == Tier.province:
            planned = {d: int(rng.integers(60, 95)) for d in depts}  # two centres: ~1,200 systems
        n_out = int(rng.integers(8, 16))
        starts = np.sort(rng.integers(self.start, self.start + int(12 * YEAR), n_out))
        outages = np.stack([starts, starts + rng.integers(10, 180, n_out) * 60], axis=1)
        return NodeSim(
            node=node,
            seed=_seed(self.seed, node.id, "salt"),
            live_ts=live,
            interop_ts=interop,
            building_ts=building,
            security_ts=security,
            hosts=hosts,
            vcpu_per_host=per_host,
            mem_per_host_gib=mem,
            storage_tib=storage,
            alloc_target=float(rng.uniform(0.45, 0.58) if behind else rng.uniform(0.63, 0.8)),
            migration_target=float(rng.uniform(0.3, 0.47) if behind else rng.uniform(0.55, 0.85)),
            depts=depts,
            planned=planned,
            outages=outages,
        )

    # -- what each node reports at instants t (epoch seconds, numpy arrays)
    def reporting(self, sim: NodeSim, t: np.ndarray) -> np.ndarray:
        """True where the node's platform exists and sends data (live or docked)."""
        return np.asarray(t) >= (sim.live_ts if sim.live_ts is not None else np.iinfo(np.int64).max)

    def hosts_total(self, sim: NodeSim, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if sim.node.tier == Tier.province:
            # provincial capacity: about 73,000 vCPU on 2019-01-01, past 90,000 by mid-December
            grow = (
                smooth(t, self.start, _ts(date(2019, 12, 12))) * 0.27
                + np.clip((t - _ts(date(2020, 1, 1))) / YEAR, 0, None) * 0.05
            )
            return np.round(
                sim.hosts
                * (0.95 + grow)
                * (0.55 if sim.node.id.endswith("mingmei") else 0.45)
                * 2.0
            )
        years = np.clip((t - (sim.live_ts or 0)) / YEAR, 0, None)
        return np.round(sim.hosts * (1 + 0.18 * years))

    def capacity(self, sim: NodeSim, t: np.ndarray) -> dict[str, np.ndarray]:
        hosts = self.hosts_total(sim, t)
        vcpu_total = hosts * sim.vcpu_per_host
        since = np.asarray(t, dtype=np.float64) - (sim.live_ts or 0)
        ramp = 0.12 + (sim.alloc_target - 0.12) * smooth(since, 0, YEAR)
        if sim.node.tier == Tier.province:
            ramp = np.full(len(hosts), sim.alloc_target)
        wobble = (noise(np.asarray(t) // DAY * DAY, sim.salt) - 0.5) * 0.03
        alloc = np.clip(ramp + wobble, 0.02, 0.97)
        mem_total = hosts * sim.mem_per_host_gib
        storage_total = sim.storage_tib * hosts / max(sim.hosts, 1)
        return {
            "vcpu_total": vcpu_total,
            "vcpu_allocated": np.round(vcpu_total * alloc),
            "mem_total_gib": mem_total,
            "mem_allocated_gib": np.round(mem_total * np.clip(alloc * 0.95 + 0.02, 0, 1), 1),
            "storage_total_tib": np.round(storage_total, 2),
            "storage_allocated_tib": np.round(storage_total * np.clip(alloc * 0.9, 0, 1), 2),
            # quotas are granted ahead of use: a fifth more than allocated, within capacity
            "vcpu_quota": np.round(np.minimum(vcpu_total, vcpu_total * alloc * 1.2)),
            "mem_quota_gib": np.round(np.minimum(mem_total, mem_total * alloc * 1.2)),
        }

    def down(self, sim: NodeSim, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t)
        i = np.searchsorted(sim.outages[:, 0], t, side="right") - 1
        ok = i >= 0
        return ok & (t < np.where(ok, sim.outages[np.clip(i, 0, None), 1], 0))

    def usage(self, sim: NodeSim, t: np.ndarray) -> dict[str, np.ndarray]:
        t = np.asarray(t, dtype=np.int64)
        local = (t + 8 * 3600) % DAY / 3600.0
        weekday = ((t + 8 * 3600) // DAY + 3) % 7  # 0 = Monday
        office = np.exp(-(((local - 11.0) / 3.2) ** 2)) + 0.7 * np.exp(
            -(((local - 15.5) / 2.5) ** 2)
        )
        weekly = np.where(weekday >= 5, 0.45, 1.0)
        cap = self.capacity(sim, t)
        alloc = cap["vcpu_allocated"] / np.maximum(cap["vcpu_total"], 1)
        n = noise(t, sim.salt + 1)
        cpu = np.clip(0.08 + alloc * (0.15 + 0.45 * office * weekly) + (n - 0.5) * 0.06, 0.01, 0.99)
        mem = np.clip(0.25 + alloc * 0.55 + (noise(t, sim.salt + 2) - 0.5) * 0.03, 0.05, 0.98)
        storage = np.clip(
            cap["storage_allocated_tib"] / np.maximum(cap["storage_total_tib"], 1e-9) * 0.85,
            0,
            0.99,
        )
        scale = sim.hosts * 40.0
        return {
            "cpu_util": np.round(cpu, 4),
            "mem_util": np.round(mem, 4),
            "storage_util": np.round(storage, 4),
            "net_in_mbps": np.round(scale * (0.1 + office * weekly) * (0.8 + 0.4 * n), 1),
            "net_out_mbps": np.round(
                scale * 0.7 * (0.1 + office * weekly) * (0.8 + 0.4 * noise(t, sim.salt + 3)), 1
            ),
        }

    def health(self, sim: NodeSim, t: np.ndarray) -> dict[str, np.ndarray]:
        t = np.asarray(t, dtype=np.int64)
        hosts = self.hosts_total(sim, t)
        down = self.down(sim, t)
        n = noise(t // 3600 * 3600, sim.salt + 4)
        hosts_down = np.where(n > 0.97, np.ceil((n - 0.97) * 100), 0.0)
        cap = self.capacity(sim, t)
        vms = np.round(cap["vcpu_allocated"] / 4.0)
        return {
            "up": np.where(down, 0.0, 1.0),
            "hosts_total": hosts,
            "hosts_down": np.where(down, hosts, hosts_down),
            "vms_running": np.where(down, 0.0, vms),
            "api_latency_ms": np.round(40 + 80 * noise(t, sim.salt + 5) ** 3, 1),
        }

    def security(
        self, sim: NodeSim, t: np.ndarray, interval_s: int
    ) -> dict[str, dict[str, np.ndarray]]:
        """Events within each interval ending at t, and incidents open at t, by severity."""
        t = np.asarray(t, dtype=np.int64)
        out = {}
        for k, sev in enumerate(SEVERITIES):
            rate_per_hour = (0.05, 0.6, 3.0)[k] * (sim.hosts / 40)
            lam = rate_per_hour * interval_s / 3600
            u = noise(t, sim.salt + 10 + k)
            # inverse-CDF of a Poisson count, good enough for small rates
            events = np.floor(-np.log1p(-u * 0.999) * lam)
            # incidents open at t (re-drawn every six hours): most nodes have none open; a
            # high-severity one is open somewhere in the province about one time in ten
            open_inc = np.floor(noise(t // (6 * 3600), sim.salt + 20 + k) ** 3 * (1.1, 2.5, 4)[k])
            out[sev] = {"events": events, "open_incidents": open_inc}
        return out

    def migration(self, sim: NodeSim, t: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """Planned and migrated systems per department (cumulative) at t."""
        t = np.asarray(t, dtype=np.float64)
        out = {}
        for i, dept in enumerate(sim.depts):
            planned = sim.planned[dept]
            if sim.node.tier == Tier.province:
                # provincial departments: ≥400 by end 2019, ≥1,000 by end 2020 (together)
                share = (
                    0.06
                    + 0.32 * smooth(t, self.start, _ts(date(2019, 12, 20)))
                    + 0.52 * smooth(t, _ts(date(2020, 1, 1)), _ts(date(2020, 12, 15)))
                    + 0.06 * smooth(t, _ts(date(2021, 1, 1)), _ts(date(2023, 1, 1)))
                )
            else:
                since = t - (sim.live_ts or 0)
                year_share = sim.migration_target * (0.8 + 0.4 * ((i * 37 + sim.salt) % 10) / 10)
                share = np.where(
                    since < 0,
                    0.0,
                    year_share * smooth(since, 0, YEAR)
                    + (0.95 - year_share) * smooth(since, YEAR, 4 * YEAR),
                )
            out[dept] = {
                "systems_planned": np.full(len(t), float(planned)),
                "systems_migrated": np.floor(np.clip(share, 0, 1) * planned),
            }
        return out

    # -- actual progress, as a real province would record it
    @cached_property
    def events(self) -> list[ProgressEvent]:
        now = self.now
        out: list[ProgressEvent] = []

        def add(kind, subject, ts, evidence, stage=None):
            when = datetime.fromtimestamp(ts, UTC)
            if when <= now:
                out.append(
                    ProgressEvent(
                        kind, subject, when, evidence, "模拟省份", stage=stage, origin="simulator"
                    )
                )

        for sim in self.nodes.values():
            node = sim.node
            if node.tier == Tier.city:
                add(EventKind.node_building, node.id, sim.building_ts, "开工报告（模拟）")
                add(EventKind.node_live, node.id, sim.live_ts, "上线验收报告（模拟）")
            if node.tier in (Tier.prd, Tier.industry) and sim.live_ts is not None:
                add(
                    EventKind.docking_stage,
                    node.id,
                    sim.live_ts,
                    "统一展示对接确认（模拟）",
                    NodeState.displayed,
                )
                if sim.interop_ts is not None:
                    add(
                        EventKind.docking_stage,
                        node.id,
                        sim.interop_ts,
                        "资源互通对接确认（模拟）",
                        NodeState.interop,
                    )
            if sim.security_ts is not None and node.tier != Tier.province:
                add(
                    EventKind.security_platform,
                    node.id,
                    sim.security_ts,
                    "安全运营平台对接确认（模拟）",
                )
        for mid, day, hour in (
            ("m7-xinchuang-pilot", date(2019, 8, 29), 17),
            ("m8a-rules", date(2019, 9, 27), 10),
            ("m8b-usage-guide", date(2019, 11, 14), 10),  # late, as real plans sometimes are
            ("m8c-settlement", date(2019, 10, 28), 15),
            ("b1-mlps-compliance", date(2019, 10, 18), 11),
            ("m5a-meizhou-extranet", MEIZHOU_DONE["m5a-meizhou-extranet"], 16),
            ("m5b-meizhou-demo", MEIZHOU_DONE["m5b-meizhou-demo"], 16),
        ):
            add(EventKind.milestone_met, mid, _ts(day, hour), "完成情况报告（模拟）")
        add(
            EventKind.milestone_met,
            "m6d-identity-eseal",
            _ts(date(2020, 12, 22), 11),
            "统一身份认证、电子印章上线（模拟）",
        )
        return sorted(out, key=lambda e: e.occurred_at)

    def deadline_ts(self, day: date) -> int:
        return int(deadline_end(day).timestamp())
