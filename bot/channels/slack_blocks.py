"""Rasa bot messages → Slack message payloads (Block Kit, with a plain-text fallback).

A message is ``{"text": fallback, "blocks": [...]}``: mrkdwn ``section`` blocks for
the text, an ``actions`` block of buttons whose ``value`` is the Rasa payload
(``/values_list``, ``/ask_link{"story": "noreen"}``), which the interactivity
endpoint sends back as the user's next message. ``text`` lists the button titles
too, so notifications and clients without Block Kit still read the whole answer.
"""

from typing import Any

from bot.channels.slack_mrkdwn import to_mrkdwn, to_plain_text

# Slack's limits (https://api.slack.com/reference/block-kit/blocks).
SECTION_CHARS = 3000
BUTTON_TITLE_CHARS = 75
BUTTON_VALUE_CHARS = 2000
BUTTONS_PER_ACTIONS_BLOCK = 25
MAX_BLOCKS = 50
BUTTON_ACTION_PREFIX = "rasa_button_"


def _chunks(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraphs or lines."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    if text.strip():
        pieces.append(text)
    return pieces


def text_blocks(markdown: str) -> list[dict[str, Any]]:
    """Section blocks holding ``markdown`` as mrkdwn."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in _chunks(to_mrkdwn(markdown), SECTION_CHARS)
    ]


def button_element(button: dict[str, Any], index: int) -> dict[str, Any] | None:
    """A Block Kit button for a Rasa button (payload or URL), or None if it has neither."""
    title = str(button.get("title") or button.get("payload") or "")[:BUTTON_TITLE_CHARS]
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": title or "…", "emoji": True},
        "action_id": f"{BUTTON_ACTION_PREFIX}{index}",
    }
    if button.get("url"):
        element["url"] = str(button["url"])
    elif button.get("payload"):
        element["value"] = str(button["payload"])[:BUTTON_VALUE_CHARS]
    else:
        return None
    return element


def button_blocks(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``actions`` blocks (at most 25 buttons each) for Rasa buttons."""
    elements = [
        element
        for index, button in enumerate(buttons)
        if isinstance(button, dict) and (element := button_element(button, index))
    ]
    return [
        {"type": "actions", "elements": elements[start : start + BUTTONS_PER_ACTIONS_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_ACTIONS_BLOCK)
    ]


def fallback_text(
    markdown: str, buttons: list[dict[str, Any]] | None = None, options: str = ""
) -> str:
    """The whole message as plain text (notifications, screen readers), the button titles
    listed under ``options`` (the domain's ``utter_options_heading``)."""
    text = to_plain_text(markdown)
    titles = [str(b.get("title")) for b in buttons or [] if isinstance(b, dict) and b.get("title")]
    if titles:
        heading = f"{options}\n" if options else ""
        text += "\n\n" + heading + "\n".join(f"• {to_plain_text(t)}" for t in titles)
    return text


def render_message(
    text: str, buttons: list[dict[str, Any]] | None = None, options: str = ""
) -> dict[str, Any]:
    """One bot message as ``chat.postMessage`` arguments (``text`` and ``blocks``)."""
    blocks = text_blocks(text) + button_blocks(buttons or [])
    return {"text": fallback_text(text, buttons, options), "blocks": blocks[:MAX_BLOCKS]}


def render_messages(messages: list[dict[str, Any]], options: str = "") -> dict[str, Any]:
    """Several collected bot messages (Rasa's dicts) as one payload, e.g. for ``response_url``."""
    texts: list[str] = []
    blocks: list[dict[str, Any]] = []
    for message in messages:
        rendered = render_message(str(message.get("text") or ""), message.get("buttons"), options)
        if message.get("image"):
            image = str(message["image"])
            rendered["blocks"].append({"type": "image", "image_url": image, "alt_text": image})
            rendered["text"] = (rendered["text"] + "\n" + image).strip()
        if rendered["text"]:
            texts.append(rendered["text"])
        blocks.extend(rendered["blocks"])
    return {"text": "\n\n".join(texts), "blocks": blocks[:MAX_BLOCKS]}
