"""Held-out NLU evaluation: topic accuracy, off-topic rejection and the worst confusions.

The held-out files (``tests/heldout/*.yml``) is written separately from the
training data and never trained on; this script refuses to run if any of its
sentences also appears in ``data/``. The targets are 95% topic accuracy and 90% of
off-topic questions declined; ``--check`` exits non-zero below the floors given by
``--min-accuracy`` / ``--min-rejection`` (regression guards, set in the Makefile).
"""

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.tools.metrics import DECLINED

HELDOUT = Path("tests/heldout")
TRAINING_DIR = Path("data/nlu")
TARGET_ACCURACY = 0.95
TARGET_REJECTION = 0.90
FACT_FIRST_CHARS = 250


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def is_declined(intent: str | None) -> bool:
    """Declined intents: out_of_scope (and its trained reasons, out_of_scope_*) or nlu_fallback."""
    return bool(intent) and (intent in DECLINED or intent.startswith("out_of_scope"))


def right(row: dict) -> bool:
    """Off-topic rows are right when declined; a single-fact question when its reply leads
    with the fact (whichever topic gave it); any other when its intent is the expected one."""
    if is_declined(row["expected"]):
        return is_declined(row["predicted"])
    if row.get("fact"):
        return bool(row.get("leads"))
    return row["predicted"] == row["expected"]


def read_examples(path: Path, with_facts: bool = False) -> list[tuple]:
    """(text, intent) pairs from a Rasa NLU YAML file; (text, intent, fact) ``with_facts``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        fact = (block.get("metadata") or {}).get("fact")
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pair = (line[2:].strip(), block["intent"])
                pairs.append((*pair, fact) if with_facts else pair)
    return pairs


def examples_in(path: Path, with_facts: bool = False) -> list[tuple]:
    """(text, intent) pairs from one NLU file or every ``*.yml`` file in a folder."""
    paths = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    return [pair for p in paths for pair in read_examples(p, with_facts)]


def training_examples(directory: Path = TRAINING_DIR) -> list[tuple[str, str]]:
    return examples_in(directory)


def leaked(heldout: list[tuple[str, str]], training: list[tuple[str, str]]) -> list[str]:
    seen = {normalise(text) for text, _ in training}
    return [text for text, _ in heldout if normalise(text) in seen]


@dataclass
class Report:
    rows: list[dict] = field(default_factory=list)
    parse_seconds: float = 0.0

    @property
    def topic_rows(self) -> list[dict]:
        return [r for r in self.rows if not is_declined(r["expected"])]

    @property
    def offtopic_rows(self) -> list[dict]:
        return [r for r in self.rows if is_declined(r["expected"])]

    @property
    def accuracy(self) -> float:
        rows = self.topic_rows
        return sum(right(r) for r in rows) / max(len(rows), 1)

    @property
    def fact_rows(self) -> list[dict]:
        return [r for r in self.rows if r.get("fact")]

    @property
    def fact_first(self) -> float:
        """Share of single-fact questions whose reply has the fact in its first characters."""
        rows = self.fact_rows
        return sum(r["leads"] for r in rows) / max(len(rows), 1)

    @property
    def rejection(self) -> float:
        rows = self.offtopic_rows
        return sum(r["predicted"] in DECLINED for r in rows) / max(len(rows), 1)

    def per_intent(self) -> dict[str, float]:
        totals, good = Counter(), Counter()
        for row in self.rows:
            totals[row["expected"]] += 1
            good[row["expected"]] += right(row)
        return {intent: good[intent] / totals[intent] for intent in sorted(totals)}

    def confusions(self) -> Counter:
        return Counter((r["expected"], r["predicted"]) for r in self.rows if not right(r))

    def summary(self) -> dict:
        return {
            "examples": len(self.rows),
            "topic_examples": len(self.topic_rows),
            "offtopic_examples": len(self.offtopic_rows),
            "topic_accuracy": round(self.accuracy, 4),
            "offtopic_rejection": round(self.rejection, 4),
            "fact_examples": len(self.fact_rows),
            "fact_first": round(self.fact_first, 4),
            "median_parse_ms": round(sorted(r["ms"] for r in self.rows)[len(self.rows) // 2], 2)
            if self.rows
            else None,
        }


def quiet_rasa() -> None:
    """Rasa logs every parse at debug level through structlog: keep the report readable."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    logging.getLogger().setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)


