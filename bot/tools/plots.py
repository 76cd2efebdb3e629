"""PNG figures for the reports (matplotlib, headless)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bot.tools.metrics import confusion, is_right  # noqa: E402


def confusion_png(rows: list[dict], title: str, path: Path) -> None:
    """Row-normalised confusion matrix (expected down, predicted across)."""
    labels, counts = confusion(rows)
    shares = [[c / max(sum(row), 1) for c in row] for row in counts]
    size = max(8, 0.22 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count and i != j:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=6, color="darkred")
    ax.set_xlabel("predicted (declined off-topic shown as out_of_scope)")
    ax.set_ylabel("expected")
    ax.set_title(f"{title}: held-out confusion matrix (share of each row; red = errors)")
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def confidence_png(runs: dict[str, list[dict]], path: Path) -> None:
    """Intent confidence of right and wrong predictions, topic and off-topic, per pipeline."""
    fig, axes = plt.subplots(1, len(runs), figsize=(6 * len(runs), 4.5), sharey=True)
    axes = axes if len(runs) > 1 else [axes]
    bins = [i / 20 for i in range(21)]
    for ax, (title, rows) in zip(axes, runs.items(), strict=True):
        groups = {
            "topic, right": [r for r in rows if r["expected"] != "out_of_scope" and _ok(r)],
            "topic, wrong": [r for r in rows if r["expected"] != "out_of_scope" and not _ok(r)],
            "off-topic, declined": [r for r in rows if r["expected"] == "out_of_scope" and _ok(r)],
            "off-topic, answered": [
                r for r in rows if r["expected"] == "out_of_scope" and not _ok(r)
            ],
        }
        colours = ["tab:green", "tab:red", "tab:blue", "tab:orange"]
        ax.hist(
            [[r["confidence"] for r in g] for g in groups.values()],
            bins=bins,
            stacked=True,
            color=colours,
            label=[f"{name} ({len(g)})" for name, g in groups.items()],
        )
        ax.set_title(title)
        ax.set_xlabel("confidence of the predicted intent")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("held-out questions")
    fig.suptitle("Held-out questions by intent confidence")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ok(row: dict) -> bool:
    return is_right(row["expected"], row["predicted"])


def latency_png(points: dict[str, list[tuple[int, float, float]]], path: Path) -> None:
    """points: series name -> [(concurrency, p50 ms, p95 ms)]."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for (name, series), colour in zip(points.items(), plt.cm.tab10.colors, strict=False):
        series = sorted(series)
        xs = [p[0] for p in series]
        ax.plot(xs, [p[2] for p in series], "o-", color=colour, label=f"{name} p95")
        ax.plot(xs, [p[1] for p in series], "o--", color=colour, alpha=0.6, label=f"{name} p50")
    ax.axhline(150, color="grey", linestyle=":", label="target: p95 150 ms at 8")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 8, 32], ["1", "8", "32"])
    ax.set_yscale("log")
    ax.set_xlabel("concurrent conversations")
    ax.set_ylabel("reply latency (ms, log scale)")
    ax.set_title("Reply latency vs concurrency (one instance, 2 shared cores)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def conversation_length_png(series: dict[str, list[float]], path: Path, window: int = 10) -> None:
    """series: name -> every turn's latency (ms) in one conversation; medians of ``window``."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (name, latencies), colour in zip(series.items(), plt.cm.tab10.colors, strict=False):
        starts = range(0, len(latencies) - window + 1, window)
        xs = [start + window for start in starts]
        ys = [sorted(latencies[s : s + window])[window // 2] for s in starts]
        ax.plot(xs, ys, "o-", color=colour, label=name, markersize=3)
    ax.set_xlabel("turn of the conversation")
    ax.set_ylabel(f"reply latency, median of {window} turns (ms)")
    ax.set_title("Reply latency against conversation length (one conversation, REST)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
