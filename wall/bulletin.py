"""Evaluation bulletins: the evaluation model's tables for a period, written as the documents
evaluation teams circulate. Every bulletin is written whole or not at all (a failure leaves
no partial file), with a JSON record beside it: the period, the rules, every figure behind
the numbers, every store read they came from (wall/tracing.py: the call, the InfluxQL or SQL
that ran, a digest of the answer; `gdwall bulletin-verify` runs them again) and a hash of
those answers and the rules, so the same inputs give the same document.

Formats so far: xlsx (the data appendix: one sheet per table, real numbers with units),
docx (a GB/T 9704 government document, wall/bulletin_docx.py) and pdf (LibreOffice renders
that document, so the two match page for page).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from wall import queries
from wall.bulletin_docx import Masthead, write_docx
from wall.bulletin_html import write_html
from wall.chinatime import CHINA, format_cn_date
from wall.evaluation import (
    FORMULAS,
    QUALITY_HEAD,
    BulletinConfig,
    CityScore,
    Period,
    Weights,
    load_bulletin_config,
    score_cities,
    service_quality,
)
from wall.overview import build_overview
from wall.plan.models import STATE_LABEL, Plan, Tier
from wall.progress import MILESTONE_STATUS_LABEL, Progress
from wall.spreadsheet import keep_text
from wall.store import Store
from wall.tracing import TracedStore, figure

FORMATS = ("xlsx", "docx", "pdf", "html")


TRACE_HELP = (
    "trace[图表项] 列出得出该数字的读取编号，如 trace['cities/<节点>/migration_rate']；"
    "reads[] 给出每次读取的调用参数、存储实际执行的查询（InfluxQL 或 SQL）、行数及结果摘要 sha256；"
    "`gdwall bulletin-verify 本文件` 重新执行全部读取并核对结果是否一致。"
)


class BulletinError(ValueError):
    """A bulletin that cannot be produced; the message says why."""


@dataclass(frozen=True)
class Bulletin:
    period: Period
    weights: Weights
    cities: list[CityScore]
    milestones: list[tuple[str, str, str, str, str]]  # seq, title, deadline, status, done
    prd: list[tuple[str, str, str]]  # name, stage, deadline
    generated_at: datetime
    province: list[tuple[str, str, str, str, str]] = ()  # target, goal, deadline, value, status
    masthead: Masthead = field(default_factory=Masthead)
    quality: list = field(default_factory=list)  # ServiceQuality per provider
    reads: dict = field(default_factory=dict)  # TracedStore.record(): reads and trace
    inputs_sha256: str = ""

    def figures(self) -> dict:
        """Every number of the bulletin, plain (for the JSON record and its hash)."""
        return {
            "period": {"label": self.period.label, "first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat()},
            "weights": self.weights.model_dump(),
            "cities": [
                {"node": c.node.id, "rank": c.rank, "score": c.score,
                 "migration_rate": c.migration_rate, "utilization": c.utilization,
                 "cpu_util": c.cpu_util, "availability": c.availability,
                 "completeness": c.completeness, "year_met": c.year_met,
                 "security_on_time": c.security_on_time}
                for c in self.cities
            ],
            "milestones": [list(m) for m in self.milestones],
            "prd": [list(p) for p in self.prd],
            "province": [list(p) for p in self.province],
            "quality": [
                {"provider": q.provider, "provider_id": q.provider_id, "nodes": q.nodes, "availability": q.availability,
                 "completeness": q.completeness, "events": q.events, "downtime_h": q.downtime_h,
                 "outages": q.outages, "open_high": q.open_high}
                for q in self.quality
            ],
        }  # fmt: skip


def build(
    store: Store,
    plan: Plan,
    progress: Progress,
    period: Period,
    config: BulletinConfig | None = None,
) -> Bulletin:
    """The bulletin's tables, read through a TracedStore: the record names the reads behind
    every figure, and the inputs hash is the hash of their answers and the rules."""
    config = config or load_bulletin_config()
    weights = config.weights
    store = TracedStore(store)
    cities = score_cities(store, plan, progress, period, weights)
    if all(c.availability is None and c.utilization is None for c in cities):
        raise BulletinError(f"评估期 {period.label} 内没有任何指标数据")
    end = period.end - timedelta(seconds=1)

    def reached(target_id: str, when: datetime):
        with figure(f"milestones/target/{target_id}"):
            return queries.target_reached_at(store, plan, plan.target(target_id), when)

    ov = build_overview(plan, progress, end, target_reached=reached)
    province = province_rows(store, plan, end)
    milestones = [
        (o.milestone.seq, o.milestone.title,
         format_cn_date(o.milestone.deadline) if o.milestone.deadline else "持续",
         MILESTONE_STATUS_LABEL[o.status],
         format_cn_date(o.done_at.astimezone(CHINA).date()) if o.done_at else "")
        for o in ov.milestones
    ]  # fmt: skip
    prd = [
        (
            v.node.name,
            STATE_LABEL[v.state],
            format_cn_date(v.node.deadline) if v.node.deadline else "—",
        )
        for v in ov.nodes
        if v.node.tier == Tier.prd
    ]
    masthead = Masthead(**config.masthead.model_dump())
    quality = service_quality(store, plan, progress, period)
    rules = {"period": [period.first.isoformat(), period.last.isoformat()],
             "weights": weights.model_dump(), "formulas": FORMULAS, "plan": plan.cache_name,
             "progress": progress.digest(end)}  # fmt: skip
    return Bulletin(period, weights, cities, milestones, prd, datetime.now(CHINA), province,
                    masthead, quality, store.record(), store.inputs_hash(rules))  # fmt: skip


def province_rows(store: Store, plan: Plan, end: datetime) -> list[tuple[str, str, str, str, str]]:
    """The provincial targets as of the period's end: the figure, and when it was first met
    (on time or late) or not yet."""
    from wall.chinatime import deadline_end
    from wall.panels.plan import format_cn_number

    rows = []
    for t in plan.targets:
        if (
            t.metric not in queries.PROVINCE_METRICS
            or t.value is None
            or Tier.province not in t.scope
        ):
            continue
        with figure(f"province/{t.id}"):
            now = queries.province_figure(
                store, plan, "vcpu_total" if t.metric == "vcpu_added" else t.metric, end
            )
        value = (
            "—"
            if now.value is None
            else f"{format_cn_number(now.value)}{'' if t.unit == 'vCPU' else ' '}{t.unit or ''}"
        )
        try:
            with figure(f"province/{t.id}"):
                met = queries.target_reached_at(store, plan, t, end)
        except LookupError as exc:
            status = str(exc) or "暂无数据"
        else:
            if met is None:
                status = "未达标"
            else:
                on_time = t.deadline is None or met < deadline_end(t.deadline)
                status = f"{'按期' if on_time else '逾期'}达标（{format_cn_date(met.astimezone(CHINA).date())}）"
        rows.append((t.title, f"≥{format_cn_number(t.value)} {t.unit or ''}".strip(),
                     format_cn_date(t.deadline) if t.deadline else "—", value, status))  # fmt: skip
    return rows


def _pct(x: float | None) -> float | None:
    return round(x * 100, 2) if x is not None else None


def write_xlsx(b: Bulletin, path: Path) -> None:
    """One sheet per table; numbers are numbers (percentages in %, named in the header)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "城市评分"
    ws.append(["排名", "节点", "上线日期", "得分", "迁移率(%)", "云资源整体使用率(%)", "CPU利用率(%)",
               "可用率(%)", "数据完整率(%)", "上线满一年", "一年期迁移率(%)", "一年期使用率(%)",
               "一年期达标", "安全平台按期"])  # fmt: skip
    for c in b.cities:
        ws.append([
            c.rank, c.node.name,
            c.live_at.astimezone(CHINA).date() if c.live_at else None,
            c.score, _pct(c.migration_rate), _pct(c.utilization), _pct(c.cpu_util),
            _pct(c.availability), _pct(c.completeness),
            c.year_due, _pct(c.year_rate), _pct(c.year_utilization),
            {True: "是", False: "否", None: "未满一年"}[c.year_met],
            {True: "是", False: "否", None: "未到期"}[c.security_on_time],
        ])  # fmt: skip
    for sheet_title, head, rows in (
        ("省级进展", ["指标", "目标", "截止", "期末数值", "达标情况"], b.province),
        ("服务质量", [h + ("(%)" if h in ("可用率", "数据完整率") else "") for h in QUALITY_HEAD],
         [(*q.cells()[:2], _pct(q.availability), _pct(q.completeness), *q.cells()[4:]) for q in b.quality]),
        ("里程碑", ["序号", "工作任务", "计划完成", "状态", "完成日期"], b.milestones),
        ("珠三角对接", ["自建云", "对接阶段", "计划对接"], b.prd),
        ("计算方法", ["指标", "计算方法"], FORMULAS),
        ("权重", ["项目", "权重"], [("迁移率", b.weights.migration), ("云资源整体使用率", b.weights.utilization),
                                  ("可用率", b.weights.availability), ("安全运营平台", b.weights.security)]),
    ):  # fmt: skip
        sheet = wb.create_sheet(sheet_title)
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


