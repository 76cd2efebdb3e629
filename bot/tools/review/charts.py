"""The review's plots as PNG files (matplotlib, headless), each with a text alternative.

Colours are the Okabe-Ito palette (told apart with colour blindness); the numbers behind
every plot are also given as a table on the page.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
TEXT = "#1a1a1a"
DPI = 100


def _finish(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, facecolor="white")
    plt.close(fig)


def _style(ax: plt.Axes, title: str) -> None:
    ax.set_title(title, color=TEXT, loc="left", fontsize=12)
    ax.tick_params(colors=TEXT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def questions_per_day(per_day: dict[str, Counter], path: Path) -> str:
    """Stacked bars: messages per day, one colour per channel. Returns the alt text."""
    days = sorted(per_day)
    channels = sorted({c for counts in per_day.values() for c in counts})
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bottom = [0] * len(days)
    for colour, channel in zip(PALETTE, channels, strict=False):
        values = [per_day[d][channel] for d in days]
        ax.bar(days, values, bottom=bottom, label=channel, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _style(ax, "Messages per day, by channel")
    ax.set_ylabel("messages", color=TEXT)
    ax.tick_params(axis="x", rotation=45)
    if channels:
        ax.legend(frameon=False)
    _finish(fig, path)
    totals = ", ".join(f"{c} {sum(per_day[d][c] for d in days)}" for c in channels)
    return (
        f"Bar chart of messages per day from {days[0]} to {days[-1]}, stacked by channel; "
        f"totals: {totals}."
        if days
        else "No messages in this period."
    )


def answers_per_topic(totals: Counter, titles: dict[str, str], path: Path, top: int = 15) -> str:
    """Horizontal bars: content answers per topic (the most asked first)."""
    ranked = totals.most_common(top)
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(ranked), 3) + 1))
    labels = [titles.get(name, str(name)) for name, _ in ranked][::-1]
    ax.barh(labels, [count for _, count in ranked][::-1], color=PALETTE[0])
    _style(ax, f"Answers per topic (top {len(ranked)})")
    ax.set_xlabel("answers", color=TEXT)
    _finish(fig, path)
    listed = "; ".join(f"{titles.get(n, n)} {c}" for n, c in ranked[:5])
    return (
        f"Bar chart of answers per topic; the most asked: {listed}."
        if ranked
        else "No answers in this period."
    )


def tour_progress(reached: list[int], titles: list[str], finished: int, path: Path) -> str:
    """Bars: how many conversations reached each step of the tour."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    labels = [str(i + 1) for i in range(len(reached))] + ["end"]
    ax.bar(labels, [*reached, finished], color=[PALETTE[2]] * len(reached) + [PALETTE[0]])
    _style(ax, "Conversations that reached each tour step")
    ax.set_xlabel("step", color=TEXT)
    ax.set_ylabel("conversations", color=TEXT)
    _finish(fig, path)
    started = reached[0] if reached else 0
    if not started:
        return "No one took the guided tour in this period."
    half = next((i for i, n in enumerate(reached) if n < started / 2), None)
    where = f"; fewer than half went past step {half}" if half else ""
    return (
        f"Bar chart of tour progress: {started} conversations started the tour, "
        f"{finished} reached its end{where}."
    )
