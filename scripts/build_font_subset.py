"""Build the wall's CJK web font: Noto Sans CJK SC cut down to the characters the wall can show.

    .venv/bin/pip install -e '.[fonts]'
    .venv/bin/python scripts/build_font_subset.py

Reads Debian's fonts-noto-cjk (SIL Open Font License 1.1, see OFL.txt) and, for the few
symbols it lacks, fonts-dejavu-core (DejaVu fonts licence, see DejaVu-LICENSE.txt); keeps ASCII, common
punctuation and every character in the wall's code, plan, layouts and city names, and writes
WOFF2 files that the app serves itself (run again after adding text with new characters;
anything outside the subset falls back to the viewer's system font).
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
SYMBOLS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core
TEXT_FILES = [
    "wall/**/*.py",
    "wall/**/*.yaml",
    "wall/layouts/*.yaml",
    "geo/*.py",
    "collectors/**/*.py",
    "wall/web/assets/*.js",
]
EXTRA = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "，。、；：？！“”‘’（）《》【】〔〕—…·￥％℃→←↑↓▲▼■□●○◔✔✖✓∞⚠⟳"
)


def characters() -> str:
    chars = set(EXTRA)
    for pattern in TEXT_FILES:
        for path in ROOT.glob(pattern):
            if not path.name.endswith(".min.js"):  # vendored bundles show none of their text
                chars |= set(path.read_text(encoding="utf-8"))
    return "".join(sorted(c for c in chars if c.isprintable()))


def sc_font(path: str):
    """The Simplified Chinese face of a Noto CJK collection."""
    for font in TTCollection(path).fonts:
        if "SC" in font["name"].getDebugName(1):
            return font
    raise LookupError(f"no SC face in {path}")


def save_subset(font, text: str, name: str, flavor: str | None = "woff2") -> None:
    options = subset.Options()
    options.flavor = flavor
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.flavor = flavor
    out = (
        ROOT / ("wall/bulletin/vendor" if name.endswith(".ttf") else "wall/web/assets/fonts") / name
    )
    font.save(out)
    print(f"{out.relative_to(ROOT)}: {len(text)} characters, {out.stat().st_size / 1024:.0f} KB")


def main() -> None:
    text = characters()
    for weight, source in SOURCES.items():
        save_subset(sc_font(source), text, f"wall-sans-{weight}.woff2")
    # the same face as TrueType for the bulletins' static charts (matplotlib reads no WOFF2)
    save_subset(sc_font(SOURCES["regular"]), text, "wall-sans-regular.ttf", flavor=None)
    # the state marks (✔ ✖ ⟳ ◔ …) that Noto Sans CJK lacks, from DejaVu Sans: the stylesheet
    # names this face second, so a browser takes from it only what the first one has not
    cmap = sc_font(SOURCES["regular"]).getBestCmap()
    symbols = "".join(c for c in text if ord(c) not in cmap)
    save_subset(TTFont(SYMBOLS), symbols, "wall-symbols.woff2")


if __name__ == "__main__":
    main()
