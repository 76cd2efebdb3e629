"""Sender ids are never shown in clear: a keyed hash (HMAC-SHA256) names each visitor.

The key is made once, at random, and kept in ``var/review.key`` (readable by its owner
only): the same visitor gets the same name in every review, and nobody without the key can
tell which sender id a name stands for.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

NAME_CHARS = 10


def load_key(path: Path) -> bytes:
    """The key in ``path``, made (mode 0600) when there is none yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        key = secrets.token_bytes(32)
        handle.write(key.hex())
    return key


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        self.key = key

    def name(self, sender_id: str) -> str:
        digest = hmac.new(self.key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"visitor-{digest[:NAME_CHARS]}"
