"""The bulletin as a workbook (the data appendix): one sheet per table, numbers as numbers
(percentages in %, named in the header), every text cell kept as text."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from wall.bulletin.content import Bulletin
from wall.bulletin.evaluation import FORMULAS, QUALITY_HEAD
from wall.bulletin.tables import DEPARTMENT_HEAD, MILESTONE_HEAD, PRD_HEAD, PROVINCE_HEAD
from wall.core.chinatime import CHINA
from wall.core.spreadsheet import keep_text


def _pct(x: float | None) -> float | None:
    return round(x * 100, 2) if x is not None else None


def write_xlsx(b: Bulletin, path: Path) -> None:
    """One sheet per table; numbers are numbers (percentages in %, named in the header)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "城市评分"
    ws.append(["排名", "节点", "上线日期", "得分", "迁移率(%)", "云资源整体使用率(%)", "CPU利用率(%)",
               "可用率(%)", "外网可用率(%)", "数据完整率(%)", "上线满一年", "一年期迁移率(%)", "一年期使用率(%)",
               "一年期达标", "安全平台按期"])  # fmt: skip
    for c in b.cities:
        ws.append([
            c.rank, c.node.name,
            c.live_at.astimezone(CHINA).date() if c.live_at else None,
            c.score, _pct(c.migration_rate), _pct(c.utilization), _pct(c.cpu_util),
            _pct(c.availability), _pct(c.network_availability), _pct(c.completeness),
            c.year_due, _pct(c.year_rate), _pct(c.year_utilization),
            {True: "是", False: "否", None: "未满一年"}[c.year_met],
            {True: "是", False: "否", None: "未到期"}[c.security_on_time],
        ])  # fmt: skip
    for sheet_title, head, rows in (
        ("省级进展", PROVINCE_HEAD, b.province),
        ("省级部门迁移", DEPARTMENT_HEAD, b.departments),
        ("服务质量", [h + ("(%)" if h in ("可用率", "数据完整率") else "") for h in QUALITY_HEAD],
         [(*q.cells()[:2], _pct(q.availability), _pct(q.completeness), *q.cells()[4:]) for q in b.quality]),
        ("里程碑", MILESTONE_HEAD, b.milestones),
        ("珠三角对接", PRD_HEAD, b.prd),
        ("计算方法", ["指标", "计算方法"], FORMULAS),
        ("权重", ["项目", "权重"], [("迁移率", b.weights.migration), ("云资源整体使用率", b.weights.utilization),
                                  ("可用率", b.weights.availability), ("安全运营平台", b.weights.security)]),
        *((title, head, rows) for _, title, head, rows in b.sections),
    ):  # fmt: skip
        sheet = wb.create_sheet(sheet_title[:31])
        sheet.append(head)
        for row in rows:
            sheet.append(list(row))
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    keep_text(wb)  # names and evidence are shown as typed, never run as formulas
    wb.properties.title = f"政务云评估通报 {b.period.label}"
    wb.properties.created = b.generated_at.replace(tzinfo=None)
    wb.save(path)
