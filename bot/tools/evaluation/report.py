"""Renders ``reports/evaluation.md`` from the results of ``make evaluate``."""

from bot.tools.metrics import fmt, is_right, pct, per_topic, table, worst_confusions

MAX_LISTED = 60


def _row_ok(row: dict) -> bool:
    return is_right(row["expected"], row["predicted"])


def summary_table(results: dict) -> str:
    keys = list(results["pipelines"])
    titles = [results["pipelines"][k]["title"] for k in keys]

    def line(label: str, getter) -> list[str]:
        return [label, *(getter(results["pipelines"][k]) for k in keys)]

    def cv(p: dict, field: str) -> str:
        summary = p.get("cross_validation") or {}
        if "skipped" in summary:
            return "not run (see below)"
        return fmt(summary.get(field), 3) if field in summary else "–"

    def conv(p: dict) -> str:
        rows = p["conversations"]
        failed = sum(r["failed"] or 0 for r in rows)
        stories = sum(r["stories"] for r in rows)
        broken = any(r["failed"] is None for r in rows)
        return f"{stories - failed}/{stories}" + (" (a run failed)" if broken else "")

    rows = [
        line("held-out topic accuracy", lambda p: pct(p["heldout"]["topic_accuracy"])),
        line("held-out off-topic declined", lambda p: pct(p["heldout"]["offtopic_rejection"])),
        line(
            f"cross-validation accuracy ({results['folds']} folds, data/nlu)",
            lambda p: cv(p, "accuracy"),
        ),
        line("cross-validation weighted F1", lambda p: cv(p, "weighted_f1")),
        line("conversation tests passed (stories)", conv),
        line("end-to-end over REST: topic answered right", lambda p: pct(p["e2e"]["topic_right"])),
        line("end-to-end: off-topic declined", lambda p: pct(p["e2e"]["offtopic_declined"])),
        line("end-to-end: HTTP errors / empty replies", lambda p: str(p["e2e"]["errors"])),
        line("end-to-end reply p50 / p95 (ms)", lambda p: _ms(p["e2e"])),
        line("median parse time in-process (ms)", lambda p: fmt(p["heldout"]["median_parse_ms"])),
    ]
    return table(["", *titles], rows)


def _ms(e2e: dict) -> str:
    return f"{fmt(e2e['p50_ms'], 0)} / {fmt(e2e['p95_ms'], 0)}"


def per_topic_table(results: dict) -> str:
    keys = list(results["pipelines"])
    topics = {k: per_topic(results["pipelines"][k]["rows"]) for k in keys}
    intents = sorted(set().union(*(t.keys() for t in topics.values())))
    rows = []
    for intent in intents:
        total = next(t[intent][1] for t in topics.values() if intent in t)
        cells = []
        for k in keys:
            right, n = topics[k].get(intent, (0, 0))
            mark = " ⚠" if n and right / n < 0.9 else ""
            cells.append(f"{right}/{n} ({pct(right / n if n else None)}){mark}")
        label = intent + (" (declined = right)" if intent == "out_of_scope" else "")
        rows.append([label, total, *cells])
    titles = [results["pipelines"][k]["title"] for k in keys]
    return table(["intent", "n", *titles], rows)


def confusions_section(results: dict) -> str:
    parts = []
    for p in results["pipelines"].values():
        rows = [[e, pr, n] for e, pr, n in worst_confusions(p["rows"], 10)]
        parts.append(f"**{p['title']}**\n\n" + table(["expected", "predicted", "count"], rows))
    return "\n\n".join(parts)


def misclassified_section(results: dict) -> str:
    parts = []
    for p in results["pipelines"].values():
        wrong = [r for r in p["rows"] if not _row_ok(r)]
        wrong.sort(key=lambda r: (r["expected"], -r["confidence"]))
        listed = [[r["expected"], r["predicted"], fmt(r["confidence"]), r["text"]] for r in wrong]
        more = len(listed) - MAX_LISTED
        text = f"**{p['title']}**: {len(wrong)} of {len(p['rows'])} held-out questions\n\n"
        text += table(["expected", "predicted", "confidence", "question"], listed[:MAX_LISTED])
        if more > 0:
            text += f"\n\n… and {more} more (all in `var/evaluation/results.json`)."
        parts.append(text)
    return "\n\n".join(parts)


