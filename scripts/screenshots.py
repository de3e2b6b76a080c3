"""Screenshots of a running wall at the room's screen sizes, one per screen.

    .venv/bin/python scripts/screenshots.py [URL] [--out screenshots]

Uses Debian's Chromium through Playwright; prints, per size and screen, whether anything
overflows (the page or a panel) and the smallest font size on show; then one frame of
▶ 回放 (the overview replayed to the last day of --replay).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.screencheck import CHECK, SIZES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8050")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--screens", default="overview,operations")
    parser.add_argument("--replay", default="2019-06..2020-06",
                        help="also one frame of ▶ 回放: the last day of this range (empty: none)")  # fmt: skip
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for w, h in SIZES:
            page = browser.new_page(viewport={"width": w, "height": h})
            for screen in args.screens.split(","):
                page.goto(f"{args.url}/?screen={screen}", wait_until="networkidle")
                page.wait_for_selector(".screen.active .panel-body *", timeout=30_000)
                page.wait_for_timeout(1500)
                path = out / f"wall-{screen}-{w}x{h}.png"
                page.screenshot(path=str(path))
                print(path, json.dumps(page.evaluate(CHECK), ensure_ascii=False))
            page.close()
        if args.replay:  # the overview replayed to the range's last day, 1920×1080
            # bypass_csp: wait_for_function compiles its predicate with eval, which the wall's
            # CSP refuses; not "networkidle": a playing replay keeps the network busy
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
            page.goto(f"{args.url}/?screen=overview&replay={args.replay}", wait_until="commit")
            page.wait_for_function(
                "window.gdwall && window.gdwall.replay && window.gdwall.replay.frames.length > 0"
                " && !window.gdwall.replay.playing", timeout=300_000)  # fmt: skip
            page.wait_for_timeout(1000)
            path = out / "wall-overview-replay-1920x1080.png"
            page.screenshot(path=str(path))
            print(path, page.inner_text("#wall-asof"))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
