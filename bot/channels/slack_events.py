"""What a verified Slack request asks of the assistant: a ``Turn``, or nothing.

Three kinds of request reach the webhook:

* Events API (JSON): ``message`` in a direct message (``channel_type: im``) and
  ``app_mention`` in channels. Messages from bots (including this one), edits,
  deletions and other subtypes are ignored, so the bot never answers itself. A message
  with files attached (subtype ``file_share``, or ``files`` on a mention) is a turn: its
  text is answered and the person is told that files are not read.
* Interactivity (form field ``payload``): ``block_actions`` from the buttons the bot
  posted; the button's value is the Rasa payload to send.
* Slash commands (form fields ``command``, ``text``, ``response_url``); ``restart`` as the
  command's text starts a fresh conversation.

The conversation is kept per workspace, user, channel and thread:
``slack:{team}:{user}:{channel}[:{thread_ts}]``. A mention in a channel starts (or
continues) the thread under the question; a top-level direct message continues
the DM conversation. A button click continues the conversation its message
belongs to, for whoever clicked.
"""

import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bot.channels.limits import MAX_MESSAGE_CHARS
from bot.channels.slack_mrkdwn import from_slack

logger = logging.getLogger(__name__)

_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_TS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
HANDLED_SUBTYPES = {None, "thread_broadcast", "file_share"}
# Slack's markup is converted before the text is cleaned and cut: cut it first (generously:
# mentions and link markup shrink) so the conversion never works on more than this.
RAW_TEXT_CHARS = 4 * MAX_MESSAGE_CHARS


def _text(raw: str) -> str:
    return from_slack(raw[:RAW_TEXT_CHARS])


@dataclass(frozen=True)
class Turn:
    """One user turn: what they said and where the answer goes."""

    text: str
    conversation_id: str
    channel: str
    thread_ts: str | None = None  # reply in this thread (None: top level)
    response_url: str | None = None  # reply here (ephemerally) instead of chat.postMessage
    metadata: dict[str, Any] = field(default_factory=dict)
    files: int = 0  # files attached to the message (never read)
    # The message whose button was clicked (its ``ts`` and ``blocks``), to update it after
    # feedback; never stored.
    source_message: dict[str, Any] | None = None


def conversation_id(team: str, user: str, channel: str, thread_ts: str | None) -> str | None:
    """``slack:{team}:{user}:{channel}[:{thread_ts}]``, or None if an id looks wrong."""
    if not all(_ID.fullmatch(part or "") for part in (team or "T", user, channel)):
        return None
    if thread_ts and not _TS.fullmatch(thread_ts):
        return None
    parts = ["slack", team or "-", user, channel] + ([thread_ts] if thread_ts else [])
    return ":".join(parts)


def bot_user_ids(body: dict[str, Any]) -> set[str]:
    """This app's bot user id(s), as Slack names them in the event envelope."""
    ids = {
        a.get("user_id")
        for a in body.get("authorizations") or []
        if isinstance(a, dict) and a.get("is_bot")
    }
    return {i for i in ids if isinstance(i, str)}


def _is_from_a_bot(event: dict[str, Any], own_ids: set[str]) -> bool:
    return bool(
        event.get("bot_id")
        or event.get("bot_profile")
        or event.get("subtype") == "bot_message"
        or event.get("user") in own_ids
    )


