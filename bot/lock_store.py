"""A Redis lock store whose ticket queue is safe when several Rasa instances share it.

Rasa 3.6's ``RedisLockStore`` keeps each conversation's ticket queue as one JSON value and
changes it by read, modify, write: two instances issuing tickets at once can both read the
same queue, so one ticket is lost (its message is served out of turn) or two get the same
number (both messages are handled at once). Measured on a real Redis
(tests/scale/test_lock_store.py): 4 instances issuing 25 tickets each at once, Rasa's store
gave 41 to 51 of the 100 numbers twice and lost as many; this one none. (Rasa's concurrent
lock store, RasaHQ/rasa#11256, is in the commercial edition only.)

This subclass does each read-modify-write of a queue under a short Redis mutex (``SET NX``
with an expiry, released by token: redis-py's ``Lock``), so tickets are numbered in the
order messages arrive and each is served once. Configure it in the scale-out endpoints::

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: ...
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from redis.exceptions import LockError as RedisMutexError

# The mutex is held for one read-modify-write of a small JSON value: milliseconds.
MUTEX_TIMEOUT_SECONDS = 10


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    @contextmanager
    def _exclusive(self, conversation_id: str) -> Iterator[None]:
        mutex = self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex",
            timeout=MUTEX_TIMEOUT_SECONDS,
            blocking_timeout=MUTEX_TIMEOUT_SECONDS,
        )
        if not mutex.acquire():
            raise LockError(f"Could not update the lock queue of '{conversation_id}'.")
        try:
            yield
        finally:
            with suppress(RedisMutexError):  # expired meanwhile: nothing left to release
                mutex.release()

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._exclusive(conversation_id):
                lock = self.get_or_create_lock(conversation_id)
                ticket = lock.issue_ticket(lock_lifetime)
                self.save_lock(lock)
                return ticket
        except LockError:
            raise
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        with self._exclusive(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        with self._exclusive(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._exclusive(conversation_id):
            lock = self.get_lock(conversation_id)
            if not lock:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)
