"""NLU cross-validation with ``rasa test nlu --cross-validation``."""

import json
import math
from pathlib import Path

from bot.tools.common import Pipeline, rasa

SUMMARY_KEYS = ("accuracy", "macro avg", "weighted avg")


def cross_validate(pipeline: Pipeline, out: Path, folds: int, reuse: bool = False) -> dict:
    """Runs the folds on ``data/nlu``; summary of the accumulated test folds.

    With ``reuse``, an earlier run's report in ``out`` is summarised instead (its time
    unknown), and nothing is run.
    """
    report_file = out / "intent_report.json"
    if reuse:
        if report_file.exists():
            return summarise(json.loads(report_file.read_text()), folds, float("nan"))
        return {"skipped": f"no finished cross-validation report in {out} to reuse"}
    args = ["test", "nlu", "--nlu", "data/nlu", "--config", str(pipeline.config)]
    args += ["--cross-validation", "--folds", str(folds), "--out", str(out), "--no-plot"]
    report_file.unlink(missing_ok=True)
    code, seconds = rasa(args, out / "rasa.log")
    if code != 0 or not report_file.exists():
        return {"error": f"exit {code}; see {out / 'rasa.log'}", "seconds": seconds}
    return summarise(json.loads(report_file.read_text()), folds, seconds)


def summarise(report: dict, folds: int, seconds: float) -> dict:
    per_intent = {
        name: values
        for name, values in report.items()
        if name not in SUMMARY_KEYS and isinstance(values, dict)
    }
    weakest = sorted(per_intent.items(), key=lambda item: item[1].get("f1-score", 0))[:5]
    return {
        "folds": folds,
        "seconds": None if math.isnan(seconds) else round(seconds, 1),
        "accuracy": report.get("accuracy"),
        "macro_f1": report.get("macro avg", {}).get("f1-score"),
        "weighted_f1": report.get("weighted avg", {}).get("f1-score"),
        "weakest": [
            (name, values.get("f1-score"), values.get("support")) for name, values in weakest
        ],
    }
