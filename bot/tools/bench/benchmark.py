"""``make bench``: speed, memory, training time and load, ours vs Rasa's default pipeline.

Starts the assistant on its embedded defaults (SQLite tracker store, in-memory lock store)
with ``bot.tools.servers`` on free loopback ports, drives it with Locust
(``bot/tools/bench/load.py`` in its own venv, ``requirements-bench.txt``) over REST and
socket.io, and writes ``reports/benchmark.md`` with a latency-vs-concurrency PNG.
Targets are reported, never asserted.
"""

import argparse
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.tools import plots
from bot.tools.bench import report as bench_report
from bot.tools.bench.instances import measure_instances
from bot.tools.bench.levers import NO_CACHE, RASA_STOCK, measure_levers
from bot.tools.bench.ordering import rest_order
from bot.tools.bench.training import training_times
from bot.tools.bench.turn_breakdown import turn_breakdown
from bot.tools.bench.turn_profile import profile_turns
from bot.tools.common import (
    PIPELINES,
    REPORTS,
    ROOT,
    Pipeline,
    capped_default,
    each_pipeline,
    finish,
    relative,
)
from bot.tools.common import WORK as EVALUATION_WORK
from bot.tools.evaluation import heldout
from bot.tools.evaluation.compare import commit
from bot.tools.servers import Running, assistant

WORK = ROOT / "var" / "bench"
BENCH_VENV = ROOT / "var" / "venv-bench"
REQUIREMENTS = ROOT / "requirements-bench.txt"
LOAD = ROOT / "bot" / "tools" / "bench" / "load.py"
LEVELS = (1, 8, 32)
CHANNELS = ("rest", "socketio")


def bench_python() -> Path:
    """The bench venv's interpreter; (re)created when requirements-bench.txt changes."""
    python = BENCH_VENV / "bin" / "python"
    stamp = BENCH_VENV / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    print("Creating the bench venv (Locust) in var/venv-bench ...", flush=True)
    subprocess.check_call([sys.executable, "-m", "venv", "--clear", str(BENCH_VENV)])
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.check_call([*pip, "-r", str(REQUIREMENTS)])
    stamp.write_text(digest)
    return python


def load(python: Path, target: Running | str, channel: str, users: int, **options: object) -> dict:
    """One Locust run against a server pair, or comma-joined base URLs (several instances)."""
    host = target if isinstance(target, str) else target.base_url
    command = [str(python), str(LOAD), "--host", host, "--channel", channel]
    command += ["--users", str(users), "--messages", str(WORK / "messages.json")]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=900)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"load run failed: {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def stored_user_messages(db: Path, senders: list[str]) -> dict[str, int]:
    """User messages per conversation, read straight from the SQLite tracker store."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' GROUP BY sender_id"
        ).fetchall()
    counts = dict(rows)
    return {sender: counts.get(sender, 0) for sender in senders}


def load_test_50x20(python: Path, server: Running) -> dict:
    """Issue 7: 50 concurrent conversations x 20 messages, no error, every message stored."""
    result = load(python, server, "rest", 50, per_user=20, prefix="load50x20", timeout=600)
    senders = result.pop("senders")
    in_db = stored_user_messages(server.tracker_db, senders)
    via_api = {}
    for sender in senders:
        events = server.tracker(sender).get("events") or []
        via_api[sender] = sum(e.get("event") == "user" for e in events)
    result["conversations"] = len(senders)
    result["stored_in_db"] = sum(in_db.values())
    result["stored_via_api"] = sum(via_api.values())
    result["short_conversations"] = sorted(s for s, n in in_db.items() if n != 20)
    result["ok"] = (
        result["errors"] == 0
        and result["replies"] == 50 * 20
        and result["stored_in_db"] == 50 * 20
        and result["stored_via_api"] == 50 * 20
    )
    return result


def bench_pipeline(
    pipeline: Pipeline,
    python: Path,
    messages: list[str],
    duration: float,
    scratch: bool,
    with_load_test: bool,
    reuse_training: bool = False,
) -> dict:
    print(f"== {pipeline.title}: training", flush=True)
    work = WORK / pipeline.key
    result: dict = {"title": pipeline.title}
    saved_training = work / "training.json"
    if reuse_training and saved_training.exists():
        result["training"] = json.loads(saved_training.read_text())
        result["training"]["model"] = Path(result["training"]["model"])
        result["training"]["reused"] = True
    else:
        result["training"] = training_times(pipeline, work, scratch)
        result["training"]["measured"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        saved_training.write_text(json.dumps(result["training"], default=str))
    print(f"   {result['training']}", flush=True)
    # Rasa's default pipeline is served as Rasa ships it (its stores, NLU on the loop); ours
    # without the e5 cache, since the load generator repeats texts (bot/tools/bench/levers.py).
    stock = RASA_STOCK if pipeline.key == "default" else {"env": NO_CACHE}
    with assistant(result["training"]["model"], work / "servers", **stock) as server:
        result["cold_start_s"] = round(server.cold_start_s, 1)
        result["load_avg_start"] = os.getloadavg()
        server.measure_memory("idle")
        result["breakdown"] = turn_breakdown(server, messages)
        print(f"   one message at a time: {result['breakdown']}", flush=True)
        model = result["training"]["model"]
        result["profile"] = profile_turns(
            model, server.action_url, work / "profile", messages[:100]
        )
        print(f"   profiled: {result['profile']}", flush=True)
        result["runs"] = []
        for channel in CHANNELS:
            for users in LEVELS:
                run = load(python, server, channel, users, duration=duration)
                run.pop("senders")
                print(f"   {channel} x{users}: {run}", flush=True)
                result["runs"].append(run)
        server.measure_memory("after load")
        result["rest_order"] = rest_order(server, messages)
        print(f"   REST order: {result['rest_order']}", flush=True)
        if with_load_test:
            print("   load test 50 x 20 ...", flush=True)
            result["load_test"] = load_test_50x20(python, server)
            print(f"   {result['load_test']}", flush=True)
            server.measure_memory("after 50x20")
        result["memory"] = server.memory
        result["load_avg_end"] = os.getloadavg()
    result["training"]["model"] = str(result["training"]["model"])
    return result


def _measured(
    results: dict,
    python: Path | None,
    skip: bool,
    name: str,
    title: str,
    measure: Callable[[Path, Callable[..., dict]], dict],
) -> dict:
    """``measure(model, load)`` on our model, saved in var/bench/<name>.json (kept when skipped)."""
    saved = WORK / f"{name}.json"
    model = (results["pipelines"].get("ours") or {}).get("training", {}).get("model")
    if skip or not model or python is None:
        return json.loads(saved.read_text()) if saved.exists() else {}
    print(f"== {title}", flush=True)

    def run_load(target: Running | str, channel: str, users: int, **options: object) -> dict:
        return load(python, target, channel, users, **options)

    found = measure(Path(model), run_load)
    found["measured"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    saved.write_text(json.dumps(found, indent=1, default=str))
    return found


def levers(results: dict, python: Path | None, messages: list[str], skip: bool) -> dict:
    """Each lever's effect on our model."""
    return _measured(
        results,
        python,
        skip,
        "levers",
        "levers",
        lambda model, run: measure_levers(model, WORK / "levers", messages, python, run),
    )


