"""``make review EXPORT=FILE``: the declined questions as candidate training examples.

Written in Rasa's NLU format, one block per group of similar questions under its nearest
topic, which is only a suggestion: a comment above each block says why it was declined and
how sure NLU was. Nothing is added to ``data/``: a person moves the examples they accept into
``data/nlu/`` (or into ``out_of_scope``), then runs ``make train``.
"""

from __future__ import annotations

from pathlib import Path

from bot.launcher import ROOT
from bot.tools.review.findings import topic_title
from bot.tools.review.report import QuestionGroup, share

HEADER = """\
# Candidate training examples from `make review` ({period}). NOT TRAINED: nothing here is
# read by `make train`. The intent of each block is the nearest topic, only a suggestion.
# For each block: move the examples you accept into data/nlu/ under the right intent (or
# under out_of_scope when the summary does not answer them), then `make train && make test`.
# This file holds what people typed: keep it under var/ and never commit it.
"""
NO_MARKUP = str.maketrans("[]{}", "()()")
UNPLACED = "out_of_scope"  # the block for questions with no nearest topic


class InsideData(ValueError):
    """Candidates are never written into data/, which Rasa trains on."""


def export(grouped: list[QuestionGroup], path: Path, period: str) -> int:
    """Write the candidates to ``path``; returns how many examples."""
    if (ROOT / "data").resolve() in [path.resolve(), *path.resolve().parents]:
        raise InsideData(f"{path} is inside data/: write candidates elsewhere (var/review/).")
    lines = [HEADER.format(period=period), 'version: "3.1"', "", "nlu:"]
    count = 0
    for group in grouped:
        topic = group.topic or UNPLACED
        lines.append(
            f"  # asked {len(group.questions)} times; {group.reasons}; nearest topic: "
            f"{topic_title(group.topic)} ({share(group.confidence)})"
        )
        lines += [f"  - intent: {topic}", "    examples: |"]
        for text in group.texts:
            # one line each; brackets would read as Rasa's entity markup
            lines.append(f"      - {text.translate(NO_MARKUP)}")
            count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return count
