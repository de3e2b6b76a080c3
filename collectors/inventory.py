"""Source type `inventory`: business-system migration registers kept in spreadsheets.

Each row is one business system: its name, department, city, migration status and the date
it went onto the cloud. Rows become cumulative migration counters per node and department
(systems planned, systems migrated as of each day). A row that cannot be trusted (unknown
city, bad date, duplicate system, missing name) is rejected with its row number and reason,
and the good rows still land. Importing the same file twice changes nothing: the samples
are a function of the file's content alone.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel
from pydantic import BaseModel, ConfigDict

from collectors.base import CollectError, ErrorKind
from collectors.config import Source
from geo.cities import city_by_name
from wall.core.chinatime import CHINA
from wall.core.configfile import load_yaml, parse_model
from wall.core.plan.loader import cached_plan
from wall.core.plan.models import Plan, Tier
from wall.store import Sample

RULES_PATH = Path(__file__).with_name("inventory.yaml")
HEADER_SCAN_ROWS = 15


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    kind: Literal["inventory_rules"]
    columns: dict[Literal["system", "dept", "city", "status", "migrated_at"], list[str]]
    statuses: dict[Literal["migrated", "planned"], list[str]]
    province_names: list[str]
    province_node: str
    total_markers: list[str]


def load_rules(path: str | Path = RULES_PATH) -> Rules:
    return parse_model(load_yaml(path), Rules)


@dataclass(frozen=True)
class Rejection:
    row: int  # 1-based, as the spreadsheet shows it
    reason: str
    values: tuple[str, ...]


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    imported: int = 0
    skipped: int = 0  # blank rows, title rows, totals rows
    rejected: list[Rejection] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


# Excel's serial day numbers a register can hold for a migration date (a cell that lost its
# date format shows 43805 for 2019-12-06): only those of 2000–2050, so a count or an id is
# never taken for a date
SERIAL_YEARS = (2000, 2050)
EXCEL_1900 = WINDOWS_EPOCH.date()  # the date system of every workbook that names no other
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def parse_day(value: object, epoch: date = EXCEL_1900) -> date | None:
    """A date from a cell: a real date, text like 2020-06-30, 2020/6/30, 2020年6月30日
    (full-width digits too), or an Excel serial day number (as a number or as text) counted
    from the workbook's epoch (1900, or 1904 where the workbook says so); None if it is not
    one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if (isinstance(value, int | float) and not isinstance(value, bool)) or _SERIAL.match(text):
        return _serial_day(float(text) if _SERIAL.match(text) else float(value), epoch)
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _serial_day(serial: float, epoch: date) -> date | None:
    if serial != serial or serial < 1:  # NaN, or nothing a date could be
        return None
    try:
        day = from_excel(serial, epoch=datetime.combine(epoch, time()))
    except (ValueError, OverflowError):
        return None
    day = day.date() if isinstance(day, datetime) else None
    return day if day and SERIAL_YEARS[0] <= day.year <= SERIAL_YEARS[1] else None


