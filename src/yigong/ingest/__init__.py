"""Ingest: read files (CSV, Parquet, Excel), validate row by row, quarantine, load atomically."""

from __future__ import annotations

from typing import Any

from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.report import IngestError, IngestReport, RowError

__all__ = ["IngestError", "IngestReport", "PseudonymKey", "RowError", "collect", "ingest_paths"]


def __getattr__(name: str) -> Any:
    # `run` imports the warehouse loader, which imports this package's report and key modules:
    # loading `run` lazily keeps that cycle from biting whichever side is imported first.
    if name in ("collect", "ingest_paths"):
        from yigong.ingest import run

        return getattr(run, name)
    raise AttributeError(name)
