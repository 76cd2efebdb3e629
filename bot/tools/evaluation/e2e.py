"""End-to-end pass over REST against real servers: each held-out question in a fresh
conversation; the reply, the intent and the first action are read back from the tracker."""

import time
import uuid
from pathlib import Path

import yaml

from bot.tools.common import ROOT
from bot.tools.metrics import is_right, percentile
from bot.tools.servers import Running


def rule_actions(rules_dir: Path = ROOT / "data" / "rules") -> dict[str, str]:
    """intent -> action of the unconditional rules ``intent, action`` (a fresh conversation)."""
    mapping: dict[str, str] = {}
    for path in sorted(rules_dir.glob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []):
            steps = rule.get("steps") or []
            if rule.get("condition") or len(steps) < 2:
                continue
            if "intent" in steps[0] and "action" in steps[1]:
                mapping.setdefault(steps[0]["intent"], steps[1]["action"])
    return mapping


def first_action(tracker: dict) -> tuple[str | None, str | None]:
    """(intent of the last user message, first action after it other than action_listen)."""
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return None, None
    intent = (events[last_user].get("parse_data") or {}).get("intent", {}).get("name")
    for event in events[last_user + 1 :]:
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return intent, event.get("name")
    return intent, None


def sample(examples: list[tuple[str, str]], per_intent: int) -> list[tuple[str, str]]:
    """The first ``per_intent`` questions of each intent (all of them when 0)."""
    if not per_intent:
        return list(examples)
    taken: dict[str, int] = {}
    chosen = []
    for text, intent in examples:
        if taken.get(intent, 0) < per_intent:
            taken[intent] = taken.get(intent, 0) + 1
            chosen.append((text, intent))
    return chosen


def run_e2e(server: Running, examples: list[tuple[str, str]]) -> dict:
    actions = rule_actions()
    rows, latencies, errors = [], [], 0
    for text, expected in examples:
        sender = f"e2e-{uuid.uuid4().hex}"
        start = time.perf_counter()
        status, body = server.say(sender, text)
        latencies.append((time.perf_counter() - start) * 1000)
        answered = status == 200 and isinstance(body, list) and bool(body)
        errors += not answered
        intent, action = first_action(server.tracker(sender)) if status == 200 else (None, None)
        wanted = actions.get(expected)
        rows.append(
            {
                "text": text,
                "expected": expected,
                "predicted": intent,
                "action": action,
                "answered": answered,
                "right": answered
                and is_right(expected, intent)
                and (wanted is None or expected == "out_of_scope" or action == wanted),
            }
        )
    topic = [r for r in rows if r["expected"] != "out_of_scope"]
    offtopic = [r for r in rows if r["expected"] == "out_of_scope"]
    return {
        "messages": len(rows),
        "errors": errors,
        "topic_right": sum(r["right"] for r in topic) / max(len(topic), 1),
        "offtopic_declined": sum(r["right"] for r in offtopic) / max(len(offtopic), 1),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "wrong": [r for r in rows if not r["right"]],
    }
