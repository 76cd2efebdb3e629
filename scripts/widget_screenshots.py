"""The README's widget screenshots, taken with Debian's Chromium: docs/widget.png (light)
and docs/widget-dark.png (dark), the chat open on its demo page after one question.

    .venv/bin/python scripts/widget_screenshots.py                  # starts its own servers
    .venv/bin/python scripts/widget_screenshots.py --base-url http://127.0.0.1:5005

Without ``--base-url`` it starts a Rasa server and an action server on free ports with the
trained model (``make train``), as the tests do, and stops them afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "how many surveys were submitted?"
SHOTS = {"light": "widget.png", "dark": "widget-dark.png"}
VIEWPORT = {"width": 900, "height": 760}


def shoot(browser: Browser, base_url: str, out_dir: Path) -> list[Path]:
    """One screenshot per colour scheme into ``out_dir``; returns their paths."""
    from tests.integration.widget_helpers import Widget

    taken = []
    for scheme, name in SHOTS.items():
        context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
        try:
            widget = Widget(context.new_page(), base_url).load().open()
            widget.ask(QUESTION)
            widget.button("Copy with source").last.wait_for()
            widget.user.last.evaluate("m => m.scrollIntoView({block: 'start'})")
            target = out_dir / name
            widget.page.screenshot(path=str(target))
            taken.append(target)
        finally:
            context.close()
    return taken


def take(base_url: str, out_dir: Path) -> list[Path]:
    """:func:`shoot` in a Chromium of its own."""
    from playwright.sync_api import sync_playwright

    from tests.integration.widget_helpers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            return shoot(browser, base_url, out_dir)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="a running assistant (default: start one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    if args.base_url:
        paths = take(args.base_url.rstrip("/"), args.out)
    else:
        from bot.tools.servers import assistant

        with tempfile.TemporaryDirectory() as work:
            model = ROOT / "models" / "assistant.tar.gz"
            with assistant(model, Path(work)) as running:
                paths = take(running.base_url, args.out)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
