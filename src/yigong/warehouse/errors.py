"""The warehouse's own errors (the backend errors are in `capabilities`)."""

from __future__ import annotations


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked: a DuckDB file held by another process, a Parquet
    warehouse directory that does not exist or has another layout version."""
