"""The DuckDB backend: a county's warehouse in one embedded DuckDB file (the default)."""

from __future__ import annotations

from yigong.warehouse.backends.duckdb.warehouse import DEFAULT_DB, DuckDBWarehouse

__all__ = ["DEFAULT_DB", "DuckDBWarehouse"]
