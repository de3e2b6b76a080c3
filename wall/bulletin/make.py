"""Making a bulletin: the one way the command line, the evaluators' page and the scheduler
produce one. It is written whole or not at all (a failure leaves no partial file), with a JSON
record beside it: the period, the rules, every figure, every store read it came from and a
hash of those answers and the rules, so the same inputs give the same document."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from wall.bulletin.content import FORMATS, TRACE_HELP, Bulletin, BulletinError, build
from wall.bulletin.docx import write_docx
from wall.bulletin.evaluation import Period, load_bulletin_config
from wall.bulletin.html import write_html
from wall.bulletin.pdf import docx_to_pdf
from wall.bulletin.xlsx import write_xlsx
from wall.core.plan.loader import cached_plan
from wall.core.progress import Progress
from wall.core.settings import Settings
from wall.state import StateDB
from wall.state.progress import list_events
from wall.store import Store


def make(
    settings: Settings,
    store: Store,
    period: Period,
    formats: list[str],
    out_dir: Path | None = None,
) -> list[Path]:
    """Build the bulletin of a period (the plan, the progress events and the bulletin
    configuration the settings name) and write it in each format into out_dir (default the
    archive); returns the files written, the JSON record last."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise BulletinError(
            f"不支持的格式：{'、'.join(unknown) or '（空）'}（可用 {'、'.join(FORMATS)}）"
        )
    plan = cached_plan(settings.plan_path)
    with StateDB.shared(settings.state_db_path).connection() as conn:
        progress = Progress(plan, list_events(conn))
    config = load_bulletin_config(settings.bulletin_config)
    built = build(store, plan, progress, period, config)
    return write(built, formats, out_dir or settings.bulletin_path)


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
                docx_to_pdf(source, path)
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
