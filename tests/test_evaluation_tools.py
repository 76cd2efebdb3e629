"""Fast checks of the report code behind `make evaluate` and `make bench` (no servers)."""

from pathlib import Path

import yaml

from bot.tools import metrics
from bot.tools.bench import report as bench_report
from bot.tools.bench.training import EDIT_NOTE, edit_one_response
from bot.tools.evaluation import report as evaluation_report
from bot.tools.evaluation.e2e import first_action, rule_actions

ROOT = Path(__file__).resolve().parent.parent

ROWS = [
    {"text": "a", "expected": "x", "predicted": "x", "confidence": 0.9},
    {"text": "b", "expected": "x", "predicted": "y", "confidence": 0.6},
    {"text": "c", "expected": "out_of_scope", "predicted": "nlu_fallback", "confidence": 0.2},
    {"text": "d", "expected": "out_of_scope", "predicted": "x", "confidence": 0.7},
]


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert metrics.percentile(values, 0.5) == 50
    assert metrics.percentile(values, 0.95) == 95
    assert metrics.percentile(values, 0.99) == 99
    assert metrics.percentile([7], 0.99) == 7
    assert metrics.percentile([], 0.5) is None


def test_declined_off_topic_counts_as_right():
    assert metrics.is_right("out_of_scope", "nlu_fallback")
    assert metrics.is_right("out_of_scope", "out_of_scope")
    assert not metrics.is_right("x", "nlu_fallback")
    assert metrics.per_topic(ROWS) == {"out_of_scope": (1, 2), "x": (1, 2)}


def test_confusion_matrix_counts_every_row_once():
    labels, counts = metrics.confusion(ROWS)
    assert labels == ["out_of_scope", "x", "y"]
    assert sum(map(sum, counts)) == len(ROWS)
    assert counts[labels.index("out_of_scope")][labels.index("out_of_scope")] == 1
    assert counts[labels.index("x")][labels.index("y")] == 1
    assert metrics.worst_confusions(ROWS) == [("x", "y", 1), ("out_of_scope", "x", 1)]


def test_table_and_ratio_formatting():
    text = metrics.table(["a", "b"], [[1.234, None], ["p|q", 2]])
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1.23 | – |", "| p\\|q | 2 |"]
    assert metrics.ratio(50, 100) == "0.50×"
    assert metrics.ratio(1, 0) == "–"
    assert metrics.pct(0.5) == "50.0%"


def test_response_only_edit_changes_one_response(tmp_path):
    target = tmp_path / "domain.yml"
    edit_one_response(ROOT / "domain.yml", target)
    before = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    after = yaml.safe_load(target.read_text(encoding="utf-8"))
    changed = [
        name
        for name in before["responses"]
        if before["responses"][name] != after["responses"][name]
    ]
    assert len(changed) == 1
    assert after["responses"][changed[0]][0]["text"].startswith(EDIT_NOTE)
    assert {k: v for k, v in before.items() if k != "responses"} == {
        k: v for k, v in after.items() if k != "responses"
    }


def test_rule_actions_and_tracker_reading():
    actions = rule_actions()
    assert actions["greet"].startswith("utter_") or actions["greet"].startswith("action_")
    tracker = {
        "events": [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "parse_data": {"intent": {"name": "greet"}}},
            {"event": "action", "name": "utter_greet"},
            {"event": "action", "name": "action_listen"},
        ]
    }
    assert first_action(tracker) == ("greet", "utter_greet")
    assert first_action({"events": []}) == (None, None)


