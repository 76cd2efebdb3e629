"""The intent of the latest message, as actions read it."""

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest message, as NLU or a button payload gave it."""
    return (tracker.latest_message.get("intent") or {}).get("name")
