"""Finding 1 of issue 12, over real HTTP against the real servers: the HTTP API needs its token,
refuses other Host names (DNS rebinding) and cross-origin browser requests, while the channel
webhooks stay public. Each reproduction below was accepted (200) before ``bot/http_guard.py``."""

import json
import uuid

import pytest

from tests.integration.conftest import Assistant

pytestmark = pytest.mark.integration
EVIL = "https://evil.example"


def sender() -> str:
    return f"guard-{uuid.uuid4().hex}"


def bearer(assistant: Assistant) -> dict[str, str]:
    return {"Authorization": f"Bearer {assistant.token}"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/conversations/{who}/tracker", None),
        ("GET", "/status", None),
        ("GET", "/domain", None),
        ("POST", "/model/parse", {"text": "hello"}),
        ("POST", "/conversations/{who}/messages", {"text": "hi", "sender": "user"}),
        ("POST", "/conversations/{who}/execute", {"name": "action_listen"}),
        (
            "POST",
            "/conversations/{who}/tracker/events",
            {"event": "action", "name": "action_listen"},
        ),
    ],
)
def test_every_api_route_needs_the_token(
    assistant: Assistant, method: str, path: str, body: dict | None
) -> None:
    who = sender()
    path = path.format(who=who)
    data = json.dumps(body).encode() if body is not None else None
    json_type = {"Content-Type": "application/json"}
    for headers, suffix in (
        ({}, ""),
        ({"Authorization": "Bearer not-the-token"}, ""),
        ({}, "?token=not-the-token"),
    ):
        reply = assistant.request(path + suffix, data, {**json_type, **headers}, method)
        assert reply.status == 401, (path, headers, suffix, reply)
        assert "token" in reply.body["error"]
    assert assistant.user_texts(who) == []  # nothing was written by the refused requests
    # with the token, as a header or as Rasa's ?token=, Rasa answers (execute: 404, the
    # conversation does not exist)
    ok = assistant.request(path, data, {**json_type, **bearer(assistant)}, method)
    assert ok.status in (200, 404), ok
    query = assistant.request(f"{path}?token={assistant.token}", data, json_type, method)
    assert query.status == ok.status, query


def test_a_cross_site_simple_request_cannot_write_a_conversation(assistant: Assistant) -> None:
    """The reproduction: a page on another site posts text/plain (no CORS preflight)."""
    who = sender()
    body = json.dumps({"text": "hi", "sender": "user"}).encode()
    for path in (f"/conversations/{who}/messages", f"/conversations/{who}/execute"):
        for headers in (
            {"Origin": EVIL, "Content-Type": "text/plain"},
            {"Origin": EVIL, "Content-Type": "text/plain", **bearer(assistant)},
            {"Origin": "null", "Content-Type": "text/plain", **bearer(assistant)},
        ):
            reply = assistant.request(path, body, headers, "POST")
            assert reply.status in (401, 403), (path, headers, reply)
            assert reply.headers.get("Access-Control-Allow-Origin") is None
    assert assistant.user_texts(who) == []
    # the server's own origin is not cross-site
    own = {"Origin": assistant.base_url, "Content-Type": "application/json", **bearer(assistant)}
    reply = assistant.request(f"/conversations/{who}/messages", body, own, "POST")
    assert reply.status == 200, reply


def test_dns_rebinding_cannot_read_a_tracker(assistant: Assistant) -> None:
    """The reproduction: ``Host: evil.example:5005`` while connected to 127.0.0.1."""
    who = sender()
    assert assistant.say(who, "how many surveys were submitted?").status == 200
    port = assistant.base_url.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "evil.example", "127.0.0.1.nip.io", "localhost.evil"):
        for path in (f"/conversations/{who}/tracker", "/webhooks/rest/webhook", "/chat/"):
            headers = {"Host": host, **bearer(assistant)}
            reply = assistant.request(path, headers=headers)
            assert reply.status == 421, (host, path, reply)
            assert "573" not in json.dumps(reply.body)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
        reply = assistant.request(
            f"/conversations/{who}/tracker", headers={"Host": host, **bearer(assistant)}
        )
        assert reply.status == 200, (host, reply)


def test_the_channel_webhooks_stay_public(assistant: Assistant) -> None:
    who = sender()
    body = json.dumps({"sender": who, "message": "how many surveys were submitted?"}).encode()
    headers = {"Content-Type": "application/json", "Origin": EVIL}
    reply = assistant.request("/webhooks/rest/webhook", body, headers, "POST")
    assert reply.status == 200 and "573" in json.dumps(reply.body)
    assert assistant.request("/chat/", headers={"Origin": EVIL}).status == 200
    assert assistant.request("/chat/welcome.json").status == 200
    assert assistant.request("/").status == 200  # the health check
    polling = assistant.request("/socket.io/?EIO=4&transport=polling")
    assert polling.status == 200


def test_request_bodies_are_limited(assistant: Assistant) -> None:
    """Sanic read bodies up to 100 MB; now 1 MB is the most any request may send."""
    reply = assistant.request(
        "/model/parse",
        b'{"text": "' + b"a" * 1_100_000 + b'"}',
        {"Content-Type": "application/json", **bearer(assistant)},
        "POST",
    )
    assert reply.status == 413
    deep = assistant.request(
        "/model/parse",
        b'{"text": "hi", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        {"Content-Type": "application/json", **bearer(assistant)},
        "POST",
    )
    assert deep.status == 400 and "nested" in deep.body["error"]
