"""``python -m bot.tools.review.demo``: the review of synthetic conversations, and its picture.

Starts real servers on a temporary tracker store, plays ``demo.yml`` (synthetic
conversations, never real people's words) over REST, writes the review, and with
``--screenshot`` photographs its page in Chromium for the README (``docs/review.png``).
The review tests play the same conversations.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from actions.feedback import feedback_payload
from bot.launcher import ROOT

DEMO = Path(__file__).with_name("demo.yml")
CHROMIUM = "/usr/bin/chromium"


def load_demo(path: Path = DEMO) -> list[list[Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]


def last_answer_id(tracker: dict) -> str | None:
    ids = [
        (e.get("metadata") or {}).get("answer_id")
        for e in tracker.get("events") or []
        if e.get("event") == "bot"
    ]
    ids = [i for i in ids if i]
    return ids[-1] if ids else None


def play(
    conversations: list[list[Any]],
    say: Callable[[str, str], object],
    tracker: Callable[[str], dict],
    prefix: str = "demo",
) -> list[str]:
    """Play each conversation as its own sender; returns the sender ids used."""
    senders = []
    for number, steps in enumerate(conversations, 1):
        sender = f"{prefix}-{number:02d}"
        senders.append(sender)
        for step in steps:
            if isinstance(step, dict):
                answer_id = last_answer_id(tracker(sender))
                assert answer_id, f"{sender}: feedback before any answer"
                step = feedback_payload(step["feedback"], answer_id, step.get("comment"))
            say(sender, str(step))
    return senders


def screenshot(page: Path, target: Path, width: int = 1100, height: int = 1500) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": width, "height": height})
        tab.goto(page.resolve().as_uri())
        tab.screenshot(path=str(target))
        browser.close()


def main(argv: list[str] | None = None) -> int:
    from bot.tools.review import cli
    from bot.tools.servers import assistant

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--out", type=Path, help="where the review goes (default: a temp dir)")
    parser.add_argument("--screenshot", type=Path, help="e.g. docs/review.png")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="review-demo-"))
    out = args.out or work / "review"
    with assistant(args.model, work / "servers") as running:
        play(load_demo(), running.say, running.tracker)
        endpoints = work / "servers" / "endpoints.yml"
        code = cli.main(
            [
                "--since",
                "1d",
                "--out",
                str(out),
                "--endpoints",
                str(endpoints),
                "--key",
                str(work / "review.key"),
            ]  # fmt: skip
        )
    if code == 0 and args.screenshot:
        screenshot(out / "index.html", args.screenshot)
        print(f"Screenshot: {args.screenshot}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
