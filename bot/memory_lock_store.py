"""The embedded default's lock store: in memory, and the next message goes as soon as it can.

Rasa handles one message of a conversation at a time: each message takes a ticket, and
``LockStore._acquire_lock`` checks whether its ticket is being served, sleeping a whole
second between checks. A message that arrives while another of its conversation is being
answered therefore waits up to a second after that one is done, and a burst of 200 messages
on one socket took minutes; tickets older than their 60 s lifetime then expired and their
messages were never answered.

``PromptInMemoryLockStore`` is Rasa's ``InMemoryLockStore`` whose waiting messages are woken
when the ticket before theirs is finished, so the next one starts at once, in ticket order
(the second-long check stays as a fallback). Like Rasa's, it lives in one process: it
refuses to start with ``SANIC_WORKERS`` above 1 (Rasa allows several workers for any lock
store type it does not know). Configured in ``endpoints.yml``::

    lock_store:
      type: bot.memory_lock_store.PromptInMemoryLockStore
"""

import asyncio
import os
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError


class PromptInMemoryLockStore(InMemoryLockStore):
    """Rasa's in-memory lock store, waking the next ticket when one is finished."""

    def __init__(self, endpoint_config: Any = None) -> None:
        workers = os.environ.get("SANIC_WORKERS", "1")
        if workers.strip() not in ("", "0", "1"):
            raise LockError(
                f"SANIC_WORKERS={workers}: an in-memory lock store cannot be shared by several "
                "worker processes; use the Redis lock store (deploy/endpoints.scale.yml)."
            )
        super().__init__()
        self._turns: dict[tuple[str, int], asyncio.Event] = {}

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        key = (conversation_id, ticket)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if not lock:
                    break
                if not lock.is_locked(ticket):
                    return lock
                turn = self._turns.setdefault(key, asyncio.Event())
                try:
                    await asyncio.wait_for(turn.wait(), wait_time_in_seconds)
                except asyncio.TimeoutError:
                    pass
                turn.clear()
                self.update_lock(conversation_id)
        finally:
            self._turns.pop(key, None)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        super().cleanup(conversation_id, ticket_number)
        lock = self.get_lock(conversation_id)
        if lock is not None:
            turn = self._turns.get((conversation_id, lock.now_serving))
            if turn is not None:
                turn.set()
