"""Deliver hand-offs to a webhook: JSON over HTTP POST, signed, retried with back-off.

Every request carries an ``Idempotency-Key`` header: the lead's key (one lead per request)
or a key derived from the keys of a batch; each item also carries its own
``idempotency_key``. With a secret, ``X-Leadflow-Signature: sha256=<hex>`` is the
HMAC-SHA256 of ``<X-Leadflow-Timestamp>.<body>``, so the receiver can check both the sender
and the age of the request.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

SIGNATURE_HEADER = "X-Leadflow-Signature"
TIMESTAMP_HEADER = "X-Leadflow-Timestamp"
KEY_HEADER = "Idempotency-Key"
# Answers worth another attempt: the receiver is overloaded, rate-limits or timed out.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


@dataclass
class Outcome:
    """How one request ended: delivered or not, after how many attempts, the last answer."""

    delivered: bool
    attempts: int
    status: int | None
    response: str


def batch_key(keys: list[str]) -> str:
    """The Idempotency-Key of a request: the item's own key, or one derived from a batch's."""
    if len(keys) == 1:
        return keys[0]
    return "leadflow-batch-" + hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``timestamp.body`` with ``secret``."""
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def encode(items: list[dict[str, Any]], as_array: bool) -> bytes:
    """The request body: one JSON object, or an array when batching."""
    document: Any = items if as_array else items[0]
    return json.dumps(document, default=str, ensure_ascii=False, sort_keys=True).encode("utf-8")


def headers(key: str, body: bytes, secret: bytes | None) -> dict[str, str]:
    """Content type, idempotency key and, with a secret, timestamp and signature."""
    out = {"Content-Type": "application/json", KEY_HEADER: key, "User-Agent": "leadflow-handoff"}
    if secret:
        stamp = str(int(time.time()))
        out[TIMESTAMP_HEADER] = stamp
        out[SIGNATURE_HEADER] = signature(secret, stamp, body)
    return out


def _wait(backoff: list[float], attempt: int, retry_after: str | None) -> float:
    """Seconds before the next attempt: the back-off list (its last value repeats), or the
    receiver's Retry-After in seconds when longer (capped at a minute)."""
    wait = backoff[min(attempt - 1, len(backoff) - 1)]
    if retry_after:
        with contextlib.suppress(ValueError):
            wait = max(wait, min(float(retry_after), MAX_RETRY_AFTER))
    return wait


def deliver(
    client: httpx.Client,
    url: str,
    key: str,
    body: bytes,
    secret: bytes | None,
    max_attempts: int,
    backoff: list[float],
    on_attempt: Callable[[Outcome, bool], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """POST ``body`` until a 2xx, a final 4xx or ``max_attempts``; ``on_attempt(outcome,
    last)`` is called after every attempt (the outbox records it before the next starts)."""
    outcome = Outcome(delivered=False, attempts=0, status=None, response="")
    while outcome.attempts < max_attempts:
        outcome.attempts += 1
        retry_after = None
        try:
            answer = client.post(url, content=body, headers=headers(key, body, secret))
        except httpx.HTTPError as exc:
            outcome.status, outcome.response = None, f"{type(exc).__name__}: {exc}"
            retry = True
        else:
            outcome.status, outcome.response = answer.status_code, answer.text
            outcome.delivered = 200 <= answer.status_code < 300
            retry = answer.status_code in RETRY_STATUSES
            retry_after = answer.headers.get("Retry-After")
        last = outcome.delivered or not retry or outcome.attempts >= max_attempts
        attempt = Outcome(outcome.delivered, outcome.attempts, outcome.status, outcome.response)
        on_attempt(attempt, last)
        if last:
            break
        sleep(_wait(backoff, outcome.attempts, retry_after))
    return outcome