def leads_with(parsed: dict, fact_id: str, chars: int = FACT_FIRST_CHARS) -> bool:
    """Whether the answer composed for ``parsed`` shows the fact within its first characters.

    The answer is composed by the code action_answer runs (``actions/compose.py``).
    """
    from actions.compose import answer_message
    from actions.knowledge import load_knowledge

    knowledge = load_knowledge()
    intent = (parsed.get("intent") or {}).get("name")
    key = knowledge.facts[fact_id].key().strip("*")
    if intent == "ask_link":
        # action_show_links answers with the named entries' titles first
        from actions.catalogue import load_catalogue

        catalogue = load_catalogue()
        named = [catalogue.resolve(e["entity"], e["value"]) for e in parsed.get("entities") or []]
        return any(entry and key in entry.title for entry in named)
    answer = parsed.get("answer") or {"topic": intent}
    message = answer_message(knowledge, answer, {})
    if not message:
        return False
    return knowledge.facts[fact_id].key() in message["answer"][:chars]


async def evaluate(model: Path, examples: list[tuple]) -> Report:
    from rasa.core.agent import Agent

    quiet_rasa()
    agent = Agent.load(str(model))
    report = Report()
    for text, expected, *fact in examples:
        start = time.perf_counter()
        parsed = await agent.parse_message(text)
        elapsed = (time.perf_counter() - start) * 1000
        intent = parsed.get("intent") or {}
        row = {
            "text": text,
            "expected": expected,
            "predicted": intent.get("name"),
            "confidence": round(float(intent.get("confidence") or 0.0), 4),
            "ms": elapsed,
        }
        if fact and fact[0]:
            row.update(fact=fact[0], leads=leads_with(parsed, fact[0]))
        report.rows.append(row)
    return report


def print_report(report: Report) -> None:
    summary = report.summary()
    print(json.dumps(summary, indent=2))
    print(
        f"Single-fact questions whose fact is in the first {FACT_FIRST_CHARS} characters: "
        f"{report.fact_first:.1%} of {len(report.fact_rows)}"
    )
    print("\nPer intent (share right; off-topic counts declined as right):")
    for intent, share in report.per_intent().items():
        flag = "" if share >= TARGET_ACCURACY else "  <--"
        print(f"  {intent:28s} {share:6.2f}{flag}")
    print("\nWorst confusions (expected -> predicted: count):")
    for (expected, predicted), count in report.confusions().most_common(10):
        print(f"  {expected} -> {predicted}: {count}")
    print("\nMisclassified:")
    for row in report.rows:
        if not right(row):
            print(
                f"  [{row['expected']} -> {row['predicted']} {row['confidence']:.2f}] {row['text']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/assistant.tar.gz"))
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--out", type=Path, default=Path("var/results/heldout.json"))
    parser.add_argument("--check", action="store_true", help="fail below the floors")
    parser.add_argument("--min-accuracy", type=float, default=TARGET_ACCURACY)
    parser.add_argument("--min-rejection", type=float, default=TARGET_REJECTION)
    parser.add_argument("--min-fact-first", type=float, default=0.0)
    args = parser.parse_args(argv)

    heldout = examples_in(args.heldout, with_facts=True)
    overlap = leaked([(t, i) for t, i, _ in heldout], training_examples())
    if overlap:
        print("Held-out sentences also in the training data:", *overlap, sep="\n  ")
        return 2
    report = asyncio.run(evaluate(args.model, heldout))
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": report.summary(), "rows": report.rows}, indent=1))
    if args.check:
        ok = (
            report.accuracy >= args.min_accuracy
            and report.rejection >= args.min_rejection
            and report.fact_first >= args.min_fact_first
        )
        print(
            f"\nheld-out topic accuracy {report.accuracy:.3f} "
            f"(target {TARGET_ACCURACY}, floor {args.min_accuracy}), "
            f"off-topic declined {report.rejection:.3f} "
            f"(target {TARGET_REJECTION}, floor {args.min_rejection}), "
            f"single facts first {report.fact_first:.3f} (floor {args.min_fact_first}): "
            + ("OK" if ok else "BELOW THE FLOOR")
        )
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
