"""Prefect's temporary API server, started at once and stopped without a slow goodbye.

A flow run needs a Prefect API. With none configured, Prefect starts a temporary server the
first time a flow runs (``SubprocessASGIServer``): 3-4 s of booting, plus 1.5 s importing
the server's module, in which the run waits after leadflow's own imports and checks.
:func:`start_early` starts the same server (the command and environment Prefect uses) as
the command begins, so it boots on the other core while leadflow imports and checks;
:meth:`EarlyServer.serving` waits until it answers and points the flow runs at it. At the
end the run's last logs and events are sent, and :meth:`EarlyServer.stop` ends the server
without a graceful shutdown of its background services (Prefect waits up to 5 s for it): no
one calls it again, and its database (SQLite under ``PREFECT_HOME``) keeps every committed
write.

Nothing here runs when ``PREFECT_API_URL`` is set: the flow then talks to that server (a
long-lived ``prefect server start``, or Prefect Cloud).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HEALTH_TIMEOUT = 20.0  # Prefect's own default (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)


def _api_url_configured() -> bool:
    if os.environ.get("PREFECT_API_URL"):
        return True
    settings = sys.modules.get("prefect.settings")
    if settings is None:  # not imported yet: only the environment can have said so
        return False
    return bool(settings.PREFECT_API_URL.value())


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EarlyServer:
    """A temporary Prefect server started before Prefect is imported."""

    def __init__(self) -> None:
        spec = importlib.util.find_spec("prefect")
        assert spec is not None and spec.submodule_search_locations
        app_dir = Path(next(iter(spec.submodule_search_locations))).parent
        self.port = _free_port()
        # the command and environment of prefect.server.api.server.SubprocessASGIServer
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(app_dir),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],  # fmt: skip
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
            },
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _healthy(self) -> bool:
        import httpx

        deadline = time.monotonic() + HEALTH_TIMEOUT
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    return False
                try:
                    if client.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        return False

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """While inside, flow runs in this process use the server (once it answers). On
        leaving, the logs and events of the runs are sent. If the server does not answer,
        or Prefect has an API configured, it is stopped and Prefect does as usual."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if self.process is None or _api_url_configured() or not self._healthy():
            self.stop()
            yield
            return
        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            try:
                yield
            finally:
                from prefect.events.worker import EventsWorker
                from prefect.logging.handlers import APILogWorker

                with contextlib.suppress(Exception):
                    APILogWorker.drain_all(timeout=5)
                with contextlib.suppress(Exception):
                    EventsWorker.drain_all(timeout=5)

    def stop(self) -> None:
        """End the server (idempotent). It is killed rather than asked to shut down: its
        runs' logs and events were sent, nothing calls it again, and its database keeps
        every committed write."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()


def start_early() -> EarlyServer | None:
    """Start Prefect's temporary server now, unless an API URL is configured."""
    if _api_url_configured() or importlib.util.find_spec("prefect") is None:
        return None
    return EarlyServer()