def turn_from_event(body: dict[str, Any]) -> Turn | None:
    """The turn an ``event_callback`` carries, or None when the bot should stay silent."""
    event = body.get("event")
    if body.get("type") != "event_callback" or not isinstance(event, dict):
        return None
    kind = event.get("type")
    if _is_from_a_bot(event, bot_user_ids(body)):
        logger.debug("Ignoring a message from a bot (maybe this one): %s", body.get("event_id"))
        return None
    if event.get("subtype") not in HANDLED_SUBTYPES:
        return None
    if kind == "message" and event.get("channel_type") == "im":
        thread_ts = event.get("thread_ts")  # top-level DMs are answered at top level
    elif kind == "app_mention":
        thread_ts = event.get("thread_ts") or event.get("ts")  # answer in the thread
    else:
        return None
    text, user, channel = event.get("text"), event.get("user"), event.get("channel")
    if not isinstance(text, str) or not isinstance(user, str) or not isinstance(channel, str):
        return None
    team = event.get("team") or body.get("team_id") or ""
    sender = conversation_id(team, user, channel, thread_ts)
    if sender is None:
        return None
    files = event.get("files") if isinstance(event.get("files"), list) else []
    return Turn(
        text=_text(text),
        conversation_id=sender,
        channel=channel,
        thread_ts=thread_ts,
        files=len(files) or int(event.get("subtype") == "file_share"),
        metadata={
            "slack": {
                "kind": kind,
                "event_id": body.get("event_id"),
                "team": team,
                "user": user,
                "channel": channel,
                "thread_ts": thread_ts,
            }
        },
    )


def turn_from_interaction(payload: dict[str, Any]) -> Turn | None:
    """The turn a button click carries (its value is the Rasa payload), or None."""
    if payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions") or []
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    value = action.get("value")
    if action.get("type") != "button" or not isinstance(value, str) or not value:
        return None  # link buttons have no value; other widgets are not used
    user = (payload.get("user") or {}).get("id")
    team = (payload.get("team") or {}).get("id") or (payload.get("user") or {}).get("team_id")
    container = payload.get("container") or {}
    channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
    message = payload.get("message") or {}
    thread_ts = message.get("thread_ts") or container.get("thread_ts")
    if not isinstance(user, str) or not isinstance(channel, str):
        return None
    sender = conversation_id(team or "", user, channel, thread_ts)
    if sender is None:
        return None
    ephemeral = bool(container.get("is_ephemeral")) or not message
    return Turn(
        text=value,
        conversation_id=sender,
        channel=channel,
        thread_ts=thread_ts,
        response_url=payload.get("response_url") if ephemeral else None,
        source_message=message if not ephemeral and isinstance(message.get("ts"), str) else None,
        metadata={
            "slack": {
                "kind": "button",
                "team": team,
                "user": user,
                "channel": channel,
                "thread_ts": thread_ts,
                "title": (action.get("text") or {}).get("text"),
            }
        },
    )


# Slash command words that are controls, not questions: ``/coproduction restart`` starts a
# fresh conversation (Rasa's ``/restart``) whatever NLU would make of the word.
COMMAND_PAYLOADS = {"restart": "/restart", "start over": "/restart"}


def turn_from_command(form: dict[str, str]) -> Turn | None:
    """The turn a slash command carries (``/coproduction how many surveys?``), or None."""
    user, channel = form.get("user_id", ""), form.get("channel_id", "")
    response_url = form.get("response_url", "")
    if not form.get("command") or not response_url.startswith(("https://", "http://")):
        return None
    sender = conversation_id(form.get("team_id", ""), user, channel, None)
    if sender is None:
        return None
    text = _text(form.get("text", ""))
    return Turn(
        text=COMMAND_PAYLOADS.get(" ".join(text.lower().split()), text),
        conversation_id=sender,
        channel=channel,
        response_url=response_url,
        metadata={
            "slack": {
                "kind": "command",
                "command": form.get("command"),
                "team": form.get("team_id"),
                "user": user,
                "channel": channel,
            }
        },
    )


class RecentIds:
    """Ids seen in the last ``ttl`` seconds (at most ``size``): Slack's retries of an event."""

    def __init__(self, ttl: float = 3600.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, now: float | None = None) -> bool:
        """Record ``key``; True unless it was already seen within ``ttl``."""
        now = time.monotonic() if now is None else now
        while self._seen and (
            len(self._seen) >= self.size or next(iter(self._seen.values())) < now - self.ttl
        ):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True
