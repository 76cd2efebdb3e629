"""A burst of messages on one socket.io connection (runs in the bench venv: python-socketio).

Connects over websocket as the widget does, confirms a session, sends every message of
``--messages`` at once, and waits for one ``bot_done`` per message. Prints one JSON line:
how many were answered, whether the socket stayed connected, the server's close reason if
it dropped, and the conversation id (``benchmark.py`` reads the stored order from the API).
"""

import argparse
import json
import threading
import time

import socketio


def burst(host: str, messages: list[str], timeout: float) -> dict:
    client = socketio.Client(reconnection=False)
    confirmed, finished = threading.Event(), threading.Event()
    state: dict = {"done": 0, "replies": 0, "disconnected": None, "session": {}}

    def on_confirm(data: dict) -> None:
        state["session"] = data
        confirmed.set()

    def on_done(*_: object) -> None:
        state["done"] += 1
        if state["done"] >= len(messages):
            finished.set()

    def on_reply(*_: object) -> None:
        state["replies"] += 1

    def on_disconnect(*reason: object) -> None:
        state["disconnected"] = str(reason[0]) if reason else "disconnected"
        finished.set()

    client.on("session_confirm", on_confirm)
    client.on("bot_done", on_done)
    client.on("bot_uttered", on_reply)
    client.on("disconnect", on_disconnect)
    client.connect(host, transports=["websocket"], wait_timeout=30)
    client.emit("session_request", {})
    if not confirmed.wait(30):
        raise RuntimeError("no session_confirm")
    session = {k: state["session"][k] for k in ("session_id", "token")}
    start = time.perf_counter()
    for text in messages:
        client.emit("user_uttered", {"message": text, **session})
    finished.wait(timeout)
    seconds = time.perf_counter() - start
    connected = client.connected and state["disconnected"] is None
    if client.connected:
        client.disconnect()
    return {
        "sent": len(messages),
        "answered": state["done"],
        "bot_messages": state["replies"],
        "connected_at_end": connected,
        "disconnect": state["disconnected"],
        "seconds": round(seconds, 1),
        "conversation_id": state["session"]["conversation_id"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--messages", required=True, help="a JSON file: a list of texts")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    with open(args.messages, encoding="utf-8") as handle:
        messages = json.load(handle)
    print(json.dumps(burst(args.host, messages, args.timeout)))


if __name__ == "__main__":
    main()