def instances(results: dict, python: Path | None, skip: bool) -> dict:
    """Two instances on the scale-out stores against one."""
    return _measured(
        results,
        python,
        skip,
        "instances",
        "several instances (the deployment's scale-out on this machine)",
        lambda model, run: measure_instances(model, WORK / "instances", run),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=15, help="seconds per load level")
    parser.add_argument(
        "--default-scratch",
        action="store_true",
        help="also train the default pipeline from an empty cache (many minutes)",
    )
    parser.add_argument(
        "--default-scratch-seconds",
        type=float,
        help="the default's from-scratch training time, measured separately (reported)",
    )
    parser.add_argument("--only", choices=[p.key for p in PIPELINES])
    parser.add_argument("--note", help="a sentence about this run's conditions, for the report")
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite the report from saved results"
    )
    parser.add_argument(
        "--reuse-training",
        action="store_true",
        help="take the training figures and models of the last run (var/bench/*/training.json)",
    )
    parser.add_argument(
        "--default-epochs", type=int, help="cap the default pipeline's epochs (time; reported)"
    )
    parser.add_argument(
        "--no-levers", action="store_true", help="skip the table of each lever's effect"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on SIGTERM
    started = time.perf_counter()
    python = None if args.render_only else bench_python()
    WORK.mkdir(parents=True, exist_ok=True)
    messages = [text for text, intent in heldout.examples_in(heldout.HELDOUT)]
    (WORK / "messages.json").write_text(json.dumps(messages))
    REPORTS.mkdir(exist_ok=True)
    results: dict = {"date": date.today().isoformat(), "commit": commit(), "pipelines": {}}
    results["duration"] = args.duration
    results["note"] = args.note
    results["default_scratch_seconds"] = args.default_scratch_seconds

    def run(pipeline: Pipeline) -> dict:
        return bench_pipeline(
            pipeline,
            python,
            messages,
            args.duration,
            scratch=pipeline.key == "ours" or args.default_scratch,
            with_load_test=pipeline.key == "ours",
            reuse_training=args.reuse_training,
        )

    pipelines = capped_default(args.default_epochs)
    results["pipelines"] = each_pipeline(pipelines, WORK, run, args.only, args.render_only)
    results["levers"] = levers(results, python, messages, args.render_only or args.no_levers)
    results["instances"] = instances(results, python, args.render_only or args.no_levers)
    accuracy_file = EVALUATION_WORK / "results.json"
    if accuracy_file.exists():
        evaluation = json.loads(accuracy_file.read_text())
        for key, p in evaluation.get("pipelines", {}).items():
            if key in results["pipelines"]:
                results["pipelines"][key]["heldout"] = p.get("heldout")
    png = REPORTS / "benchmark-latency.png"
    plots.latency_png(bench_report.latency_points(results), png)
    results["latency_png"] = relative(png)
    series = bench_report.length_series(results)
    if series:
        png = REPORTS / "benchmark-conversation-length.png"
        plots.conversation_length_png(series, png)
        results["length_png"] = relative(png)
    finish(WORK, results, started, args.render_only, "benchmark.md", bench_report.render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
