"""Every node ranked by one field, as of a request's view: live fields are the newest samples
(on a replayed day, that day's last values), derived ones (资源使用率, 迁移率) as of the view's
instant. The compare page shows it and its exports carry the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from wall.core.chinatime import CHINA, deadline_end
from wall.core.plan.models import TIER_LABEL, Plan
from wall.read import queries
from wall.read.cache import cached
from wall.read.view import View
from wall.store import Store


@dataclass(frozen=True)
class RankField:
    label: str
    unit: str  # ratio (shown as %), or the stored unit
    measurement: str | None  # None: a figure the query layer derives (utilization, rate)


RANK_FIELDS: dict[str, RankField] = {
    "utilization": RankField("云资源整体使用率", "ratio", None),
    "migration_rate": RankField("业务系统迁移率", "ratio", None),
    "cpu_util": RankField("CPU 利用率", "ratio", "usage"),
    "mem_util": RankField("内存利用率", "ratio", "usage"),
    "storage_util": RankField("存储利用率", "ratio", "usage"),
    "net_in_mbps": RankField("入流量", "Mbit/s", "usage"),
    "net_out_mbps": RankField("出流量", "Mbit/s", "usage"),
    "vcpu_total": RankField("vCPU 总量", "vCPU", "capacity"),
    "vcpu_allocated": RankField("已分配 vCPU", "vCPU", "capacity"),
    "vms_running": RankField("运行虚拟机", "VMs", "health"),
    "hosts_down": RankField("故障主机", "hosts", "health"),
    "api_latency_ms": RankField("云平台 API 响应时间", "ms", "health"),
}
DEFAULT_FIELD = "utilization"
COMPARE_FIELDS = [k for k, f in RANK_FIELDS.items() if f.measurement is not None]


@cached()
def latest_asof(
    store: Store, measurement: str, fields: list[str], asof: datetime, nodes=None
) -> pd.DataFrame:
    """Each node's last value of each field on asof's China day, in store.latest's long form
    (node, field, value, time): what "the newest" meant on a replayed day."""
    frame = store.counters(measurement, list(fields), asof)
    rows = []
    if not frame.empty:
        at = deadline_end(asof.astimezone(CHINA).date())
        wanted = set(nodes) if nodes else None
        per_node = frame.groupby("node")[list(fields)].sum(min_count=1)
        for node, values in per_node.iterrows():
            if wanted is not None and node not in wanted:
                continue
            for f in fields:
                if pd.notna(values[f]):
                    rows.append((node, f, float(values[f]), pd.Timestamp(at)))
    return pd.DataFrame(rows, columns=["node", "field", "value", "time"])


def ranking(store: Store, plan: Plan, field: str, view: View) -> pd.DataFrame:
    """Every node of the plan with a value of the field, best first: rank, node, name, tier,
    value, unit, time (of the data)."""
    spec = RANK_FIELDS[field]
    names = {n.id: n for n in plan.nodes}
    rows = []
    if spec.measurement is None:
        figures = queries.node_figures(store, view.asof)
        for node_id, f in figures.items():
            value = f.utilization if field == "utilization" else f.migration_rate
            if node_id in names and value is not None:
                rows.append((node_id, value, view.asof))
    else:
        latest = (
            latest_asof(store, spec.measurement, [field], view.asof)
            if view.replay
            else store.latest(spec.measurement, [field])
        )
        for r in latest.itertuples(index=False):
            if r.node in names:
                rows.append((r.node, float(r.value), r.time.to_pydatetime()))
    frame = pd.DataFrame(rows, columns=["node", "value", "time"])
    frame = frame.sort_values(["value", "node"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame.insert(2, "name", [names[n].name for n in frame["node"]])
    frame.insert(3, "tier", [TIER_LABEL[names[n].tier] for n in frame["node"]])
    frame["unit"] = "%" if spec.unit == "ratio" else spec.unit
    if spec.unit == "ratio":
        frame["value"] = (frame["value"] * 100).round(2)  # percent, as shown
    else:
        frame["value"] = frame["value"].round(2)
    frame["time"] = [t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") for t in frame["time"]]
    return frame