def read_rows(path: Path) -> tuple[list[list[object]], date]:
    """Every row of the first sheet (XLSX, merged cells filled from their anchor) or of a CSV
    (UTF-8, with or without BOM, or GB18030 as Chinese Excel writes it), and the date system
    its serial day numbers count from (a workbook's own: 1904 where it says so)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, data_only=True)
        except Exception as exc:
            raise CollectError(
                ErrorKind.bad_input, f"{path}: not a readable workbook ({exc})"
            ) from None
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            anchor = rows[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    rows[r - 1][c - 1] = anchor
        return rows, book.epoch.date()
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise CollectError(ErrorKind.bad_input, f"{path}: unknown text encoding")
        return [list(r) for r in csv.reader(io.StringIO(text))], EXCEL_1900
    raise CollectError(ErrorKind.bad_input, f"{path}: expected .xlsx or .csv")


def _find_header(rows: list[list[object]], rules: Rules) -> tuple[int, dict[str, int]]:
    synonyms = {name: {s for s in spellings} for name, spellings in rules.columns.items()}
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [_text(c) for c in row]
        found = {}
        for name, spellings in synonyms.items():
            for j, cell in enumerate(cells):
                if cell in spellings:
                    found[name] = j
                    break
        if {"system", "city", "status"} <= set(found):
            return i, found
    wanted = " / ".join(
        rules.columns["system"][:2] + rules.columns["city"][:1] + rules.columns["status"][:1]
    )
    raise CollectError(
        ErrorKind.bad_input,
        f"no header row found in the first {HEADER_SCAN_ROWS} rows (looked for {wanted}…)",
    )


def node_for(city: str, plan: Plan, rules: Rules) -> str | None:
    if city in rules.province_names:
        return rules.province_node
    found = city_by_name(city)
    if found is None:
        return None
    for node in plan.nodes:
        if node.adcode == found.adcode and node.tier in (Tier.city, Tier.prd):
            return node.id
    return None


def import_rows(
    rows: list[list[object]],
    plan: Plan,
    rules: Rules,
    name: str = "",
    epoch: date = EXCEL_1900,
) -> ImportResult:
    """Read a register's rows into migration samples, rejecting what cannot be trusted;
    `epoch`: the workbook's date system, for dates written as serial day numbers."""
    result = ImportResult(name, rows=len(rows))
    header_at, cols = _find_header(rows, rules)
    result.skipped += header_at + 1
    migrated_words = set(rules.statuses["migrated"])
    planned_words = set(rules.statuses["planned"])
    seen: dict[tuple[str, str, str], int] = {}
    systems: dict[tuple[str, str], list[date | None]] = defaultdict(list)

    def cell(row: list[object], key: str) -> object:
        j = cols.get(key)
        return row[j] if j is not None and j < len(row) else None

    for index in range(header_at + 1, len(rows)):
        row = rows[index]
        number = index + 1
        values = tuple(_text(c) for c in row)
        if not any(values):
            result.skipped += 1
            continue
        if any(marker in v for v in values[:3] for marker in rules.total_markers):
            result.skipped += 1
            continue

        def reject(reason: str, number: int = number, values: tuple = values) -> None:
            result.rejected.append(Rejection(number, reason, values))

        system = _text(cell(row, "system"))
        dept = _text(cell(row, "dept")) or "未注明部门"
        city = _text(cell(row, "city"))
        status = _text(cell(row, "status"))
        if not system:
            reject("系统名称为空")
            continue
        node = node_for(city, plan, rules)
        if node is None:
            reject(f"未知地市：{city or '（空）'}")
            continue
        if status in migrated_words:
            day = parse_day(cell(row, "migrated_at"), epoch)
            if day is None:
                raw = _text(cell(row, "migrated_at"))
                reject(f"上云时间无法识别：{raw}" if raw else "已迁移但缺少上云时间")
                continue
            if day > datetime.now(CHINA).date():
                reject(f"上云时间在未来：{day.isoformat()}")
                continue
        elif status in planned_words:
            day = None
        else:
            reject(f"迁移状态无法识别：{status or '（空）'}")
            continue
        key = (node, dept, system)
        if key in seen:
            reject(f"重复的系统：与第 {seen[key]} 行相同")
            continue
        seen[key] = number
        systems[(node, dept)].append(day)
        result.imported += 1
    result.samples = counters(systems, plan)
    return result


def counters(systems: dict[tuple[str, str], list[date | None]], plan: Plan) -> list[Sample]:
    """Cumulative counters per node and department: one sample per day something migrated,
    plus one at the register's latest date, so departments with nothing migrated show too."""
    dates = [d for days in systems.values() for d in days if d]
    as_of = max(dates) if dates else plan.period.start
    samples = []
    for (node, dept), days in sorted(systems.items()):
        planned = float(len(days))
        migrated_days = sorted(d for d in days if d)
        for day in sorted({*migrated_days, as_of}):
            done = float(sum(1 for d in migrated_days if d <= day))
            when = datetime.combine(day, time(12), CHINA)
            samples.append(Sample.make("migration", {"node": node, "dept": dept},
                                       {"systems_planned": planned, "systems_migrated": done}, when))  # fmt: skip
    return samples


def import_file(
    path: str | Path, plan: Plan | None = None, rules: Rules | None = None
) -> ImportResult:
    path = Path(path)
    if not path.exists():
        raise CollectError(ErrorKind.bad_input, f"{path}: no such file")
    rows, epoch = read_rows(path)
    return import_rows(rows, plan or cached_plan(), rules or load_rules(), str(path), epoch)


def write_report(result: ImportResult, path: str | Path) -> Path:
    """The rejected rows as CSV (UTF-8 with BOM, so Excel shows the Chinese), row and reason."""
    from wall.core.spreadsheet import csv_bytes

    path = Path(path)
    rows = [(r.row, r.reason, " | ".join(r.values)) for r in result.rejected]
    path.write_bytes(csv_bytes(["行号", "原因", "原始内容"], rows))  # cells stay text
    return path


class InventoryCollector:
    """A register file (url: a path) collected like any source: re-read on its interval."""

    def __init__(self, source: Source):
        self.source = source

    def collect(self, now: datetime) -> list[Sample]:
        result = import_file(self.source.url or "")
        allowed = set(self.source.nodes)
        return [s for s in result.samples if s.tags["node"] in allowed]
