"""Similar questions together: "how many staff at the EPPI Centre?" and "how many people
work at the EPPI Centre?" are one thing to fix, asked twice.

Questions are embedded with the assistant's own sentence model (multilingual-e5-small, the
one ``bot/nlu/e5_featurizer.py`` loads) and grouped greedily: each joins the first group
whose first question is at least ``SIMILAR`` alike (cosine), else starts a group. Measured on
paraphrases and near-misses of this project: paraphrases of one question score 0.92-0.99,
different questions on the same subject 0.74-0.85.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

SIMILAR = 0.9


def embed(texts: Sequence[str]) -> np.ndarray:
    from bot.nlu.e5_featurizer import _model

    if not texts:
        return np.zeros((0, 1))
    vectors = np.atleast_2d(np.asarray(_model().query(list(texts)), dtype=np.float64))
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def groups(
    texts: Sequence[str],
    threshold: float = SIMILAR,
    embedder: Callable[[Sequence[str]], np.ndarray] = embed,
) -> list[list[int]]:
    """Indices of ``texts`` in groups of alike questions, the largest group first."""
    unique: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        unique.setdefault(_key(text), []).append(index)
    keys = list(unique)
    vectors = embedder([texts[unique[k][0]] for k in keys])
    leaders: list[int] = []
    found: list[list[int]] = []
    for position, key in enumerate(keys):
        if leaders:
            alike = vectors[leaders] @ vectors[position]
            best = int(np.argmax(alike))
            if alike[best] >= threshold:
                found[best].extend(unique[key])
                continue
        leaders.append(position)
        found.append(list(unique[key]))
    found = [sorted(group) for group in found]
    return sorted(found, key=lambda group: (-len(group), group[0]))
