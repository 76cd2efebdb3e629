"""Slack request signatures (https://api.slack.com/authentication/verifying-requests-from-slack).

Every request Slack sends carries ``X-Slack-Request-Timestamp`` and
``X-Slack-Signature: v0=<hex>``, the HMAC-SHA256 of ``v0:{timestamp}:{raw body}``
with the app's signing secret. A request is refused before anything is parsed:
401 when the signature is missing or wrong, 400 when the timestamp is missing,
malformed or more than five minutes away from the server's clock (a replay).
Headers are checked for their exact shape first (ASCII digits, ``v0=`` and 64 hex digits),
so odd bytes in them (``²``, non-ASCII) are a refusal, never an error.
"""

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

MAX_AGE_SECONDS = 5 * 60
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value Slack would send for this body and timestamp."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def check_request(
    secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None
) -> Refusal | None:
    """None when the request is Slack's and fresh; otherwise why it is refused.

    ``headers`` must be keyed by lower-case names.
    """
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    sent = headers.get(SIGNATURE_HEADER, "").strip()
    if not sent:
        return Refusal(401, "Missing X-Slack-Signature: requests must be signed by Slack.")
    if not _SIGNATURE.fullmatch(sent):
        return Refusal(401, "Malformed X-Slack-Signature: expected v0= and 64 hex digits.")
    if not _TIMESTAMP.fullmatch(timestamp):
        return Refusal(400, "Missing or malformed X-Slack-Request-Timestamp.")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_AGE_SECONDS:
        return Refusal(400, "X-Slack-Request-Timestamp is more than 5 minutes old or ahead.")
    if not hmac.compare_digest(signature(secret, timestamp, body), sent):
        return Refusal(401, "X-Slack-Signature does not match: check SLACK_SIGNING_SECRET.")
    return None
