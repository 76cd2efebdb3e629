"""Every fact of the summary can be reached: some training question and some held-out
question get a reply that shows it within its first 250 characters (the trained model,
in-process; the reply is composed by the same code as action_answer)."""

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest

from actions.knowledge import load_knowledge
from bot.tools.evaluation.heldout import HELDOUT, TRAINING_DIR, evaluate, examples_in

MODEL = Path(__file__).resolve().parent.parent / "models" / "assistant.tar.gz"


@pytest.fixture(scope="module")
def reached() -> dict[str, dict[str, int]]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does it for you).")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sources = {
        source: [e for e in examples_in(folder, with_facts=True) if e[2]]
        for source, folder in (("training", TRAINING_DIR), ("heldout", HELDOUT))
    }
    # one model load for both: the report's rows come back in the order given
    report = asyncio.run(evaluate(MODEL, sources["training"] + sources["heldout"]))
    labels = ["training"] * len(sources["training"]) + ["heldout"] * len(sources["heldout"])
    for source, row in zip(labels, report.rows, strict=True):
        counts[source][row["fact"]] += row["leads"]
    return counts


@pytest.mark.parametrize("source", ["training", "heldout"])
def test_every_fact_is_reached_by_some_question(reached: dict, source: str) -> None:
    unreached = [f for f in load_knowledge().facts if not reached[source][f]]
    assert not unreached, f"facts no {source} question reaches: {unreached}"
