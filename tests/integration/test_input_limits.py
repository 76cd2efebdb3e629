"""Findings 3, 4 and 7 of issue 12 over real HTTP: deeply nested JSON, unbounded metadata and
bodies, texts normalised before they were cut, invisible messages and odd sender ids.

Each refusal must be a 4xx with a clear error, store nothing, and log one line without a
traceback (the Rasa server's log is read around each request)."""

import json
import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import Assistant, Reply

pytestmark = pytest.mark.integration
REST = "/webhooks/rest/webhook"


def sender() -> str:
    return f"limits-{uuid.uuid4().hex}"


def refused_quietly(assistant: Assistant, who: str, send) -> Reply:  # noqa: ANN001
    """Sends, then checks: a 4xx with an error, nothing stored, one log line, no traceback."""
    offset = assistant.log_size()
    reply = send()
    assert 400 <= reply.status < 500, reply
    assert isinstance(reply.body, dict) and reply.body.get("error"), reply
    assert assistant.user_texts(who) == []
    time.sleep(0.5)  # let the server's log reach the file
    logged = assistant.log_since(offset)
    assert "Traceback" not in logged and "RecursionError" not in logged, logged[-3000:]
    refusals = [line for line in logged.splitlines() if "Refused" in line]
    assert len(refusals) == 1, logged[-3000:]
    return reply


def test_a_body_of_1000_nested_arrays_is_a_400(assistant: Assistant) -> None:
    who = sender()
    body = json.dumps({"sender": who, "message": "hello"})[:-1] + ', "x": '
    body += "[" * 1000 + "]" * 1000 + "}"
    reply = refused_quietly(assistant, who, lambda: assistant.post(REST, body.encode()))
    assert reply.status == 400 and "nested" in reply.body["error"]


@pytest.mark.parametrize("depth", [500, 600, 9])  # 9: one past MAX_METADATA_DEPTH
def test_deep_metadata_on_a_first_message_is_a_400_and_nothing_is_stored(
    assistant: Assistant, depth: int
) -> None:
    who = sender()
    metadata: object = "leaf"
    for _ in range(depth):
        metadata = {"a": metadata}
    reply = refused_quietly(assistant, who, lambda: assistant.say(who, "hello", metadata=metadata))
    assert reply.status == 400 and "nested" in reply.body["error"]


def test_large_metadata_is_a_413_and_small_metadata_is_kept(assistant: Assistant) -> None:
    who = sender()
    big = {"blob": "x" * 50_000}
    reply = refused_quietly(assistant, who, lambda: assistant.say(who, "hello", metadata=big))
    assert reply.status == 413 and "4096 bytes" in reply.body["error"]  # MAX_METADATA_BYTES
    small = {"page": "/funding", "nested": {"ok": [1, 2, 3]}}
    assert assistant.say(who, "how many surveys were submitted?", metadata=small).status == 200
    events = assistant.get(f"/conversations/{who}/tracker").body["events"]
    (kept,) = [e["metadata"] for e in events if e["event"] == "user"]
    assert small.items() <= kept.items()  # Rasa adds model_id and assistant_id


def raw_post(base_url: str, path: str, head: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """POST over a plain socket: the headers may announce more than is sent."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in head.items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received.split(b"\r\n\r\n", 1)[-1]


def test_bodies_over_the_limits_are_refused_before_they_are_read(assistant: Assistant) -> None:
    who = sender()
    # an 18 MB message: refused on its Content-Length, at once
    started = time.perf_counter()
    status, _ = raw_post(
        assistant.base_url,
        REST,
        {"Content-Type": "application/json", "Content-Length": str(18_000_000)},
        b'{"sender": "' + who.encode() + b'", "message": "',
    )
    assert status == 413 and time.perf_counter() - started < 5
    # 100 KB: under Sanic's limit, over the REST channel's
    text = "how many surveys were submitted? " + "x" * 100_000
    reply = refused_quietly(assistant, who, lambda: assistant.say(who, text))
    assert reply.status == 413


@pytest.mark.parametrize(
    "message", ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u200b \n\u00ad "]
)
def test_a_message_of_zero_width_characters_is_empty(assistant: Assistant, message: str) -> None:
    who = sender()
    reply = assistant.say(who, message)
    assert reply.status == 400 and "didn't receive any text" in reply.body["error"]
    assert assistant.user_texts(who) == []


@pytest.mark.parametrize(
    "bad",
    ["nul\u0000id", "bell\u0007", "new\nline", "tab\tid", "zw\u200bsp", "x" * 129],
)
def test_sender_ids_are_printable_and_short(assistant: Assistant, bad: str) -> None:
    reply = assistant.say(bad, "hello")
    assert reply.status == 400 and "printable" in reply.body["error"]


@pytest.mark.parametrize("owned", ["web:abcdefghijklmnopqrstuvwxyz012345", "slack:T1:U1:D1"])
def test_rest_cannot_write_into_the_widgets_or_slacks_conversations(
    assistant: Assistant, owned: str
) -> None:
    reply = assistant.say(owned, "hello")
    assert reply.status == 403 and "conversation of" in reply.body["error"]
    assert assistant.user_texts(owned) == []
