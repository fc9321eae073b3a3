"""Ingest: read files (CSV, Parquet, Excel), validate row by row, quarantine, load atomically."""

from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.ingest.run import collect, ingest_paths

__all__ = ["IngestError", "IngestReport", "PseudonymKey", "RowError", "collect", "ingest_paths"]
