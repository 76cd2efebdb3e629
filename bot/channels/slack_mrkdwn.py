"""Text between the assistant's Markdown and Slack's mrkdwn, both ways.

Outgoing (``to_mrkdwn``): the domain's responses use ``**bold**``, ``*italic*``,
``[text](url)`` and ``- `` / ``* `` lists; Slack writes ``*bold*``, ``_italic_``,
``<url|text>`` and has no list syntax, so lists become bullets. ``&``, ``<`` and ``>``
are escaped as Slack requires. ``to_plain_text`` gives the notification fallback.

Incoming (``from_slack``): Slack sends ``<@U123>`` mentions, ``<https://x|label>``
links and HTML-escaped ``&amp; &lt; &gt;``; NLU should see what the user typed.
"""

import re
from collections.abc import Callable

_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")
_EMPHASIS = re.compile(
    r"\*\*(?=\S)(?P<bold>.+?)(?<=\S)\*\*"
    r"|__(?=\S)(?P<bold2>.+?)(?<=\S)__"
    r"|(?<![*\w])\*(?=[^\s*])(?P<italic>.+?)(?<=[^\s*])\*(?![*\w])"
)
_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]+(?P<item>.*)$")
_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t]*#*$")
_TOKEN = re.compile("\x00(\\d+)\x00")


def escape(text: str) -> str:
    """Escape Slack's three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _protect(
    text: str, pattern: re.Pattern[str], render: Callable[[re.Match[str]], str], store: list[str]
) -> str:
    def keep(match: re.Match[str]) -> str:
        store.append(render(match))
        return f"\x00{len(store) - 1}\x00"

    return pattern.sub(keep, text)


def _restore(text: str, store: list[str]) -> str:
    while _TOKEN.search(text):
        text = _TOKEN.sub(lambda m: store[int(m.group(1))], text)
    return text


def _emphasis(text: str, bold: str, italic: str) -> str:
    def render(match: re.Match[str]) -> str:
        strong = match.group("bold") or match.group("bold2")
        if strong is not None:
            return f"{bold}{_emphasis(strong, bold, italic)}{bold}"
        return f"{italic}{match.group('italic')}{italic}"

    return _EMPHASIS.sub(render, text)


def _lines(text: str, heading: str) -> str:
    out = []
    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        title = _HEADING.match(line)
        if bullet:
            depth = len(bullet.group("indent").expandtabs(4)) // 2
            mark = "•" if depth == 0 else "◦"
            out.append("    " * min(depth, 3) + f"{mark} {bullet.group('item')}")
        elif title:
            out.append(heading.format(title.group("title")))
        else:
            out.append(line)
    return "\n".join(out)


def _label(text: str) -> str:
    """A link label: Slack formats nothing inside one, and ``|`` would end the URL."""
    return _emphasis(text, "", "").replace("|", "/")


def to_mrkdwn(markdown: str) -> str:
    """Markdown as used in ``domain.yml`` → Slack mrkdwn."""
    store: list[str] = []
    text = _protect(markdown, _CODE, lambda m: escape(m.group(0)), store)
    text = _protect(
        text,
        _LINK,
        lambda m: f"<{escape(m.group(2))}|{escape(_label(m.group(1)))}>",
        store,
    )
    text = escape(text)
    text = _lines(text, "**{}**")
    text = _emphasis(text, "*", "_")
    return _restore(text, store)


def to_plain_text(markdown: str) -> str:
    """Markdown → readable plain text (Slack's ``text`` fallback for notifications)."""
    store: list[str] = []
    text = _protect(markdown, _LINK, lambda m: f"{m.group(1)} ({m.group(2)})", store)
    text = _lines(text, "{}")
    text = _emphasis(text, "", "")
    return escape(_restore(text, store))


_SLACK_ANGLE = re.compile(r"<([^<>\n]+)>")


def _angle(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # user mention: the bot's own, or a colleague
        return ""
    if target.startswith("#"):
        return f"#{label}" if label else ""
    if target.startswith("!"):  # @here, @channel, user groups, dates
        return label if target.startswith("!date") else ""
    if label:
        return label
    return target.removeprefix("mailto:")


def from_slack(text: str) -> str:
    """Slack's message text → what the user typed, without mentions (for NLU)."""
    text = _SLACK_ANGLE.sub(_angle, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", text).strip()
