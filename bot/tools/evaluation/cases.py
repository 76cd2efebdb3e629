"""Conversation cases played over REST against the real servers, scored on what a person sees.

The case format and the scoring are those of the outside measurements (the shared
``converse.py``), so the project's figures compare with them: each case is a fresh
conversation of one or more turns; a turn passes when the reply (texts, button titles and
payloads, links) holds what it expects, and a decline is read from the tracker's latest
intent (``out_of_scope`` / ``nlu_fallback``). Figures are reported per kind (``topic``),
with the share of single-fact questions whose fact is within the first 250 characters.

    python -m bot.tools.evaluation.cases tests/heldout/cases/*.yml [--check --min 0.9]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import yaml

from bot.tools.common import WORK
from bot.tools.metrics import DECLINED, percentile
from bot.tools.servers import Running, assistant

EARLY_CHARS = 250


def seen(messages: object) -> str:
    """Everything a person sees of a reply, normalised as the outside scorer does."""
    parts: list[str] = []
    for message in messages if isinstance(messages, list) else []:
        for key in ("text", "image"):
            if message.get(key):
                parts.append(str(message[key]))
        for button in message.get("buttons") or []:
            parts += [str(button.get("title", "")), str(button.get("payload", ""))]
        for key in ("custom", "attachment"):
            if message.get(key):
                parts.append(json.dumps(message[key], ensure_ascii=False))
    return normalise("\n".join(parts))


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def problems(turn: dict, reply: str, intent: str | None) -> list[str]:
    """Why a turn fails ([] when it passes)."""
    found = []
    if turn.get("expect_fallback") and intent not in DECLINED:
        found.append(f"answered instead of declining (intent {intent})")
    for want in turn.get("expect_all") or []:
        if normalise(str(want)) not in reply:
            found.append(f"missing {want!r}")
    anys = turn.get("expect_any") or []
    if anys and not any(normalise(str(w)) in reply for w in anys):
        found.append(f"none of {anys!r}")
    early = reply[: int(turn.get("early_chars", EARLY_CHARS))]
    for want in turn.get("expect_early") or []:
        if normalise(str(want)) not in early:
            found.append(f"{want!r} not in the first {EARLY_CHARS} characters")
    for unwanted in turn.get("expect_none") or []:
        if normalise(str(unwanted)) in reply:
            found.append(f"unwanted {unwanted!r}")
    return found


def latest_intent(running: Running, sender: str) -> str | None:
    latest = running.tracker(sender).get("latest_message") or {}
    return (latest.get("intent") or {}).get("name")


def play(running: Running, cases: list[dict]) -> dict:
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures, latencies = [], []
    early = [0, 0]
    turns = turns_passed = 0
    for case in cases:
        sender = f"case-{case['id']}-{uuid.uuid4().hex[:8]}"
        passed = True
        for number, turn in enumerate(case["turns"]):
            start = time.perf_counter()
            status, reply = running.say(sender, turn["say"])
            latencies.append(time.perf_counter() - start)
            text = seen(reply) if status == 200 else ""
            why = problems(turn, text, latest_intent(running, sender))
            if status != 200:
                why.insert(0, f"HTTP {status}")
            if case.get("topic") == "single_fact" and turn.get("expect_early"):
                early[1] += 1
                early[0] += not any("first" in w for w in why)
            turns += 1
            turns_passed += not why
            if why:
                passed = False
                failures.append({"id": case["id"], "turn": number, "why": why})
        kind = by_kind[case.get("topic", "?")]
        kind[1] += 1
        kind[0] += passed
    total = sum(v[1] for v in by_kind.values())
    right = sum(v[0] for v in by_kind.values())
    return {
        "cases": total,
        "passed": right,
        "share": right / total if total else 0.0,
        "turns": turns,
        "turns_passed": turns_passed,
        "fact_first": early[0] / early[1] if early[1] else None,
        "p50_ms": 1000 * (percentile(latencies, 0.5) or 0),
        "p95_ms": 1000 * (percentile(latencies, 0.95) or 0),
        "by_kind": {k: {"passed": v[0], "cases": v[1]} for k, v in sorted(by_kind.items())},
        "failures": failures,
    }


def print_result(name: str, result: dict) -> None:
    """Counts and the case ids that failed: never the questions or replies in full (CI logs)."""
    print(f"\n{name}")
    for kind, counts in result["by_kind"].items():
        print(f"  {kind:24s} {counts['passed']:4d}/{counts['cases']:<4d}")
    if result["fact_first"] is not None:
        print(f"  single facts leading within {EARLY_CHARS} characters: {result['fact_first']:.1%}")
    failed = sorted({f["id"] for f in result["failures"]})
    print(f"  failed cases: {', '.join(failed) or 'none'}")
    print(
        f"  cases {result['passed']}/{result['cases']} = {result['share']:.1%}; turns "
        f"{result['turns_passed']}/{result['turns']}; p50 {result['p50_ms']:.0f} ms "
        f"p95 {result['p95_ms']:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--model", type=Path, default=Path("models/assistant.tar.gz"))
    parser.add_argument("--out", type=Path, default=WORK / "cases.json")
    parser.add_argument("--check", action="store_true", help="fail below --min on any file")
    parser.add_argument("--min", type=float, default=0.0)
    args = parser.parse_args(argv)
    results = {}
    with assistant(args.model, WORK / "cases") as running:
        for path in args.files:
            cases = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases", [])
            results[str(path)] = play(running, cases)
            print_result(str(path), results[str(path)])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    low = [name for name, result in results.items() if result["share"] < args.min]
    if args.check and low:
        print(f"\nbelow the floor of {args.min:.0%}: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
