"""Screening tests: the workflow-store fixtures (SQLite and a real PostgreSQL) come from tests/store."""

from __future__ import annotations

from tests.store.conftest import pg_server, store  # noqa: F401
