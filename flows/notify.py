"""Tell someone when a ``qualify`` run fails: a JSON POST to ``LEADFLOW_NOTIFY_WEBHOOK_URL``.

Plain ``urllib`` with a short timeout. Sending never fails the run: an unreachable receiver is
logged as a warning. Neither the webhook's query string (often a token) nor its user info,
nor any warehouse password, is written to a log line or the payload.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flows.settings import Warehouse

WEBHOOK_ENV = "LEADFLOW_NOTIFY_WEBHOOK_URL"
TIMEOUT_SECONDS = 5.0
MASK = "***"


def webhook_url() -> str | None:
    """The webhook URL from ``LEADFLOW_NOTIFY_WEBHOOK_URL``, or None when unset."""
    return os.environ.get(WEBHOOK_ENV) or None


def safe_webhook(url: str) -> str:
    """The webhook URL for logs: scheme, host, port and path only."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact(text: str, warehouse: Warehouse | None) -> str:
    """``text`` with the warehouse URL and its password replaced by their masked forms."""
    if warehouse is None:
        return text
    secret = warehouse.url.password
    text = text.replace(warehouse.sqlalchemy_url, warehouse.display_url)
    if secret:
        text = text.replace(str(secret), MASK)
    return text


def failure_payload(
    *,
    flow_run: dict[str, Any],
    batch_id: str | None,
    warehouse: Warehouse | None,
    error: BaseException,
    gates: list[dict[str, Any]],
    files: dict[str, int],
) -> dict[str, Any]:
    """The JSON body sent on a failed run, with every password masked."""
    payload = {
        "event": "leadflow.qualify.failed",
        "flow_run": flow_run,
        "batch_id": batch_id,
        "warehouse": warehouse.display_url if warehouse else None,
        "error": {"type": type(error).__name__, "message": str(error)},
        "gates": gates,
        "files": files,
    }
    return json.loads(redact(json.dumps(payload, default=str), warehouse))


def send(payload: dict[str, Any], url: str | None = None, logger: Any = None) -> bool:
    """POST ``payload`` as JSON to the webhook; True when it answered 2xx. Never raises."""
    log = logger or logging.getLogger(__name__)
    url = url or webhook_url()
    if not url:
        return False
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "leadflow"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except Exception as exc:  # never fail the run because the receiver is down
        reason = getattr(exc, "reason", None) or type(exc).__name__
        log.warning("failure notification to %s not delivered: %s", safe_webhook(url), reason)
        return False
    log.info("failure notification sent to %s (HTTP %s)", safe_webhook(url), status)
    return 200 <= status < 300
