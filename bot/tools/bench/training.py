"""Training time: from scratch (empty cache) and after a response-only edit (on a copy)."""

import re
import shutil
import time
from datetime import datetime
from pathlib import Path

import yaml

from bot.tools.common import ROOT, Pipeline, train

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


STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \w+\s+(\S+)\s+- (.*)$")
COMPONENT = re.compile(r"(Starting to train|Finished training|Restored) component '(\w+)'")


def phases(log: Path, started: float, ended: float) -> dict[str, float]:
    """Seconds per phase of one ``rasa train``, from its log's timestamps (1 s resolution).

    start-up: the command's imports, until Rasa logs its first line; validation: until the
    last validator line; preparing: the graph, loading and featurizing the data until the
    first component trains or is restored; then each trained component; packing: after the
    last component, writing the model archive and exiting.
    """
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        match = STAMP.match(line)
        if match:
            when = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S").timestamp()
            lines.append((when, match[2], match[3]))
    if not lines:
        return {}
    result = {"start-up": lines[0][0] - started}
    validated = max((w for w, who, _ in lines if who.startswith("rasa.validator")), default=None)
    if validated is not None:
        result["validation"] = validated - lines[0][0]
    marks = [(w, COMPONENT.search(text)) for w, _, text in lines]
    marks = [(w, m[1], m[2]) for w, m in marks if m]
    if marks:
        result["preparing"] = marks[0][0] - (validated or lines[0][0])
        begun: dict[str, float] = {}
        for when, what, name in marks:
            if what == "Starting to train":
                begun[name] = when
            elif what == "Finished training" and name in begun:
                key = f"training {name}"
                result[key] = result.get(key, 0) + when - begun.pop(name)
        result["packing"] = ended - marks[-1][0]
    return {key: round(max(value, 0.0), 1) for key, value in result.items()}


def timed_training(
    pipeline: Pipeline, out: Path, name: str, log: Path, domain: Path | None, cache: Path | None
) -> tuple[Path, float, dict[str, float]]:
    """``train`` with the phases of its log: (model, seconds, phases)."""
    started = time.time()
    model, seconds = train(pipeline, out, name, log, domain, cache)
    return model, seconds, phases(log, started, time.time())


def training_times(pipeline: Pipeline, work: Path, scratch: bool) -> dict:
    """Seconds for a training with an empty cache (if ``scratch``) then after the edit.

    Without ``scratch`` the cache is kept from earlier runs and the first figure is a
    cached retrain (reported as such).
    """
    cache = work / "cache" if scratch else None  # None: the project's own .rasa/cache
    if cache is not None and cache.exists():
        shutil.rmtree(cache)
    models = work / "models"
    model, first, first_phases = timed_training(
        pipeline, models, pipeline.key, work / "train.log", None, cache
    )
    edited_domain = work / "edited" / "domain.yml"
    edit_one_response(ROOT / "domain.yml", edited_domain)
    _, edited, edit_phases = timed_training(
        pipeline, work / "edited", "edited", work / "train-edited.log", edited_domain, cache
    )
    return {
        "model": model,
        "first_seconds": round(first, 1),
        "first_from_scratch": scratch,
        "first_phases": first_phases,
        "edit_seconds": round(edited, 1),
        "edit_phases": edit_phases,
    }