def write(b: Bulletin, formats: list[str], out_dir: Path) -> list[Path]:
    """Write the bulletin in each format into out_dir, all or nothing."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise BulletinError(f"不支持的格式：{'、'.join(unknown)}（可用 {'、'.join(FORMATS)}）")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir):
            pass  # the folder takes a file
    except OSError as exc:
        raise BulletinError(f"输出目录不可写：{out_dir}（{exc.strerror or exc}）") from None
    stem = f"bulletin-{b.period.label.replace('..', '_')}"
    written = []
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".bulletin-") as tmp:
        staged = []
        for fmt in formats:
            path = Path(tmp) / f"{stem}.{fmt}"
            if fmt == "pdf":
                source = Path(tmp) / "pdf" / f"{stem}.docx"
                source.parent.mkdir()
                write_docx(b, source, b.masthead)
                _docx_to_pdf(source, path)
            else:
                if fmt == "docx":
                    write_docx(b, path, b.masthead)
                else:
                    {"xlsx": write_xlsx, "html": write_html}[fmt](b, path)
            staged.append(path)
        record = {**b.figures(), "inputs_sha256": b.inputs_sha256, "formats": formats,
                  "how_to_trace": TRACE_HELP, **b.reads}  # fmt: skip
        path = Path(tmp) / f"{stem}.json"
        path.write_text(
            json.dumps(record, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        staged.append(path)
        for path in staged:  # the last step: rename into place
            target = out_dir / path.name
            shutil.move(str(path), target)
            written.append(target)
    return written


def _docx_to_pdf(source: Path, target: Path) -> None:
    """LibreOffice (Debian's libreoffice-writer-nogui) renders the Word document: the PDF
    matches it page for page, with the fonts embedded."""
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise BulletinError(
            "生成 PDF 需要 LibreOffice：apt-get install -y libreoffice-writer-nogui"
        )
    profile = source.parent / "profile"  # its own profile: concurrent runs never share one
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(source.parent), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    produced = source.with_suffix(".pdf")
    if result.returncode != 0 or not produced.exists():
        raise BulletinError(f"LibreOffice 未能生成 PDF：{(result.stderr or result.stdout)[-300:]}")
    shutil.move(str(produced), target)
