"""Input limits (bot/channels/limits.py), in-process. The same limits are exercised over real
HTTP in tests/integration/test_input_limits.py."""

import time

import pytest

from bot.channels.limits import (
    MAX_JSON_DEPTH,
    MAX_METADATA_DEPTH,
    Refused,
    check_metadata,
    clean_message,
    json_depth,
    parse_json,
    sender_problem,
)


def test_an_18_mb_text_is_cut_before_it_is_normalised() -> None:
    """Issue 12, finding 4: NFC over 18 MB took about 3 s on the event loop."""
    text = "what is co-production? " + "e\u0301" * 9_000_000
    started = time.perf_counter()
    cleaned = clean_message(text)
    assert time.perf_counter() - started < 0.2
    assert cleaned.truncated and len(cleaned.text) <= 2000
    assert cleaned.text.startswith("what is co-production? \u00e9")  # NFC on what is kept


def test_invisible_only_messages_are_empty() -> None:
    for text in ("\u200b", "\u200b\u200c\u200d", "\ufeff \u2060\n", "\u00ad", " \u200e "):
        assert clean_message(text).text == "", repr(text)
    assert clean_message("\u200bhello\u200b").text == "hello"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # joiners inside a text are kept
    assert clean_message(family).text == family


def test_whitespace_after_the_cut_is_not_a_truncation() -> None:
    assert not clean_message("hello" + " " * 5000).truncated
    assert clean_message("x" * 2001).truncated


def test_json_depth_is_counted_without_recursion_and_ignores_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000


def test_parse_json_refuses_large_deep_and_invalid_bodies() -> None:
    assert parse_json(b'{"a": 1}') == {"a": 1}
    with pytest.raises(Refused) as large:
        parse_json(b"[" + b"1," * 40_000 + b"1]")
    assert large.value.status == 413
    with pytest.raises(Refused) as deep:
        parse_json(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    assert deep.value.status == 400 and "nested" in deep.value.message
    with pytest.raises(Refused) as invalid:
        parse_json(b"\xff{")
    assert invalid.value.status == 400


def nested(depth: int) -> dict:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value  # type: ignore[return-value]


def test_metadata_is_limited_in_depth_and_size() -> None:
    assert check_metadata(nested(MAX_METADATA_DEPTH)) == nested(MAX_METADATA_DEPTH)
    assert check_metadata("not an object") is None
    with pytest.raises(Refused) as deep:
        check_metadata(nested(MAX_METADATA_DEPTH + 1))
    assert deep.value.status == 400
    with pytest.raises(Refused) as very_deep:  # deeper than Python's recursion limit
        check_metadata(nested(5000))
    assert very_deep.value.status == 400
    with pytest.raises(Refused) as large:
        check_metadata({"blob": "x" * 5000})
    assert large.value.status == 413


@pytest.mark.parametrize("sender", ["me", "José", "terminal-0123", "a" * 128, " padded "])
def test_printable_senders_are_accepted(sender: str) -> None:
    assert sender_problem(sender) is None


@pytest.mark.parametrize(
    "sender", ["", "   ", None, 42, "a\u0000b", "a\x1bb", "a\nb", "zw\u200b", "a" * 129]
)
def test_other_senders_are_refused(sender: object) -> None:
    assert sender_problem(sender)
