"""The conversation tests (``tests/test_*.yml``), as ``make conversations`` runs them."""

from pathlib import Path

import yaml

from bot.tools.common import ROOT, rasa


def story_count(path: Path) -> int:
    if not path.exists():
        return 0
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return len(data.get("stories") or [])


def run_conversation_tests(model: Path, out: Path) -> list[dict]:
    """One row per test file: stories, failed stories, and the failed stories' names."""
    rows = []
    for stories in sorted((ROOT / "tests").glob("test_*.yml")):
        target = out / stories.stem
        args = ["test", "core", "--model", str(model), "--stories", str(stories)]
        args += ["--out", str(target), "--no-plot"]
        code, seconds = rasa(args, target / "rasa.log")
        failed_file = target / "failed_test_stories.yml"
        failed = story_count(failed_file)
        names = []
        if failed:
            data = yaml.safe_load(failed_file.read_text(encoding="utf-8")) or {}
            names = [s.get("story", "?") for s in data.get("stories") or []]
        rows.append(
            {
                "file": f"tests/{stories.name}",
                "stories": story_count(stories),
                "failed": failed if code == 0 else None,
                "failed_names": names,
                "exit": code,
                "seconds": round(seconds, 1),
            }
        )
    return rows
