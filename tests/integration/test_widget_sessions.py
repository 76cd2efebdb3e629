"""Finding 7 of issue 12 for the widget's socket.io sessions, with a real socket.io client:
REST could write into a live widget session, session tokens never expired, metadata was not
limited. The test servers sign tokens with ``SOCKET_SECRET``, so a test can make old ones."""

import json
import time

import pytest

from bot.channels.socketio import SessionSigner
from tests.integration.conftest import SOCKET_SECRET, Assistant
from tests.integration.socket_client import exchange, first, texts

pytestmark = pytest.mark.integration
DEFAULT_TTL_SECONDS = 24 * 60 * 60  # WIDGET_SESSION_TTL's default (docs/security.md)


def signer() -> SessionSigner:
    """Signs as the test servers do (their SOCKET_SESSION_SECRET)."""
    return SessionSigner(SOCKET_SECRET.encode(), DEFAULT_TTL_SECONDS)


def new_session(assistant: Assistant) -> dict:
    return first(exchange(assistant.base_url, [("session_request", None)]), "session_confirm")


def test_rest_cannot_write_into_a_live_widget_session(assistant: Assistant) -> None:
    session = new_session(assistant)
    said = exchange(
        assistant.base_url,
        [("session_request", session), ("user_uttered", {"message": "hello"})],
    )
    assert first(said, "session_confirm")["resumed"]
    conversation = first(said, "session_confirm")["conversation_id"]
    assert conversation == f"web:{session['session_id']}"
    # the session id as a REST sender is another conversation; the widget's is refused
    assert assistant.say(session["session_id"], "what is co-production?").status == 200
    assert assistant.say(conversation, "what is co-production?").status == 403
    assert assistant.user_texts(conversation) == ["hello"]


def test_session_tokens_expire_after_the_ttl_without_use(assistant: Assistant) -> None:
    session_id = new_session(assistant)["session_id"]
    now = time.time()
    recent = signer().token(session_id, now - DEFAULT_TTL_SECONDS + 3600)
    expired = signer().token(session_id, now - DEFAULT_TTL_SECONDS - 60)
    steps = [("session_request", {"session_id": session_id, "token": expired})]
    refused = first(exchange(assistant.base_url, steps), "session_confirm")
    assert not refused["resumed"] and refused["session_id"] != session_id
    steps = [("session_request", {"session_id": session_id, "token": recent})]
    resumed = first(exchange(assistant.base_url, steps), "session_confirm")
    assert resumed["resumed"] and resumed["session_id"] == session_id
    assert signer().verify(session_id, resumed["token"], now + DEFAULT_TTL_SECONDS - 60)


def test_each_turn_renews_the_token(assistant: Assistant) -> None:
    session = new_session(assistant)
    before = time.time()
    received = exchange(
        assistant.base_url,
        [("session_request", session), ("user_uttered", {"message": "what is co-production?"})],
    )
    renewed = first(received, "session_token")
    assert renewed["session_id"] == session["session_id"]
    issued = int(renewed["token"].split(".")[0])
    assert issued >= int(before) and signer().verify(session["session_id"], renewed["token"])
    events = [name for name, _ in received]
    assert events.index("session_token") < events.index("bot_done")


@pytest.mark.parametrize(
    "metadata",
    [
        json.loads('{"a":' * 200 + "1" + "}" * 200),  # the client can send no deeper
        {"blob": "x" * 50_000},
        "{" + '"a":{' * 20 + "}" * 21,  # JSON text, too deep
        "not json",
    ],
    ids=["deep", "large", "deep-text", "not-json"],
)
def test_socket_metadata_is_limited_and_nothing_is_stored(
    assistant: Assistant, metadata: object
) -> None:
    session = new_session(assistant)
    offset = assistant.log_size()
    received = exchange(
        assistant.base_url,
        [("session_request", session), ("user_uttered", {"message": "hi", "metadata": metadata})],
    )
    assert any("'metadata'" in text for text in texts(received)), texts(received)
    assert assistant.user_texts(session["conversation_id"]) == []
    time.sleep(0.5)
    assert "Traceback" not in assistant.log_since(offset)


def test_a_zero_width_socket_message_is_empty(assistant: Assistant) -> None:
    session = new_session(assistant)
    received = exchange(
        assistant.base_url,
        [("session_request", session), ("user_uttered", {"message": "\u200b\u200d\ufeff"})],
    )
    assert texts(received)[0].startswith("I didn't receive any text.")
    assert assistant.user_texts(session["conversation_id"]) == []
