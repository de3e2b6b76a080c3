"""The bulletin as PDF: LibreOffice renders the Word document, so the two match page for page."""

from __future__ import annotations

import shutil
from pathlib import Path

from wall.bulletin.content import BulletinError


def docx_to_pdf(source: Path, target: Path) -> None:
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
