"""A bare socket.io client (python-socketio over aiohttp) for the widget's protocol.

``exchange`` connects, emits each step and waits for its answer: ``session_confirm`` after a
``session_request``, the turn's ``bot_done`` after a ``user_uttered`` with text. It returns
every ``(event, data)`` the server sent."""

import asyncio
from typing import Any

import socketio
from socketio import packet

TIMEOUT = 90


async def _exchange(base_url: str, steps: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    client = socketio.AsyncClient(reconnection=False)
    received: list[tuple[str, Any]] = []
    waiting: dict[str, asyncio.Event] = {}

    @client.on("*")
    async def any_event(event: str, data: Any = None) -> None:
        received.append((event, data))
        if event in waiting:
            waiting.pop(event).set()

    # long-polling: python-socketio's websocket client needs a newer aiohttp than Rasa's
    await client.connect(base_url, transports=["polling"], wait_timeout=30)
    try:
        for event, data in steps:
            awaited = "session_confirm" if event == "session_request" else None
            if isinstance(data, dict) and isinstance(data.get("message"), str):
                awaited = "bot_done"
            done = waiting.setdefault(awaited, asyncio.Event()) if awaited else None
            await client.emit(event, data)
            if done:
                await asyncio.wait_for(done.wait(), TIMEOUT)
    finally:
        # leave at once: a graceful close waits for the pending long-poll (up to 25 s)
        for namespace in client.namespaces:
            await client._send_packet(client.packet_class(packet.DISCONNECT, namespace=namespace))
        await client.eio.disconnect(abort=True)
    return received


def exchange(base_url: str, steps: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return asyncio.run(_exchange(base_url, steps))


def first(received: list[tuple[str, Any]], event: str) -> Any:
    return next(data for name, data in received if name == event)


def texts(received: list[tuple[str, Any]]) -> list[str]:
    return [data["text"] for name, data in received if name == "bot_uttered"]
