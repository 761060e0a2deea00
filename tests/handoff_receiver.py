"""A webhook receiver for the hand-off tests, run as its own process.

It keeps what a CRM's inbound endpoint keeps: the first request of each Idempotency-Key is
processed (its items appended to ``accepted.jsonl``, flushed and fsynced before answering),
a repeated key is answered 200 without processing again. Every request is logged to
``requests.jsonl``. A share of requests fails on purpose (503 or 429, decided by a seeded
random generator) before anything is processed. With a secret it checks the HMAC signature
and answers 401 when it does not match. State lives in files, so a killed receiver started
again on the same folder remembers the keys it processed.

    python tests/handoff_receiver.py FOLDER --port-file FILE [--port N] [--fail-rate 0.3]
        [--seed 1] [--secret TEXT]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--secret")
    args = parser.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    accepted_path, requests_path = folder / "accepted.jsonl", folder / "requests.jsonl"
    seen: set[str] = set()
    if accepted_path.exists():
        for line in accepted_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.add(json.loads(line)["request_key"])
    rng = random.Random(args.seed + os.getpid())
    lock = threading.Lock()

    def append(path: Path, record: dict) -> None:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            """No access log on stderr: the receiver records every request in its own file."""

        def answer(self, status: int, document: dict, key: str | None) -> None:
            append(requests_path, {"key": key, "status": status})
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get("Idempotency-Key")
            with lock:
                if args.secret:
                    stamp = self.headers.get("X-Leadflow-Timestamp", "")
                    mac = hmac.new(
                        args.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
                    )
                    given = self.headers.get("X-Leadflow-Signature", "")
                    if not hmac.compare_digest(given, "sha256=" + mac.hexdigest()):
                        return self.answer(401, {"error": "bad signature"}, key)
                if not key:
                    return self.answer(400, {"error": "no Idempotency-Key"}, key)
                if rng.random() < args.fail_rate:
                    return self.answer(rng.choice([503, 429]), {"error": "try again"}, key)
                if key in seen:
                    return self.answer(200, {"duplicate": True}, key)
                document = json.loads(body)
                items = document if isinstance(document, list) else [document]
                for item in items:
                    append(accepted_path, {"request_key": key, "item": item})
                seen.add(key)
                return self.answer(200, {"accepted": len(items)}, key)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    Path(args.port_file).write_text(str(server.server_address[1]), encoding="utf-8")
    server.serve_forever()


if __name__ == "__main__":
    main()
