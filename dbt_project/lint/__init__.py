"""Jinja context for SQLFluff (see .sqlfluff): what dbt provides when it compiles models.

dbt never imports this package; it lets the linter render the models as dbt would on DuckDB.
"""

from pathlib import Path


def var(name, default=None):
    """``var('icp')``, ``var('scoring')`` and ``var('qualification')`` are the configuration
    files, as ``leadflow run`` passes them."""
    config = Path(__file__).resolve().parents[2] / "config"
    if name == "icp":
        from flows.config import load_icp

        return load_icp(config).dbt_var()
    if name == "scoring":
        from flows.config import load_scoring

        return load_scoring(config).dbt_var()
    if name == "qualification":
        from flows.config import load_qualification

        return load_qualification(config).dbt_var()
    if name == "funnel":
        from flows.config import load_funnel

        return load_funnel(config).dbt_var()
    if name == "handoff":
        from flows.handoff.config import load_handoff

        return load_handoff(config).routing.dbt_var()
    return default


# macros that render keywords, not a function call: what they render on DuckDB
_KEYWORD_MACROS = {"inlined": "not materialized"}


class _Adapter:
    """``adapter.dispatch`` renders a function call with the macro's name (or, for a macro
    that renders keywords, those keywords)."""

    @staticmethod
    def dispatch(name, package=None):
        if name in _KEYWORD_MACROS:
            return lambda: _KEYWORD_MACROS[name]

        def call(*args):
            rendered = ", ".join(", ".join(a) if isinstance(a, list) else str(a) for a in args)
            return f"{name}({rendered})"

        return call

    @staticmethod
    def get_relation(database=None, schema=None, identifier=None):
        """Lint as if the relation exists (models read it)."""
        return f"{schema}.{identifier}"


adapter = _Adapter()


class _Target:
    """``target``: the DuckDB target's database name."""

    database = "leadflow"
    schema = "main"
    type = "duckdb"


target = _Target()
