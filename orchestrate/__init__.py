"""The Dagster code location over the taps, Meltano and dbt (docs/scale.md)."""
