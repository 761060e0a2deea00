"""Progress reporting: what the CLI shows while a run goes (live line or a line per step)."""

from __future__ import annotations

import argparse
import io

from flows import progress
from flows.cli import _progress_listener


def run_steps() -> None:
    progress.step("ingest", total=2, unit="files")
    progress.advance(rows_loaded=1200, rows_quarantined=3)
    progress.advance(rows_loaded=800, rows_quarantined=0)
    progress.step("build", unit="dbt nodes")  # starting a step finishes the one before
    progress.advance()
    progress.finish()


def test_status_line_redraws_in_place_and_keeps_each_finished_step():
    out = io.StringIO()
    with progress.watching(progress.StatusLine(out)):
        run_steps()
    text = out.getvalue()
    finished = [line.rsplit("\r\x1b[K", 1)[-1] for line in text.split("\n") if line]
    assert finished[0].startswith("ingest: 2/2 files, 2,000 rows loaded, 3 rows quarantined (")
    assert finished[1].startswith("build: 1 dbt nodes (")
    assert len(finished) == 2 and text.count("\r\x1b[K") > 2  # redrawn, not one line each


def test_step_lines_write_one_line_per_finished_step_and_nothing_unwatched():
    out = io.StringIO()
    with progress.watching(progress.StepLines(out)):
        run_steps()
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["step ingest", "step build"]
    run_steps()  # no listener any more: nothing is written
    assert out.getvalue().splitlines() == lines


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_cli_picks_the_display_for_where_its_output_goes(monkeypatch):
    def args(**flags: bool) -> argparse.Namespace:
        return argparse.Namespace(**{"quiet": False, "json": False, "verbose": False, **flags})

    for name in ("PREFECT_LOGGING_LEVEL", "DBT_QUIET"):  # the live line quiets the log
        monkeypatch.setenv(name, "")
    monkeypatch.setattr("sys.stderr", Terminal())
    assert isinstance(_progress_listener(args()), progress.StatusLine)
    assert isinstance(_progress_listener(args(verbose=True)), progress.StepLines)
    assert _progress_listener(args(quiet=True)) is None
    assert _progress_listener(args(json=True)) is None
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert isinstance(_progress_listener(args()), progress.StepLines)
