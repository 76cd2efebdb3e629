"""Pure helpers for the reports: percentiles, confusion matrices, markdown tables."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence

# The intents of a declined message (advice and how-to are reported as out_of_scope).
DECLINED = frozenset({"out_of_scope", "nlu_fallback"})


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def is_right(expected: str, predicted: str | None) -> bool:
    """Off-topic questions count as right when declined (out_of_scope or nlu_fallback)."""
    if expected == "out_of_scope":
        return predicted in DECLINED
    return predicted == expected


def shown(expected: str, predicted: str | None) -> str:
    """The label a prediction is shown under: declined off-topic counts as out_of_scope."""
    if expected == "out_of_scope" and predicted in DECLINED:
        return "out_of_scope"
    return predicted or "None"


def confusion(rows: Iterable[dict]) -> tuple[list[str], list[list[int]]]:
    """Labels (expected ones first, then predicted-only ones) and counts[expected][predicted]."""
    rows = list(rows)
    expected = sorted({r["expected"] for r in rows})
    extra = sorted({shown(r["expected"], r["predicted"]) for r in rows} - set(expected))
    labels = expected + extra
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for r in rows:
        counts[index[r["expected"]]][index[shown(r["expected"], r["predicted"])]] += 1
    return labels, counts


def worst_confusions(rows: Iterable[dict], top: int = 10) -> list[tuple[str, str, int]]:
    pairs = Counter(
        (r["expected"], r["predicted"] or "None")
        for r in rows
        if not is_right(r["expected"], r["predicted"])
    )
    return [(e, p, n) for (e, p), n in pairs.most_common(top)]


def per_topic(rows: Iterable[dict]) -> dict[str, tuple[int, int]]:
    """intent -> (right, total)."""
    right: Counter = Counter()
    total: Counter = Counter()
    for r in rows:
        total[r["expected"]] += 1
        right[r["expected"]] += is_right(r["expected"], r["predicted"])
    return {intent: (right[intent], total[intent]) for intent in sorted(total)}


def share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def fmt(value: object, digits: int = 2) -> str:
    """A table cell: floats rounded, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def ratio(ours: float | None, theirs: float | None) -> str:
    """ours / theirs as ``0.42×``; a dash when either is missing or theirs is zero."""
    if ours is None or not theirs:
        return "–"
    return f"{ours / theirs:.2f}×"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub markdown table; ``|`` inside cells is escaped."""

    def cell(value: object) -> str:
        return fmt(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
