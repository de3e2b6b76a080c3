"""What the map says of each of Guangdong's 21 cities, as of an instant: the node the plan has
there; two categories, one answering the plan's question (not yet built, late, live and in its
first year, one-year targets met or missed: the judge's verdicts) and one the node's health;
its label (name, and utilization against the plan's floor, or trouble in words) and its hover
text. The web's map panel gives these their colours and draws them; a screen's layout says
which category colours its map."""

from __future__ import annotations

from dataclasses import dataclass

from geo.cities import CITIES
from wall.core.chinatime import CHINA
from wall.core.formats import age_text
from wall.core.layouts import Level, Thresholds
from wall.core.plan.models import STATE_LABEL, NodeState, Plan, Tier
from wall.read.judge import MET, State, Verdicts
from wall.read.queries import LinkHealth, NodeHealth

# the categories a city is drawn in, in the order of the map's colour scale: by health, and
# by the plan (the judge's verdicts on the node's own deadline and its one-year targets)
CATEGORY_LABELS = ["未建成/未对接", "建设中", "正常", "降级", "中断", "数据中断"]
PLAN_LABELS = ["未到期·待建设/对接", "建设中", "逾期未建成/未对接", "已上线·一周年考核期内",
               "一周年目标未达成", "一周年目标已达成", "一周年目标无法判断",
               "珠三角自建云已对接"]  # fmt: skip
LATE, MISSED = 2, 4
LINK_LABEL = {
    "up": "正常",
    "degraded": "质量下降",
    "down": "中断",
    "stale": "探测无数据",
    "none": "未探测",
}
LINK_BLIND = "链路中断，节点状态未知"  # a node behind a link that is down cannot be seen
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
    level: Level = Level.none  # how much the label asks for attention
    plan_category: int = 0  # index into PLAN_LABELS
    plan_label: str = ""  # the label when the map answers the plan's question
    plan_level: Level = Level.none
    link: str = "none"  # its extranet link to the province: up, degraded, down, stale, none
    link_util: float | None = None  # the link's busier direction against its contracted Mbit/s


def link_state(h: LinkHealth | None, thresholds: Thresholds | None) -> str:
    """A link's state in words the map and alerts share: degraded when its loss or latency
    passes the thresholds file's link_loss or link_rtt_ms warning level."""
    if h is None:
        return "none"
    if h.state != "up":
        return h.state
    for key, value in (("link_loss", h.loss), ("link_rtt_ms", h.rtt_ms)):
        known = thresholds is not None and key in thresholds.fields and value is not None
        if known and thresholds[key].level(value) in (Level.warn, Level.bad):
            return "degraded"
    return "up"


def link_line(h: LinkHealth | None, thresholds: Thresholds | None) -> str:
    """The hover's line on the node's extranet link."""
    state = link_state(h, thresholds)
    text = f"政务外网链路：{LINK_LABEL[state]}"
    if h is not None and h.state == "up":
        if h.rtt_ms is not None:
            text += f" · 时延 {h.rtt_ms:.0f} ms"
        if h.loss is not None:
            text += f" · 丢包 {h.loss:.0%}"
        if h.util is not None:
            text += f" · 带宽使用 {h.util:.0%}"
    return text