def test_reports_render_from_minimal_results():
    pipeline = {
        "title": "ours",
        "rows": ROWS,
        "heldout": {"topic_accuracy": 0.5, "offtopic_rejection": 0.5, "median_parse_ms": 3.0},
        "cross_validation": {"skipped": "opt-in"},
        "conversations": [
            {"file": "t.yml", "stories": 2, "failed": 0, "failed_names": [], "exit": 0}
        ],
        "e2e": {
            "messages": 4,
            "errors": 0,
            "topic_right": 0.5,
            "offtopic_declined": 0.5,
            "p50_ms": 10.0,
            "p95_ms": 20.0,
            "wrong": [],
        },
        "confusion_png": "c.png",
    }
    results = {
        "date": "2026-01-01",
        "commit": "abc",
        "seconds": 1.0,
        "folds": 3,
        "heldout_examples": 4,
        "heldout_topic": 2,
        "heldout_offtopic": 2,
        "notes": "-",
        "confidence_png": "h.png",
        "pipelines": {"ours": pipeline},
    }
    text = evaluation_report.render(results)
    assert "| held-out topic accuracy | 50.0% |" in text
    assert "![ours: confusion matrix](c.png)" in text

    run = {"channel": "rest", "users": 8, "p50_ms": 20.0, "p95_ms": 40.0, "p99_ms": 60.0}
    run |= {"throughput": 70.0, "errors": 0}
    bench = {
        "date": "2026-01-01",
        "commit": "abc",
        "seconds": 1.0,
        "duration": 15,
        "latency_png": "l.png",
        "pipelines": {"ours": {"runs": [run], "training": {"first_seconds": 20.0}}},
    }
    text = bench_report.render(bench)
    assert "| p95 latency at 8 conversations, rest (ms) | 40 | – | – | ≤ 150 | yes |" in text
    assert bench_report.latency_points(bench) == {"ours rest": [(8, 20.0, 40.0)]}
    assert "Not measured in this run." in text

    bench["pipelines"]["ours"]["breakdown"] = {
        "messages": 100,
        "nlu": {"p50_ms": 30.0, "p95_ms": 50.0, "mean_ms": 32.0},
        "turn": {"p50_ms": 55.0, "p95_ms": 80.0, "mean_ms": 50.0},
        "dialogue_p50_ms": 25.0,
        "capacity_per_s": 20.0,
    }
    text = bench_report.render(bench)
    assert "| ours | 30 / 50 | 55 / 80 | 25 | 20.0 |" in text
    assert "100 held-out questions sent one at a time" in text

    bench["pipelines"]["ours"]["profile"] = {
        "turns": 100,
        "total_ms": 60.0,
        "parts_ms": {"NLU: e5 sentence embedding": 30.0, "tracker store: read": 10.0},
    }
    text = bench_report.render(bench)
    assert "| NLU: e5 sentence embedding | 30.0 |" in text
    assert "| whole turn | 60.0 |" in text
    assert bench_report._turn_evidence(bench["pipelines"]["ours"]).endswith(
        "largest parts: NLU: e5 sentence embedding 30 ms, tracker store: read 10 ms"
    )


def test_training_phases_come_from_the_log_timestamps(tmp_path):
    from datetime import datetime

    from bot.tools.bench.training import phases

    log = tmp_path / "train.log"
    log.write_text(
        "some warning without a timestamp\n"
        "2026-01-01 10:00:05 INFO     rasa.cli.train  - Started validating domain...\n"
        "2026-01-01 10:00:12 INFO     rasa.validator  - No story structure conflicts found.\n"
        "2026-01-01 10:00:40 INFO     rasa.engine.training.hooks  - "
        "Starting to train component 'Classifier'.\n"
        "2026-01-01 10:01:00 INFO     rasa.engine.training.hooks  - "
        "Finished training component 'Classifier'.\n"
        "2026-01-01 10:01:00 INFO     rasa.engine.training.hooks  - "
        "Restored component 'RulePolicy' from cache.\n"
    )
    start = datetime(2026, 1, 1, 10, 0, 0).timestamp()
    assert phases(log, start, start + 63) == {
        "start-up": 5.0,
        "validation": 7.0,
        "preparing": 28.0,
        "training Classifier": 20.0,
        "packing": 3.0,
    }


def test_instances_table_renders_runs_and_a_skip():
    one = {"throughput": 20.0, "p50_ms": 300.0, "p95_ms": 400.0, "errors": 0}
    two = {"throughput": 30.0, "p50_ms": 200.0, "p95_ms": 300.0, "errors": 0}
    one |= {"instances": 1, "users": 8}
    two |= {"instances": 2, "users": 8}
    found = {"instances": 2, "seconds": 10, "one": one, "two": two, "load_avg_start": [0.5]}
    text = bench_report.instances_table({"instances": found})
    assert "| 1 instance(s), 8 conversations | 20.0 (1.00×) | 300 | 400 | 0 |" in text
    assert "| 2 instance(s), 8 conversations | 30.0 (1.50×) | 200 | 300 | 0 |" in text
    assert "10 s per row" in text
    skipped = bench_report.instances_table({"instances": {"skipped": "no PostgreSQL"}})
    assert skipped == "Not measured: no PostgreSQL."
    assert bench_report.instances_table({}) == "Not measured in this run."
    assert "Two instances on these same 2 cores" in bench_report._instances_evidence(
        {"instances": found}
    )
    assert bench_report._instances_evidence({"instances": {"skipped": "x"}}) == ""
