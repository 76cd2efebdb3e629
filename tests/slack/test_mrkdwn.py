"""Markdown → Slack mrkdwn, Block Kit rendering, and Slack text → what the user typed."""

import yaml

from bot.channels.slack_blocks import (
    BUTTONS_PER_ACTIONS_BLOCK,
    SECTION_CHARS,
    render_message,
    render_messages,
)
from bot.channels.slack_mrkdwn import from_slack, to_mrkdwn, to_plain_text
from bot.launcher import ROOT


def test_bold_italic_links_and_lists():
    markdown = (
        "**573 online surveys** were submitted:\n"
        "- **39%** had more than one role\n"
        "  - nested point\n"
        "\n"
        "See [the *full* report](https://example.org/r?a=1&b=2).\n"
        "From: *Section 2 › Our Evidence Base*"
    )
    assert to_mrkdwn(markdown) == (
        "*573 online surveys* were submitted:\n"
        "• *39%* had more than one role\n"
        "    ◦ nested point\n"
        "\n"
        "See <https://example.org/r?a=1&amp;b=2|the full report>.\n"
        "From: _Section 2 › Our Evidence Base_"
    )


def test_escapes_and_leaves_code_alone():
    assert to_mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_mrkdwn("run `**not bold**` now") == "run `**not bold**` now"
    assert to_mrkdwn("# Heading") == "*Heading*"
    assert to_mrkdwn("2 * 3 * 4") == "2 * 3 * 4"


def test_plain_text_fallback_has_no_markup():
    text = to_plain_text("**Bold** and *italic* with [a link](https://x.org)\n- item")
    assert text == "Bold and italic with a link (https://x.org)\n• item"


def test_every_domain_response_converts_without_markdown_left():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variations in domain["responses"].items():
        for variation in variations:
            converted = to_mrkdwn(variation.get("text", ""))
            assert "**" not in converted, name
            assert "](" not in converted, name
            assert not any(line.startswith("- ") for line in converted.splitlines()), name


def test_buttons_become_block_kit_with_plain_text_fallback():
    message = render_message(
        "The **five** values:",
        [
            {"title": "2. Efficiency", "payload": "/value_efficiency"},
            {"title": "Hear Noreen's story", "payload": '/ask_link{"story": "noreen"}'},
        ],
        options="Options:",
    )
    section, actions = message["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "The *five* values:"}}
    assert [e["value"] for e in actions["elements"]] == [
        "/value_efficiency",
        '/ask_link{"story": "noreen"}',
    ]
    assert len({e["action_id"] for e in actions["elements"]}) == 2
    assert message["text"] == (
        "The five values:\n\nOptions:\n• 2. Efficiency\n• Hear Noreen's story"
    )


def test_long_texts_and_many_buttons_respect_slack_limits():
    paragraphs = "\n\n".join("word " * 200 for _ in range(10))
    buttons = [{"title": f"B{i}", "payload": f"/b{i}"} for i in range(30)]
    blocks = render_message(paragraphs, buttons)["blocks"]
    sections = [b for b in blocks if b["type"] == "section"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert all(len(b["text"]["text"]) <= SECTION_CHARS for b in sections)
    assert len(sections) > 1
    assert [len(b["elements"]) for b in actions] == [BUTTONS_PER_ACTIONS_BLOCK, 5]


def test_collected_messages_render_as_one_reply():
    payload = render_messages(
        [{"text": "Here is the link you asked for:"}, {"text": "[Report](https://x.org)"}]
    )
    assert payload["text"] == "Here is the link you asked for:\n\nReport (https://x.org)"
    assert payload["blocks"][1]["text"]["text"] == "<https://x.org|Report>"


def test_incoming_slack_text_is_what_the_user_typed():
    text = "<@UBOT> how many &lt;surveys&gt; &amp; <https://x.org|stories>? <#C1|general> <!here>"
    assert from_slack(text) == "how many <surveys> & stories? #general"
    assert from_slack("<mailto:a@b.org>") == "a@b.org"
