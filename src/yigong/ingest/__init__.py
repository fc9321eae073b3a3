"""Ingest: read files (CSV, Parquet, Excel), check every row against the declared rules,
quarantine the rejected rows and load the rest into any warehouse, one transaction per file.

Modules: `read` (a file into staged rows), `rules` (the declared rules compiled to SQL),
`check` (one batch of staged rows checked), `children` (child rows of list columns), `load`
(one file, end to end), `run` (many files, in dependency order), `pseudonym`, `encoding`,
`report`.
"""

from __future__ import annotations

from yigong.ingest.load import ingest_file, load_rows
from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.ingest.run import collect, ingest_paths

__all__ = [
    "IngestError",
    "IngestReport",
    "PseudonymKey",
    "RowError",
    "collect",
    "ingest_file",
    "ingest_paths",
    "load_rows",
]
