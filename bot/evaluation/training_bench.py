"""Training time: from scratch (empty cache) and after a response-only edit (on a copy)."""

import re
import shutil
from pathlib import Path

import yaml

from bot.evaluation.common import ROOT, Pipeline, train

EDIT_NOTE = "Edited for the benchmark. "


def edit_one_response(source: Path, target: Path) -> None:
    """Copies the domain with the first response's text changed, and nothing else."""
    text = source.read_text(encoding="utf-8")
    edited, count = re.subn(r"(- text: \|-?\n\s+)", r"\g<1>" + EDIT_NOTE, text, count=1)
    if count != 1:
        raise RuntimeError("found no block-style response text to edit")
    before, after = yaml.safe_load(text), yaml.safe_load(edited)
    if {k: v for k, v in before.items() if k != "responses"} != {
        k: v for k, v in after.items() if k != "responses"
    }:
        raise RuntimeError("the edit changed more than a response")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(edited, encoding="utf-8")


def training_times(pipeline: Pipeline, work: Path, scratch: bool) -> dict:
    """Seconds for a training with an empty cache (if ``scratch``) then after the edit.

    Without ``scratch`` the cache is kept from earlier runs and the first figure is a
    cached retrain (reported as such).
    """
    cache = work / "cache" if scratch else None  # None: the project's own .rasa/cache
    if cache is not None and cache.exists():
        shutil.rmtree(cache)
    models = work / "models"
    model, first = train(pipeline, models, pipeline.key, work / "train.log", cache=cache)
    edited_domain = work / "edited" / "domain.yml"
    edit_one_response(ROOT / "domain.yml", edited_domain)
    _, edited = train(
        pipeline, work / "edited", "edited", work / "train-edited.log", edited_domain, cache
    )
    return {
        "model": model,
        "first_seconds": round(first, 1),
        "first_from_scratch": scratch,
        "edit_seconds": round(edited, 1),
    }