def city_views(
    plan: Plan,
    states: dict[str, NodeState],
    health: dict[str, NodeHealth],
    now,
    replay: bool = False,
    thresholds: Thresholds | None = None,
    verdicts: Verdicts | None = None,
    floor=None,
    asof=None,
    links: dict[str, LinkHealth] | None = None,
) -> list[CityView]:
    """One view per city: the node the plan has there (city node or PRD cloud). In a replay of
    a past date, health is not known: live nodes are shown by their state alone. The label
    under each name gives the node's utilization (coloured by the `node_utilization`
    threshold) or, when there is none to show, what is wrong, in words; the plan's label says
    late in words, marks utilization below the plan's floor (`floor(node)`, the judge's) ▼ and
    capacity pressure ▲ apart, and shows trouble only where health is not ok. A node whose
    data stopped behind an extranet link that is down is said to be unseen, not failed."""
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
        link = "none" if replay else link_state((links or {}).get(node.id), thresholds)
        blind = category == 5 and not replay and link == "down"  # unseen, not known failed
        if live and not replay and link != "none":
            lines.append(link_line((links or {}).get(node.id), thresholds))
        if blind:
            lines.append(LINK_BLIND)
        elif category == 5 and not replay:
            lines.append(
                f"数据中断 · 最后更新 {h.time.astimezone(CHINA):%H:%M}" if h else "数据中断"
            )
        flowing = live and h is not None and h.health in ("ok", "degraded", "down")
        second, level = "", Level.none
        if blind:
            second = "⚠链路中断"
        elif category == 5 and not replay:
            second = "⚠数据中断" if h else "⚠无数据"
        elif category == 4:
            second = "✖中断"
        elif flowing and h.utilization is not None:
            level = judge.level(h.utilization) if judge else Level.none
            mark = {Level.bad: "✖", Level.warn: "▲", Level.careful: "●"}.get(level, "")
            second = f"{mark}{h.utilization:.0%}"
        label = f"{city.name}<br>{second}" if second else city.name
        built = verdicts.built.get(node.id) if verdicts else None
        year = verdicts.year.get(node.id) if verdicts else None
        in_year = (
            year is not None
            and year.due is not None
            and (asof is None or asof.astimezone(CHINA).date() <= year.due)
        )
        pcat = _plan_category(
            node, live, state, built and built.state, year and year.state, in_year
        )
        if built is not None and built.state == State.overdue:
            lines.insert(1, f"计划：{built.title} · 应于 {built.due:%Y-%m-%d} 前 · 逾期未完成")
        if year is not None and live:
            lines.append(f"一周年目标：{year.label}{' · ' + year.reason if year.reason else ''}")
        psecond, plevel = _plan_second(node, pcat, category, h, flowing, replay, judge, floor)
        if blind and pcat != LATE:
            psecond, plevel = "⚠链路中断", Level.bad
        plabel = f"{city.name}<br>{psecond}" if psecond else city.name
        out.append(
            CityView(city.adcode, city.name, node.id, category, "<br>".join(lines), flowing,
                     label, level, pcat, plabel, plevel, link, _util(links, node.id, link))
        )  # fmt: skip
    return out


def _util(links: dict[str, LinkHealth] | None, node_id: str, state: str) -> float | None:
    """The link's measured traffic share, while it answers (a link down carries nothing)."""
    h = (links or {}).get(node_id)
    return h.util if h is not None and state in ("up", "degraded") else None


def _plan_category(node, live: bool, state, built, year, in_year: bool) -> int:
    """The plan's answer for a node: late when its own deadline passed unmet; a PRD cloud,
    docked; a city node once live, how its one-year targets stand (in its first year, met,
    missed, or undecidable once the anniversary has passed without the figures)."""
    if built == State.overdue:
        return LATE
    if not live:
        return 1 if state == NodeState.building else 0
    if node.tier == Tier.prd:
        return 7
    if year in MET:
        return 5
    if year == State.missed:
        return MISSED
    if year == State.unknown and not in_year:
        return 6
    return 3


def _plan_second(node, pcat, category, h, flowing, replay, judge, floor) -> tuple[str, Level]:
    """The plan map's second line: late in words; trouble where health is not ok (down, data
    stopped); else utilization, ▼ below the plan's floor, ▲ under capacity pressure."""
    if pcat == LATE:
        return ("逾期未对接" if node.tier == Tier.prd else "逾期未建成"), Level.bad
    if category == 5 and not replay:
        return ("⚠数据中断" if h else "⚠无数据"), Level.bad
    if category == 4:
        return "✖中断", Level.bad
    if not flowing or h.utilization is None:
        return "", Level.none
    least = floor(node) if floor else None
    if least is not None and h.utilization < least:
        return f"▼{h.utilization:.0%}", Level.warn
    pressure = judge.level(h.utilization) if judge else Level.none
    if pressure in (Level.warn, Level.bad):
        return f"▲{h.utilization:.0%}", Level.careful
    return f"{h.utilization:.0%}", Level.none
