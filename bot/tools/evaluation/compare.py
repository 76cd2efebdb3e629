"""``make evaluate``: answer quality of our pipeline and Rasa's default, side by side.

Cross-validation, the held-out set (``bot.tools.evaluation.heldout``), the conversation tests and an
end-to-end pass over REST; writes ``reports/evaluation.md`` and its PNGs.
"""

import argparse
import asyncio
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bot.tools import plots
from bot.tools.common import (
    PIPELINES,
    REPORTS,
    ROOT,
    WORK,
    Pipeline,
    capped_default,
    each_pipeline,
    finish,
    relative,
    train,
)
from bot.tools.evaluation import heldout
from bot.tools.evaluation import report as evaluation_report
from bot.tools.evaluation.conversations import run_conversation_tests
from bot.tools.evaluation.crossval import cross_validate
from bot.tools.evaluation.e2e import run_e2e, sample
from bot.tools.servers import assistant

OUR_MODEL = ROOT / "models" / "assistant.tar.gz"

NOTES = """- The machine has 2 CPU cores shared with other work; timings here are indicative only
  (see `reports/benchmark.md` for the speed measurements).
- Rasa's default pipeline trains DIET for 100 epochs: on these 2 cores that takes tens of
  minutes per training, and its cross-validation trains once per fold, so a full
  `make evaluate` takes over an hour (`EVALUATE_ARGS=--no-default-cv` skips the default's
  folds). Its trained model is cached (Rasa's training cache, `RASA_CACHE_DIRECTORY`), so a
  later `make evaluate` only retrains what changed.
- The default pipeline has no entity extractor for the catalogue names (our pipeline's spaCy
  entity ruler), so link answers that need an entity can differ; intents are compared as-is.
- Cross-validation runs on `data/nlu` only (never on the held-out files); its folds include
  `out_of_scope` as an ordinary intent, so it counts `nlu_fallback` on an off-topic question
  as wrong, unlike the held-out figures.
- Raw results: `var/evaluation/results.json` (not committed)."""


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def model_for(pipeline: Pipeline) -> tuple[Path, float | None]:
    if pipeline.key == "ours":
        if not OUR_MODEL.exists():
            raise SystemExit("No trained model: run `make train` (make evaluate does it).")
        return OUR_MODEL, None
    out = WORK / "models"
    model, seconds = train(pipeline, out, pipeline.key, WORK / "logs" / "train-default.log")
    return model, seconds


def evaluate_pipeline(
    pipeline: Pipeline, examples: list[tuple[str, str]], args: argparse.Namespace, run_cv: bool
) -> dict:
    print(f"== {pipeline.title}", flush=True)
    result: dict = {"title": pipeline.title}
    if run_cv:  # first: it does not need the trained model
        print("   cross-validation ...", flush=True)
        result["cross_validation"] = cross_validate(
            pipeline, WORK / "cv" / pipeline.key, args.folds, args.reuse_cv
        )
    else:
        result["cross_validation"] = {"skipped": "skipped (`--no-cv` / `--no-default-cv`)"}
    print("   training ...", flush=True)
    model, train_seconds = model_for(pipeline)
    result.update(model=str(model), train_seconds=train_seconds)
    print("   held-out ...", flush=True)
    report = asyncio.run(heldout.evaluate(model, examples))
    result["heldout"] = report.summary()
    result["rows"] = report.rows
    print("   conversation tests ...", flush=True)
    result["conversations"] = run_conversation_tests(model, WORK / "conversations" / pipeline.key)
    print("   end-to-end over REST ...", flush=True)
    with assistant(model, WORK / "servers" / pipeline.key) as server:
        result["e2e"] = run_e2e(server, sample(examples, args.e2e_per_intent))
    png = REPORTS / f"evaluation-confusion-{pipeline.key}.png"
    plots.confusion_png(report.rows, pipeline.title, png)
    result["confusion_png"] = relative(png)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument(
        "--no-default-cv", action="store_true", help="skip the default's cross-validation"
    )
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite the report from saved results"
    )
    parser.add_argument(
        "--reuse-cv", action="store_true", help="summarise the last cross-validation's report"
    )
    parser.add_argument(
        "--e2e-per-intent",
        type=int,
        default=4,
        help="held-out questions per intent sent over REST (0: all)",
    )
    parser.add_argument("--only", choices=[p.key for p in PIPELINES], help="one pipeline")
    parser.add_argument("--note", help="a sentence about this run's conditions, for the report")
    parser.add_argument(
        "--default-epochs", type=int, help="cap the default pipeline's epochs (time; reported)"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on SIGTERM
    started = time.perf_counter()

    examples = heldout.examples_in(heldout.HELDOUT)
    overlap = heldout.leaked(examples, heldout.training_examples())
    if overlap:
        print("Held-out sentences also in the training data:", *overlap, sep="\n  ")
        return 2
    heldout.quiet_rasa()
    REPORTS.mkdir(exist_ok=True)
    results: dict = {
        "date": date.today().isoformat(),
        "commit": commit(),
        "folds": args.folds,
        "heldout_examples": len(examples),
        "heldout_topic": sum(e != "out_of_scope" for _, e in examples),
        "heldout_offtopic": sum(e == "out_of_scope" for _, e in examples),
        "e2e_per_intent": args.e2e_per_intent,
        "notes": NOTES + (f"\n- This run: {args.note}" if args.note else ""),
        "pipelines": {},
    }

    def run(pipeline: Pipeline) -> dict:
        run_cv = not args.no_cv and (pipeline.key == "ours" or not args.no_default_cv)
        return evaluate_pipeline(pipeline, examples, args, run_cv)

    pipelines = capped_default(args.default_epochs)
    results["pipelines"] = each_pipeline(pipelines, WORK, run, args.only, args.render_only)
    confidence = REPORTS / "evaluation-confidence.png"
    plots.confidence_png({p["title"]: p["rows"] for p in results["pipelines"].values()}, confidence)
    results["confidence_png"] = relative(confidence)
    finish(WORK, results, started, args.render_only, "evaluation.md", evaluation_report.render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
