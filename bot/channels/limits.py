"""Shared input hygiene for every channel: one place decides what reaches NLU and the tracker.

- ``clean_message``: a user's text, cut to ``MAX_MESSAGE_CHARS`` *before* anything costly
  (Unicode normalisation runs on the cut text only), without control characters; a message
  made only of spaces and invisible characters (zero-width space, joiners, BOM...) is empty.
- ``parse_json``: a request body parsed with a size and a nesting limit, so a deeply nested
  body can never reach ``json.loads``'s recursion (or Rasa's deep copies of the tracker).
- ``check_metadata``: metadata a client attaches to a message is kept in the tracker, so it
  is limited in size and depth.
- ``sender_problem``: a conversation id is 1 to ``MAX_SENDER_CHARS`` printable characters.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# A JSON body: REST's is {"sender", "message", "metadata"}; Slack's events carry blocks a few
# levels deep. Nothing the channels read is nested anywhere near this.
MAX_JSON_DEPTH = 32
MAX_REQUEST_BYTES = 1_000_000  # any request to the Rasa server (Sanic's REQUEST_MAX_SIZE)
MAX_REST_BODY_BYTES = 64 * 1024  # the reverse proxy's limit too (deploy/nginx/nginx.conf)
MAX_METADATA_BYTES = 4 * 1024  # as compact JSON
MAX_METADATA_DEPTH = 8  # {"a": {"b": ...}} is depth 2
# Conversations of other channels, which the REST channel may not write into.
WIDGET_PREFIX, SLACK_PREFIX = "web:", "slack:"
RESERVED_SENDER_PREFIXES = {WIDGET_PREFIX: "the web widget", SLACK_PREFIX: "Slack"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


@dataclass(frozen=True)
class CleanText:
    text: str
    truncated: bool


class Refused(ValueError):
    """Input that is refused as a whole: ``status`` (400 or 413) and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _invisible(char: str) -> bool:
    """Whitespace, or a character that shows nothing (format characters: ZWSP, ZWJ, BOM...)."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def _strip_invisible(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def clean_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> CleanText:
    """A user's text: at most `limit` characters, NFC, no control characters or lone surrogates.

    The text is cut first, so the cost of what follows never depends on how much was sent.
    """
    head, rest = text[:limit], text[limit:]
    truncated = bool(rest) and not rest.isspace()
    head = head.encode("utf-8", "replace").decode("utf-8")
    head = _strip_invisible(unicodedata.normalize("NFC", _CONTROL.sub(" ", head)))
    if len(head) > limit:  # NFC can lengthen a few scripts' characters
        head, truncated = _strip_invisible(head[:limit]), True
    return CleanText(head, truncated=truncated)


def sender_problem(sender: object) -> str | None:
    """Why ``sender`` cannot name a conversation, or None when it can."""
    if not isinstance(sender, str) or not sender.strip():
        return "'sender' must be a non-empty string (your conversation id)."
    if len(sender.strip()) > MAX_SENDER_CHARS or not sender.strip().isprintable():
        return f"'sender' must be at most {MAX_SENDER_CHARS} printable characters."
    return None


def valid_sender(sender: object) -> bool:
    return sender_problem(sender) is None


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` nests arrays and objects, counted without recursion (strings skipped)."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def parse_json(
    raw: bytes,
    max_bytes: int = MAX_REST_BODY_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    what: str = "The request body",
) -> Any:
    """``raw`` as JSON, refused (``Refused``) when too large (413), too deep or invalid (400)."""
    if len(raw) > max_bytes:
        raise Refused(413, f"{what} is larger than {max_bytes} bytes.")
    if json_depth(raw) > max_depth:
        raise Refused(400, f"{what} is nested deeper than {max_depth} levels.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused(400, f"{what} is not valid UTF-8 JSON.") from error


def value_depth(value: object, limit: int) -> int:
    """The nesting depth of a parsed value, walked without recursion; stops past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check_metadata(metadata: object) -> dict[str, Any] | None:
    """Metadata fit to be kept in the tracker: a small, shallow JSON object (else ``Refused``).

    Anything that is not an object is dropped (None), as Rasa's REST channel does.
    """
    if not isinstance(metadata, dict):
        return None
    if value_depth(metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH:
        raise Refused(400, f"'metadata' is nested deeper than {MAX_METADATA_DEPTH} levels.")
    try:
        size = len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError) as error:
        raise Refused(400, "'metadata' must be plain JSON.") from error
    if size > MAX_METADATA_BYTES:
        raise Refused(413, f"'metadata' is larger than {MAX_METADATA_BYTES} bytes.")
    return metadata
