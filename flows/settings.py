"""Where things are: the warehouse URL, the project folders, the configuration folder.

The warehouse is named once, by ``LEADFLOW_WAREHOUSE_URL`` (a SQLAlchemy URL). Ingestion,
dbt (its profile is derived from the URL) and Great Expectations all follow it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
MAPPINGS_DIR = PROJECT_ROOT / "sources" / "mappings"
SAMPLE_SOURCES_DIR = PROJECT_ROOT / "sources" / "sample"
DEFAULT_CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULT_DUCKDB_PATH = PROJECT_ROOT / "warehouse" / "leadflow.duckdb"
DEFAULT_DATA_DOCS_DIR = PROJECT_ROOT / "reports" / "data-docs"

SUPPORTED_BACKENDS = ("duckdb", "postgresql")
# Name of a Prefect Secret block holding the warehouse password (when the URL has none).
SECRET_BLOCK_ENV = "LEADFLOW_WAREHOUSE_PASSWORD_BLOCK"


class ConfigurationError(ValueError):
    """A setting or configuration file is missing or invalid."""


@dataclass(frozen=True)
class Warehouse:
    """The warehouse named by a SQLAlchemy URL, with what each tool needs to reach it."""

    url: URL

    @classmethod
    def from_env(cls, url: str | None = None) -> Warehouse:
        """Build from ``url`` or ``LEADFLOW_WAREHOUSE_URL``; default: the embedded DuckDB file."""
        raw = url or os.environ.get("LEADFLOW_WAREHOUSE_URL") or f"duckdb:///{DEFAULT_DUCKDB_PATH}"
        try:
            parsed = make_url(raw)
        except Exception as exc:  # sqlalchemy raises ArgumentError with the URL in it
            raise ConfigurationError(
                "LEADFLOW_WAREHOUSE_URL is not a valid SQLAlchemy URL "
                "(expected duckdb:///path/file.duckdb or postgresql://user@host:port/db)"
            ) from exc
        backend = parsed.get_backend_name()
        if backend not in SUPPORTED_BACKENDS:
            raise ConfigurationError(
                f"LEADFLOW_WAREHOUSE_URL backend {backend!r} is not supported; "
                f"use one of {', '.join(SUPPORTED_BACKENDS)}"
            )
        if backend == "postgresql":
            # One driver everywhere: psycopg 3.
            parsed = parsed.set(drivername="postgresql+psycopg")
            block = os.environ.get(SECRET_BLOCK_ENV)
            if block and parsed.password is None:
                parsed = parsed.set(password=_secret_block_value(block))
        if backend == "duckdb":
            if not parsed.database or parsed.database == ":memory:":
                raise ConfigurationError(
                    "LEADFLOW_WAREHOUSE_URL must name a DuckDB file (duckdb:///path/file.duckdb): "
                    "an in-memory database cannot be shared by ingestion, dbt and the gates"
                )
            parsed = parsed.set(database=str(Path(parsed.database).resolve()))
        return cls(parsed)

    @property
    def backend(self) -> str:
        """``duckdb`` or ``postgresql``."""
        return self.url.get_backend_name()

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file (DuckDB warehouses only)."""
        if self.backend != "duckdb":
            raise ConfigurationError("not a DuckDB warehouse")
        return Path(self.url.database or "")

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with its password, for building engines. Never log it."""
        return self.url.render_as_string(hide_password=False)

    @property
    def display_url(self) -> str:
        """The URL with the password masked, safe for logs."""
        return self.url.render_as_string(hide_password=True)

    def dbt_env(self) -> dict[str, str]:
        """Environment variables read by ``dbt_project/profiles.yml``."""
        if self.backend == "duckdb":
            return {"LEADFLOW_DBT_TARGET": "duckdb", "LEADFLOW_DUCKDB_PATH": str(self.duckdb_path)}
        return {
            "LEADFLOW_DBT_TARGET": "postgres",
            "LEADFLOW_PG_HOST": self.url.host or "127.0.0.1",
            "LEADFLOW_PG_PORT": str(self.url.port or 5432),
            "LEADFLOW_PG_USER": self.url.username or os.environ.get("USER", "postgres"),
            "LEADFLOW_PG_PASSWORD": self.url.password or "",
            "LEADFLOW_PG_DATABASE": self.url.database or "postgres",
        }


def _secret_block_value(name: str) -> str:
    """The value of the Prefect Secret block ``name`` (from the Prefect API in use)."""
    from prefect.blocks.system import Secret

    try:
        return str(Secret.load(name).get())
    except ValueError as exc:  # Prefect: "Unable to find block document named ..."
        raise ConfigurationError(
            f"{SECRET_BLOCK_ENV}={name!r}: no such Prefect Secret block ({exc})"
        ) from None


def config_dir(path: str | Path | None = None) -> Path:
    """The configuration folder: ``path``, ``LEADFLOW_CONFIG_DIR`` or ``config/``."""
    chosen = Path(path or os.environ.get("LEADFLOW_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    if not chosen.is_dir():
        raise ConfigurationError(f"configuration folder {chosen} does not exist")
    return chosen.resolve()


def data_docs_dir() -> Path:
    """Where the gates' GX Data Docs are built: ``LEADFLOW_DATA_DOCS_DIR`` or reports/data-docs."""
    return Path(os.environ.get("LEADFLOW_DATA_DOCS_DIR") or DEFAULT_DATA_DOCS_DIR).resolve()
