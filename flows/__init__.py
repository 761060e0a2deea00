"""leadflow: lead-qualification pipeline (Prefect flows, dbt models, GX gates)."""

__version__ = "0.1.0"
