"""Paths, the two pipelines, and running Rasa's command line with timing."""

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.launcher import ROOT, VENV_BIN, server_env

REPORTS = ROOT / "reports"
WORK = ROOT / "var" / "evaluation"


@dataclass(frozen=True)
class Pipeline:
    key: str
    title: str
    config: Path


PIPELINES = (
    Pipeline("ours", "our pipeline (config.yml)", ROOT / "config.yml"),
    Pipeline(
        "default",
        "Rasa default (rasa init)",
        ROOT / "bot" / "tools" / "pipelines" / "default.yml",
    ),
)


def capped_default(epochs: int | None) -> tuple[Pipeline, ...]:
    """The two pipelines; with ``epochs``, the default's DIET/TED/UnexpecTED/ResponseSelector
    train for that many epochs instead of 100 (a time cap, named in every report)."""
    if not epochs:
        return PIPELINES
    import yaml

    config = yaml.safe_load(PIPELINES[1].config.read_text(encoding="utf-8"))
    for component in config["pipeline"] + config["policies"]:
        if "epochs" in component:
            component["epochs"] = epochs
    path = WORK / "pipelines" / f"default-{epochs}-epochs.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    title = f"Rasa default, {epochs} epochs (not 100)"
    return PIPELINES[0], Pipeline("default", title, path)


def rasa(args: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[int, float]:
    """Runs ``rasa ARGS`` in the project root, output to ``log``: (exit code, seconds)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.call(
            [str(VENV_BIN / "rasa"), *args],
            cwd=ROOT,
            env=env or server_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return code, time.perf_counter() - start


def train(
    pipeline: Pipeline,
    out: Path,
    name: str,
    log: Path,
    domain: Path | None = None,
    cache: Path | None = None,
) -> tuple[Path, float]:
    """Trains a model (NLU + dialogue) on the project's data; (model path, seconds).

    ``cache`` sets Rasa's training cache folder (a fresh one means training from scratch).
    """
    env = server_env()
    if cache is not None:
        env["RASA_CACHE_DIRECTORY"] = str(cache)
    args = ["train", "--config", str(pipeline.config), "--data", "data"]
    args += ["--domain", str(domain or ROOT / "domain.yml")]
    args += ["--out", str(out), "--fixed-model-name", name]
    code, seconds = rasa(args, log, env)
    model = out / f"{name}.tar.gz"
    if code != 0 or not model.exists():
        raise RuntimeError(f"training {pipeline.key} failed (exit {code}); see {log}")
    return model, seconds


def each_pipeline(
    pipelines: tuple[Pipeline, ...],
    work: Path,
    run: Callable[[Pipeline], dict],
    only: str | None = None,
    render_only: bool = False,
) -> dict[str, dict]:
    """``run`` each pipeline (or ``only`` one), keeping its result in
    ``work/pipeline-<key>.json``; a pipeline not run this time keeps its last saved result.
    Returned in ``PIPELINES`` order, ours first."""
    found: dict[str, dict] = {}
    work.mkdir(parents=True, exist_ok=True)
    for pipeline in pipelines:
        saved = work / f"pipeline-{pipeline.key}.json"
        if render_only or (only and pipeline.key != only):
            if saved.exists():
                found[pipeline.key] = json.loads(saved.read_text())
            continue
        result = run(pipeline)
        result["measured"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        saved.write_text(json.dumps(result, indent=1, default=str))
        found[pipeline.key] = result
    return {p.key: found[p.key] for p in PIPELINES if p.key in found}


def finish(
    work: Path,
    results: dict,
    started: float,
    render_only: bool,
    report: str,
    render: Callable[[dict], str],
) -> None:
    """Time the run and write the raw results and the report. When only re-rendered,
    the date, commit and duration stay those of the run that was measured."""
    saved = work / "results.json"
    if render_only:
        measured = json.loads(saved.read_text()) if saved.exists() else {}
        results.update({k: measured.get(k, results.get(k)) for k in ("date", "commit")})
        results["seconds"] = measured.get("seconds")
    else:
        results["seconds"] = time.perf_counter() - started
    write_outputs(work, results, report, render(results))


def relative(path: Path, start: Path = REPORTS) -> str:
    """A link from ``start`` to ``path`` for the markdown reports."""
    return os.path.relpath(path, start)


def write_outputs(work: Path, results: dict, report_name: str, markdown: str) -> None:
    """Keep the raw results in ``work/results.json`` and write ``reports/<report_name>``."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (REPORTS / report_name).write_text(markdown)
    print(f"Wrote {REPORTS / report_name}")
