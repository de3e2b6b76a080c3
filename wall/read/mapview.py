"""What the map says of each of Guangdong's 21 cities, as of an instant: the node the plan has
there, its state and health as a category, its label (name, utilization or trouble in words)
and its hover text. The web's map panel gives these their colours and draws them."""

from __future__ import annotations

from dataclasses import dataclass

from geo.cities import CITIES
from wall.core.chinatime import CHINA
from wall.core.formats import age_text
from wall.core.layouts import Level, Thresholds
from wall.core.plan.models import STATE_LABEL, NodeState, Plan, Tier
from wall.read.queries import NodeHealth

# the categories a city is drawn in, in the order of the map's colour scale
CATEGORY_LABELS = ["未建成/未对接", "建设中", "正常", "降级", "中断", "数据中断"]
HEALTH_LABEL = {
    "ok": "正常",
    "degraded": "降级",
    "down": "中断",
    "stale": "数据中断",
    "none": "无数据",
}


@dataclass(frozen=True)
class CityView:
    adcode: int
    name: str
    node_id: str | None
    category: int
    hover: str
    flowing: bool  # fresh data from this node reaches the province
    label: str = ""  # on the map: the city's name and its node's utilization or trouble
    level: Level = Level.none  # of the utilization against its threshold


def city_views(
    plan: Plan,
    states: dict[str, NodeState],
    health: dict[str, NodeHealth],
    now,
    replay: bool = False,
    thresholds: Thresholds | None = None,
) -> list[CityView]:
    """One view per city: the node the plan has there (city node or PRD cloud). In a replay of
    a past date, health is not known: live nodes are shown by their state alone. The label
    under each name gives the node's utilization (coloured by the `node_utilization`
    threshold) or, when there is none to show, what is wrong, in words."""
    judge = (
        thresholds["node_utilization"]
        if thresholds and "node_utilization" in thresholds.fields
        else None
    )
    by_adcode = {n.adcode: n for n in plan.nodes if n.tier in (Tier.city, Tier.prd)}
    out = []
    for city in CITIES:
        node = by_adcode.get(city.adcode)
        if node is None:
            out.append(
                CityView(city.adcode, city.name, None, 0, f"<b>{city.name}</b>", False, city.name)
            )
            continue
        state = states.get(node.id)
        h = health.get(node.id)
        live = state in (NodeState.online, NodeState.displayed, NodeState.interop)
        if not live:
            category = 1 if state == NodeState.building else 0
        elif replay:
            category = 2
        else:
            category = {"ok": 2, "degraded": 3, "down": 4}.get(h.health if h else "none", 5)
        lines = [f"<b>{city.name}</b> · {node.name}", f"状态：{STATE_LABEL.get(state, '—')}"]
        if h is not None:
            age = max((now - h.time).total_seconds(), 0)
            lines.append(f"健康：{HEALTH_LABEL[h.health]} · 数据 {age_text(age)}前")
            if h.utilization is not None:
                lines.append(f"云资源整体使用率：{h.utilization:.0%}")
            if h.cpu_util is not None:
                lines.append(f"CPU 利用率：{h.cpu_util:.0%}")
        elif live and replay:
            lines.append("回放：按进度事件显示")
        elif live:
            lines.append("健康：无数据")
        if category == 5 and not replay:
            lines.append(
                f"数据中断 · 最后更新 {h.time.astimezone(CHINA):%H:%M}" if h else "数据中断"
            )
        flowing = live and h is not None and h.health in ("ok", "degraded", "down")
        second, level = "", Level.none
        if category == 5 and not replay:
            second = "⚠数据中断" if h else "⚠无数据"
        elif category == 4:
            second = "✖中断"
        elif flowing and h.utilization is not None:
            level = judge.level(h.utilization) if judge else Level.none
            mark = {Level.bad: "✖", Level.warn: "▲", Level.careful: "●"}.get(level, "")
            second = f"{mark}{h.utilization:.0%}"
        label = f"{city.name}<br>{second}" if second else city.name
        out.append(
            CityView(city.adcode, city.name, node.id, category, "<br>".join(lines), flowing,
                     label, level)
        )  # fmt: skip
    return out
