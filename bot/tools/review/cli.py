"""``python -m bot review --since 7d --out var/review/ [--export FILE]``.

Reads the tracker store in use (``bot/stored_events.py``), writes ``index.html`` and
``review.md`` (with their plots) into ``--out``, and with ``--export`` the candidate training
examples. Prints where they are and how many of each, never what anyone typed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from pathlib import Path

from bot.launcher import ROOT, STATE_DIR
from bot.stored_events import EventStore, StoreError, endpoints_in_use
from bot.tools.review import candidates, page
from bot.tools.review.conversations import conversations
from bot.tools.review.findings import find
from bot.tools.review.pseudonyms import Pseudonyms, load_key
from bot.tools.review.report import sections

UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}
TITLE = "What people asked the Value of Co-Production assistant"
NOTE = (
    "This page holds what people typed: keep it among the people who keep the assistant "
    "and never commit it. Visitors are named by a keyed hash, never by their id."
)


def period_seconds(text: str) -> float:
    """``7d``, ``24h``, ``2w`` as seconds; ``all`` as everything."""
    if text == "all":
        return float("inf")
    match = re.fullmatch(r"(\d+)([hdw])", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"--since takes 24h, 7d, 2w or all, not {text!r}")
    return int(match.group(1)) * UNITS[match.group(2)]


def stamp(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a review of the stored conversations.")
    parser.add_argument("--since", type=period_seconds, default="7d", help="24h, 7d, 2w or all")
    parser.add_argument("--out", type=Path, default=STATE_DIR / "review")
    parser.add_argument("--export", type=Path, help="also write candidate training examples")
    parser.add_argument("--endpoints", type=Path, help="endpoints file (default: the one in use)")
    parser.add_argument("--key", type=Path, default=STATE_DIR / "review.key")
    args = parser.parse_args(argv)
    now = time.time()
    since = 0.0 if args.since == float("inf") else now - args.since
    try:
        store = EventStore.from_endpoints(args.endpoints or endpoints_in_use())
    except StoreError as error:
        print(error, file=sys.stderr)
        return 1
    names = Pseudonyms(load_key(args.key))
    findings = find(conversations(store.events(since)), names)
    args.out.mkdir(parents=True, exist_ok=True)
    args.out.chmod(0o700)
    parts, grouped = sections(findings, args.out)
    period = f"{stamp(since) if since else 'the first conversation'} to {stamp(now)}"
    lead = [f"From {period}, read from {store.where}.", f"Written {stamp(now)}."]
    written = page.write(args.out, TITLE, lead, NOTE, parts)
    print(
        f"Review of {findings.conversations} conversations ({findings.questions} messages, "
        f"{len(findings.declined)} declined or unsure in {len(grouped)} groups, "
        f"{len(findings.feedback)} feedback): {_shown(written)}"
    )
    if args.export:
        try:
            count = candidates.export(grouped, args.export, period)
        except candidates.InsideData as error:
            print(error, file=sys.stderr)
            return 2
        print(f"{count} candidate training examples: {_shown(args.export)}")
    return 0


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if ROOT in path.parents else str(path)
