"""Migration registers as the simulated cities' departments would keep them: one workbook per
city node, with a title row, merged department cells, a totals row — and the odd bad row a
real register has — consistent with the model's migration counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from collectors.simulator.model import Province
from wall.core.chinatime import CHINA
from wall.core.plan.models import Tier

HEADER = ["序号", "业务系统名称", "所属部门", "所属地市", "迁移状态", "上云时间"]


def write_registers(
    province: Province, folder: str | Path, now: datetime | None = None
) -> list[Path]:
    """Write a register per city node that has gone live; return the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    t_now = int(now.timestamp())
    paths = []
    for sim in province.nodes.values():
        if sim.node.tier != Tier.city or sim.live_ts is None or sim.live_ts > t_now:
            continue
        book = Workbook()
        sheet = book.active
        sheet.title = "迁移台账"
        sheet.append([f"{sim.node.city}市政务信息系统迁移上云台账"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append(HEADER)
        n = 0
        for dept, planned in sim.planned.items():
            first_row = sheet.max_row + 1
            # the day each system went onto the cloud: when the model's count passed it
            days = np.arange(sim.live_ts, t_now, 86400, dtype=np.int64)
            counts = (
                province.migration(sim, days)[dept]["systems_migrated"]
                if len(days)
                else np.array([])
            )
            for k in range(planned):
                n += 1
                passed = np.flatnonzero(counts > k)
                status, when = ("未迁移", None)
                if len(passed):
                    status = "已上云" if k % 3 else "已迁移"
                    when = datetime.fromtimestamp(int(days[passed[0]]), CHINA).date()
                sheet.append([n, f"{dept}业务系统{k + 1:02d}", dept, sim.node.city, status, when])
            last_row = sheet.max_row
            if last_row > first_row:
                sheet.merge_cells(
                    start_row=first_row, start_column=3, end_row=last_row, end_column=3
                )
        sheet.append([])
        sheet.append(["合计", f"{n} 个系统"])
        path = folder / f"{sim.node.id}-迁移台账.xlsx"
        book.save(path)
        paths.append(path)
    return paths
