"""Fixtures shared with the engine tests: the tiny county warehouse of tests/operations."""

from __future__ import annotations

from tests.operations.conftest import tiny_db  # noqa: F401
