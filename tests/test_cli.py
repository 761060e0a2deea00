"""The leadflow console command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flows.cli import build_parser, main


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["run", "--help"],
        ["generate", "--help"],
        ["sql", "--help"],
        ["forget", "--help"],
    ],
)
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    assert "usage: leadflow" in capsys.readouterr().out


def test_subcommands():
    parser = build_parser()
    args = parser.parse_args(["run", "--sources", "s3://bucket/landing"])
    assert args.sources == "s3://bucket/landing"
    args = parser.parse_args(["generate", "--leads", "10", "--seed", "3", "--out", "x"])
    assert (args.leads, args.seed, args.out) == (10, 3, "x")


def test_configuration_errors_exit_2(tmp_path, capsys):
    (tmp_path / "icp.yml").write_text("fit_threshold: 250\n", encoding="utf-8")
    code = main(
        ["run", "--config", str(tmp_path), "--warehouse-url", f"duckdb:///{tmp_path}/w.duckdb"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "icp.yml: invalid configuration" in err and "fit_threshold" in err


def test_console_script_generates(tmp_path):
    out = tmp_path / "landing"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "generate", "--leads", "50", "--seed", "1", "--out", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert '"people": 50' in done.stdout
    assert (out / "firmographics" / "companies.parquet").is_file()


def test_sql_prints_a_query_result(tmp_path, capsys):
    import duckdb

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create table marts.leads as select * from range(2479) t(n)")
    con.close()
    code = main(
        ["sql", "select count(*) as n from marts.leads", "--warehouse-url", f"duckdb:///{path}"]
    )
    assert code == 0
    assert "2479" in capsys.readouterr().out


def test_sql_on_a_missing_warehouse_says_so(tmp_path, capsys):
    code = main(["sql", "select 1", "--warehouse-url", f"duckdb:///{tmp_path}/none.duckdb"])
    assert code == 2
    assert "does not exist yet" in capsys.readouterr().err
