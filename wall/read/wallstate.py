"""Everything one refresh of the wall shows, as of an instant: plan versus actual from the
progress events, figures and health from the store (through the cached query layer), and the
alerts that follow from them. Pure data: panels draw it, tests check it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wall.core.alerts import Alert
from wall.core.chinatime import CHINA, add_months, deadline_end
from wall.core.layouts import Level, Thresholds
from wall.core.plan.models import Node, NodeState, Plan, Tier
from wall.core.progress import Progress
from wall.read import cache, mapview, queries
from wall.read.milestones import MilestoneStatus
from wall.read.overview import Overview, build_overview, concerns
from wall.store import Store, StoreError

SEVERITY_RANK = {Level.bad: 0, Level.warn: 1}


@dataclass(frozen=True)
class SecurityRow:
    node_id: str
    name: str
    events: dict[str, float]  # severity → events in the last 24 h
    open_incidents: int
    platform_at: datetime | None  # when the security platform was deployed
    due: datetime | None  # six months after going live
    late: bool


@dataclass(frozen=True)
class WallState:
    asof: datetime
    now: datetime
    overview: Overview
    views: list[mapview.CityView]
    health: dict[str, queries.NodeHealth]
    node_figures: dict[str, queries.NodeFigures]
    security: queries.SecuritySummary | None
    security_rows: list[SecurityRow]
    replay: bool
    store_error: str | None
    thresholds: Thresholds
    node_figures_before: dict[str, queries.NodeFigures] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    progress: Progress | None = None  # the recorded events behind the plan-versus-actual
    episodes: dict = field(default_factory=dict)  # open alert episodes by kind:subject

    @property
    def replay_day(self):
        """The China day replayed (None when live): links from the wall keep it."""
        return self.asof.astimezone(CHINA).date() if self.replay else None

    def _utilization(self, figures: dict[str, queries.NodeFigures]) -> float | None:
        values = [
            f.utilization
            for v in self.overview.nodes
            if v.node.tier in (Tier.city, Tier.province)
            and v.state == NodeState.online
            and (f := figures.get(v.node.id))
            and f.utilization is not None
        ]
        return sum(values) / len(values) if values else None

    @property
    def province_utilization(self) -> float | None:
        """Mean utilization of the live city and provincial nodes with data."""
        return self._utilization(self.node_figures)

    @property
    def utilization_before(self) -> float | None:
        """The same, TREND_DAYS before (for the tile's trend)."""
        return self._utilization(self.node_figures_before)

    def city_targets(self) -> tuple[int, int, int]:
        """(cities meeting both one-year targets, cities online a year or more, cities online):
        migration rate ≥ 50 % and utilization ≥ 60 %."""
        plan = self.overview.plan
        rate_t, util_t = plan.target("city-migration-rate"), plan.target("city-utilization")
        meeting = due = online = 0
        for v in self.overview.nodes:
            if v.node.tier != Tier.city or v.state != NodeState.online or v.live_at is None:
                continue
            online += 1
            if months_after(v.live_at, 12) > self.asof:
                continue
            due += 1
            f = self.node_figures.get(v.node.id)
            if (
                f
                and f.migration_rate is not None
                and f.utilization is not None
                and f.migration_rate >= rate_t.value
                and f.utilization >= util_t.value
            ):
                meeting += 1
        return meeting, due, online


def months_after(when: datetime, months: int) -> datetime:
    """The end of the China day `months` after an instant (a deadline counted from it)."""
    return deadline_end(add_months(when.astimezone(CHINA).date(), months))


# the last live overview read in this process: shown (stale, with a banner) while the store
# is away, so the wall never goes blank because a server hiccuped
_LAST_GOOD: dict = {}


def wall_state(
    store: Store,
    plan: Plan,
    progress: Progress,
    now: datetime,
    asof: datetime,
    replay: bool,
    thresholds: Thresholds,
    stale_after_s: float,
    scope: Node | None = None,
) -> WallState:
    """The wall's state as of asof (a request's view gives now, asof and whether it is a
    replay); with a scope (a node page), only what that node's page shows: no provincial
    figures or trends, and only the milestones that concern the node."""
    error = None
    figures, health, node_figs, node_figs_before, security, reached = {}, {}, {}, {}, None, None
    try:
        if scope is None:
            figures = {
                m: queries.province_figure(store, plan, m, asof) for m in queries.WALL_FIGURES
            }
            before = asof - timedelta(days=queries.TREND_DAYS)
            node_figs_before = queries.node_figures_past(store, cache.bucket(before, 3600))
        health = {} if replay else queries.node_health(store, stale_after_s, now)
        node_figs = queries.node_figures(store, asof)
        security = queries.security_summary(store, asof)

        def reached(target_id: str, when: datetime):
            return queries.target_reached_at(store, plan, plan.target(target_id), when)

        if scope is None and not replay:
            _LAST_GOOD[store.cache_name] = dict(figures=figures, health=health, node_figs=node_figs,
                                                security=security, before=node_figs_before)  # fmt: skip
    except StoreError as exc:  # keep showing the plan, progress and the last data read,
        error = str(exc)  # every node marked stale, with a banner saying the store is away
        last = _LAST_GOOD.get(store.cache_name)
        if scope is None and not replay and last:
            figures, node_figs = last["figures"], last["node_figs"]
            security, node_figs_before = last["security"], last["before"]
            health = {n: dataclasses.replace(h, health="stale") if h.health != "none" else h
                      for n, h in last["health"].items()}  # fmt: skip
            reached = None
    wanted = (lambda m: concerns(m, scope, plan)) if scope is not None else None
    ov = build_overview(plan, progress, asof, figures, reached, wanted)
    states = {v.node.id: v.state for v in ov.nodes}
    views = mapview.city_views(plan, states, health, now, replay=replay, thresholds=thresholds)
    rows = security_rows(ov, progress, security, asof)
    state = WallState(
        asof, now, ov, views, health, node_figs, security, rows, replay, error, thresholds,
        node_figs_before,
    )  # fmt: skip
    return dataclasses.replace(state, alerts=alerts(state), progress=progress)


def security_rows(
    ov: Overview, progress: Progress, security: queries.SecuritySummary | None, asof: datetime
) -> list[SecurityRow]:
    """One row per city and PRD node: events by severity, open incidents, and whether its
    security platform came within six months of going live."""
    events: dict[str, dict[str, float]] = {}
    incidents: dict[str, int] = {}
    if security is not None:
        for node, sev, n in security.events[["node", "severity", "events"]].itertuples(index=False):
            events.setdefault(node, {})[sev] = events.get(node, {}).get(sev, 0) + float(n)
        for node, n in security.open_incidents.groupby("node")["open_incidents"].sum().items():
            incidents[node] = int(n)
    target = ov.plan.target("security-platform")
    rows = []
    for v in ov.nodes:
        if v.node.tier not in target.scope:
            continue
        platform = progress.security_platform_at(v.node, asof)
        months = target.within_months_of_live or 6
        due = months_after(v.live_at, months) if v.live_at else None
        late = due is not None and ((platform is None and asof > due) or (platform or asof) > due)
        rows.append(
            SecurityRow(
                v.node.id,
                v.node.name,
                events.get(v.node.id, {}),
                incidents.get(v.node.id, 0),
                platform,
                due,
                late,
            )
        )
    return rows


def alerts(state: WallState) -> list[Alert]:
    """What needs attention now, most severe first: nodes down or silent, utilization past
    its threshold, overdue milestones, high-severity security events."""
    out: list[Alert] = []
    names = {v.node.id: v.node.name for v in state.overview.nodes}
    th = state.thresholds
    for node_id, h in state.health.items():
        name = names.get(node_id, node_id)
        if h.health == "down":
            out.append(Alert(Level.bad, "down", node_id, f"{name} 云平台不可用"))
        elif h.health == "stale":
            when = h.time.astimezone(CHINA).strftime("%m-%d %H:%M") if h.time else "—"
            out.append(Alert(Level.bad, "stale", node_id, f"{name} 数据中断 · 最后更新 {when}"))
        elif h.health == "degraded":
            out.append(Alert(Level.warn, "degraded", node_id, f"{name} 有主机故障"))
        if h.health != "stale":
            for key, value, label in (
                ("node_utilization", h.utilization, "资源使用率"),
                ("cpu_util", h.cpu_util, "CPU 利用率"),
            ):
                level = th[key].level(value) if key in th.fields else Level.none
                if level in SEVERITY_RANK:
                    out.append(Alert(level, key, node_id, f"{name} {label} {value:.0%}"))
    for outcome in state.overview.milestones:
        if outcome.status == MilestoneStatus.overdue:
            m = outcome.milestone
            out.append(Alert(Level.bad, "overdue", m.id, f"里程碑 {m.seq} 逾期：{m.title}"))
    if "high_events_24h" in th.fields:
        for row in state.security_rows:
            high = row.events.get("high", 0)
            level = th["high_events_24h"].level(high)
            if level in SEVERITY_RANK:
                out.append(
                    Alert(
                        level,
                        "security",
                        row.node_id,
                        f"{row.name} 24小时高危安全事件 {high:.0f} 起",
                    )
                )
    order = {"down": 0, "stale": 1, "overdue": 2, "security": 3}
    return sorted(out, key=lambda a: (SEVERITY_RANK[a.level], order.get(a.kind, 9), a.subject))
