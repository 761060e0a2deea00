from pathlib import Path

import pytest

from flows.settings import DEFAULT_DUCKDB_PATH, ConfigurationError, Warehouse


def test_default_warehouse_is_the_embedded_duckdb_file(monkeypatch):
    monkeypatch.delenv("LEADFLOW_WAREHOUSE_URL", raising=False)
    warehouse = Warehouse.from_env()
    assert warehouse.backend == "duckdb"
    assert warehouse.duckdb_path == DEFAULT_DUCKDB_PATH
    assert warehouse.dbt_env() == {
        "LEADFLOW_DBT_TARGET": "duckdb",
        "LEADFLOW_DUCKDB_PATH": str(DEFAULT_DUCKDB_PATH),
    }


def test_one_url_drives_the_dbt_profile_for_postgres(monkeypatch):
    monkeypatch.setenv("LEADFLOW_WAREHOUSE_URL", "postgresql://ana:s3cret@db.local:6543/lf")
    warehouse = Warehouse.from_env()
    assert warehouse.backend == "postgresql"
    assert warehouse.dbt_env()["LEADFLOW_DBT_TARGET"] == "postgres"
    assert warehouse.dbt_env()["LEADFLOW_PG_PORT"] == "6543"
    assert "s3cret" not in warehouse.display_url
    assert "s3cret" not in repr(warehouse)


def test_relative_duckdb_path_is_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    warehouse = Warehouse.from_env("duckdb:///wh/x.duckdb")
    assert warehouse.duckdb_path == (tmp_path / "wh" / "x.duckdb").resolve()
    assert Path(warehouse.dbt_env()["LEADFLOW_DUCKDB_PATH"]).is_absolute()


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://root@localhost/db", "not supported"),
        ("duckdb:///:memory:", "must name a DuckDB file"),
        ("not a url", "not a valid SQLAlchemy URL"),
    ],
)
def test_bad_warehouse_urls_are_explained(url, message):
    with pytest.raises(ConfigurationError, match=message):
        Warehouse.from_env(url)


def test_the_postgres_password_can_come_from_a_prefect_secret_block(monkeypatch, prefect_harness):
    from prefect.blocks.system import Secret

    from flows.settings import SECRET_BLOCK_ENV

    Secret(value="blk-Secret-42").save("leadflow-warehouse-password", overwrite=True)
    monkeypatch.setenv(SECRET_BLOCK_ENV, "leadflow-warehouse-password")
    warehouse = Warehouse.from_env("postgresql://ana@db.local:5432/lf")
    assert warehouse.url.password == "blk-Secret-42"
    assert warehouse.dbt_env()["LEADFLOW_PG_PASSWORD"] == "blk-Secret-42"
    assert "blk-Secret-42" not in warehouse.display_url + repr(warehouse)
    # a password in the URL wins; a missing block is a configuration error naming it
    assert Warehouse.from_env("postgresql://ana:pw@db.local/lf").url.password == "pw"
    monkeypatch.setenv(SECRET_BLOCK_ENV, "no-such-block")
    with pytest.raises(ConfigurationError, match="no-such-block.*no such Prefect Secret block"):
        Warehouse.from_env("postgresql://ana@db.local:5432/lf")