def conversations_section(results: dict) -> str:
    rows = []
    for p in results["pipelines"].values():
        for r in p["conversations"]:
            failed = "run failed" if r["failed"] is None else r["failed"]
            rows.append([p["title"], r["file"], r["stories"], failed, ", ".join(r["failed_names"])])
    return table(["pipeline", "file", "stories", "failed", "failed stories"], rows)


def e2e_section(results: dict) -> str:
    parts = []
    for p in results["pipelines"].values():
        wrong = p["e2e"]["wrong"]
        listed = [
            [
                r["expected"],
                r["predicted"],
                r["action"],
                "yes" if r["answered"] else "no",
                r["text"],
            ]
            for r in wrong[:20]
        ]
        text = f"**{p['title']}**: {len(wrong)} of {p['e2e']['messages']} not answered as expected"
        if listed:
            text += " (first 20)\n\n" + table(
                ["expected", "intent", "first action", "replied", "question"], listed
            )
        parts.append(text)
    return "\n\n".join(parts)


def cv_section(results: dict) -> str:
    parts = []
    for p in results["pipelines"].values():
        cv = p.get("cross_validation") or {}
        if "skipped" in cv:
            parts.append(f"- {p['title']}: not run: {cv['skipped']}")
        elif "error" in cv:
            parts.append(f"- {p['title']}: failed ({cv['error']})")
        else:
            weakest = ", ".join(f"{n} F1 {fmt(f)} (n={s})" for n, f, s in cv["weakest"])
            parts.append(
                f"- {p['title']}: accuracy {fmt(cv['accuracy'], 3)}, macro F1 "
                f"{fmt(cv['macro_f1'], 3)}, weighted F1 {fmt(cv['weighted_f1'], 3)} "
                f"({cv['folds']} folds, {fmt(cv['seconds'], 0)} s). Weakest: {weakest}."
            )
    return "\n".join(parts)


def _default_title(results: dict) -> str:
    default = results["pipelines"].get("default")
    return default["title"] if default else "not run"


def _e2e_scope(results: dict) -> str:
    per_intent = results.get("e2e_per_intent")
    if not per_intent:
        return "every held-out question"
    return f"the first {per_intent} held-out questions of each intent"


def render(results: dict) -> str:
    figures = "\n\n".join(
        f"![{p['title']}: confusion matrix]({p['confusion_png']})"
        for p in results["pipelines"].values()
    )
    took = f"{results['seconds']:.0f} s" if results.get("seconds") else "report re-rendered"
    made = f"{results['date']}, commit `{results['commit']}`, {took}"
    return f"""# Evaluation: answer quality

Produced by `make evaluate` ({made}).
Both pipelines are trained on the same data (`data/`, `domain.yml`): **our pipeline**
(`config.yml`: e5 sentence embeddings + character n-grams, logistic regression) and **Rasa's
default** (`bot/tools/pipelines/default.yml`: what `rasa init` trains for Rasa 3.6, DIET and
TED with 100 epochs, fixed random seed). Held-out questions: {results["heldout_examples"]}
from `tests/heldout/*.yml`, none of them in the training data (checked before anything runs).
Off-topic questions count as right when declined (`out_of_scope` or `nlu_fallback`).
The default column in this run: {_default_title(results)}.

## Summary

{summary_table(results)}

Held-out: {results["heldout_topic"]} topic questions, {results["heldout_offtopic"]} off-topic.
The end-to-end pass sends {_e2e_scope(results)} over REST (`/webhooks/rest/webhook`) to real
servers (Rasa + action server, SQLite tracker store), one fresh conversation each, and reads the
intent and first action back from the tracker: right means a reply came, the intent is right
and the action is the rule's answer for that intent (off-topic: declined).

## Cross-validation

{cv_section(results)}

## Per-topic accuracy (held-out)

Share of each intent's held-out questions classified right; ⚠ marks below 90%.

{per_topic_table(results)}

## Worst confusions (held-out)

{confusions_section(results)}

## Misclassified held-out questions

{misclassified_section(results)}

## Conversation tests

`rasa test core` on each `tests/test_*.yml` (as `make conversations`).

{conversations_section(results)}

## End-to-end over REST: what did not come out as expected

{e2e_section(results)}

## Figures

![Intent confidence of held-out questions]({results["confidence_png"]})

{figures}

## Notes

{results["notes"]}
"""
