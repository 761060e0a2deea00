"""Progress of a run, step by step, for whoever watches it.

A flow reports its steps here (:func:`step`, :func:`advance`, :func:`finish`); listeners
registered with :func:`watching` render them. The ``leadflow`` command registers one (a
live status line on a terminal, a line per finished step otherwise); a flow run on a
Prefect worker has none, and reporting costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TextIO


@dataclass
class Step:
    """One step of a run: its name, how far it is, and what it counted so far."""

    name: str
    total: int | None = None
    done: int = 0
    unit: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def describe(self) -> str:
        """``ingest: 37/81 files, 12,345 rows loaded, 56 rows quarantined (4.2 s)``."""
        position = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "")
        parts = [f"{position} {self.unit}".strip()]
        parts += [f"{value:,} {label}" for label, value in self.counts.items()]
        return f"{self.name}: {', '.join(p for p in parts if p)} ({self.seconds:.1f} s)"


class Listener(Protocol):
    def update(self, step: Step) -> None: ...

    def finished(self, step: Step) -> None: ...


_listeners: list[Listener] = []
_current: Step | None = None


@contextmanager
def watching(listener: Listener) -> Iterator[Listener]:
    """Send the progress of runs in this process to ``listener`` while the block runs."""
    _listeners.append(listener)
    try:
        yield listener
    finally:
        _listeners.remove(listener)


def step(name: str, total: int | None = None, unit: str = "") -> None:
    """Start a step (finishing the one before, if any)."""
    global _current
    if _current is not None:
        finish()
    _current = Step(name=name, total=total, unit=unit)
    for listener in _listeners:
        listener.update(_current)


def advance(n: int = 1, **counts: int) -> None:
    """The current step did ``n`` more units; ``counts`` are added to its counters."""
    if _current is None:
        return
    _current.done += n
    for label, value in counts.items():
        key = label.replace("_", " ")
        _current.counts[key] = _current.counts.get(key, 0) + value
    for listener in _listeners:
        listener.update(_current)


def finish() -> None:
    """The current step is over."""
    global _current
    if _current is None:
        return
    done, _current = _current, None
    for listener in _listeners:
        listener.finished(done)


class StatusLine:
    """One line on a terminal, rewritten in place as a step advances; kept when it ends."""

    def __init__(self, stream: TextIO, width: int = 120):
        self.stream, self.width = stream, width
        self._last = 0.0

    def update(self, step: Step) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and step.done not in (0, step.total):
            return  # at most ten redraws a second
        self._last = now
        self.stream.write("\r\x1b[K" + step.describe()[: self.width])
        self.stream.flush()

    def finished(self, step: Step) -> None:
        self.stream.write("\r\x1b[K" + step.describe()[: self.width] + "\n")
        self.stream.flush()


class StepLines:
    """A line per finished step (for logs and pipes, where a redrawn line would be noise)."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def update(self, step: Step) -> None:
        pass

    def finished(self, step: Step) -> None:
        self.stream.write(f"step {step.describe()}\n")
        self.stream.flush()
