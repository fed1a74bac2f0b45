"""Tests of the dbt project, the report and the orchestration that builds them."""
