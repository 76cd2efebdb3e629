"""NLU in a worker thread, so the server's event loop keeps moving while a message is parsed.

Rasa parses a message on Sanic's event loop (``MessageProcessor.parse_message`` calls the
NLU graph synchronously): for the 30-50 ms of a parse nothing else on the process moves,
socket.io pings and other conversations included. Rasa takes a message's parse as given
when ``UserMessage.parse_data`` is set (``_handle_message_with_tracker``), so the channels
parse first, here, in one worker thread, and hand Rasa the result. The e5 engine releases
the GIL, so the loop runs the policies and the store of other turns meanwhile.

Waiting messages are parsed one at a time, taking conversations in turn: a conversation's
messages in the order they arrived (so they take their conversation's lock ticket in that
order), and a burst of 200 in one conversation does not hold up the others. The NLU graph
does not read the tracker (no component of config.yml asks for one), so parsing before the
tracker is read gives the same result. ``COPRO_NLU_THREAD=0`` parses on the loop as Rasa
does (the benchmark compares the two).
"""

import asyncio
import os
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.trackers import DialogueStateTracker

_NLU_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")


def enabled() -> bool:
    return os.environ.get("COPRO_NLU_THREAD", "1").strip() != "0"


class FairParser:
    """Parses queued messages in the NLU thread, one conversation's message at a time."""

    def __init__(self) -> None:
        self._waiting: OrderedDict[str, deque] = OrderedDict()
        self._worker: asyncio.Task | None = None

    async def parse(self, processor: Any, message: UserMessage) -> dict:
        future = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(message.sender_id, deque()).append((processor, message, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        return await future

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            sender, queue = next(iter(self._waiting.items()))
            processor, message, future = queue.popleft()
            if queue:
                self._waiting.move_to_end(sender)  # the other conversations go first
            else:
                del self._waiting[sender]
            empty = DialogueStateTracker.from_events(message.sender_id, [])
            try:
                parse_data = await loop.run_in_executor(
                    _NLU_THREAD, processor._parse_message_with_graph, message, empty
                )
                processor._update_full_retrieval_intent(parse_data)  # what parse_message adds
            except Exception as error:  # the channel handles it as a failed turn
                if not future.done():
                    future.set_exception(error)
            else:
                if not future.done():
                    future.set_result(parse_data)


_PARSER = FairParser()


async def parsed(app: Any, message: UserMessage) -> UserMessage:
    """``message`` with its NLU parse done in the worker thread; as it is when the Sanic
    ``app`` has no model loaded here (Rasa then parses, or says it has no model)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    processor = getattr(agent, "processor", None)
    if processor is None or processor.http_interpreter is not None or not enabled():
        return message
    message.parse_data = await _PARSER.parse(processor, message)
    return message
