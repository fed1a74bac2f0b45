"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from tests.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL 15 on loopback for the whole test session."""
    server = PostgresServer.start()
    yield server
    server.stop()
