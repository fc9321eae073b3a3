"""Ingest: read files (CSV, Parquet, Excel), check every row against the declared rules,
quarantine the rejected rows and load the rest into any warehouse, one transaction per file.

Modules: `read` (a file into staged rows), `rules` (the declared rules compiled to SQL),
`check` (one batch of staged rows checked), `children` (child rows of list columns), `load`
(one file, end to end), `run` (many files, in dependency order), `pseudonym`, `encoding`,
`report`.

The names below are loaded on first use (PEP 562): importing a light module of the package
(`report`, `profiles.detect`) must not load the warehouse stack behind `load` (DuckDB, Ibis,
pandas) — ``yigong drg group IN.csv`` reads front pages through `profiles` and its start-up
time is part of the job.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yigong.ingest.load import ingest_file, load_rows
    from yigong.ingest.pseudonym import PseudonymKey
    from yigong.ingest.report import IngestError, IngestReport, RowError
    from yigong.ingest.run import collect, ingest_paths

#: public name -> the module that defines it
_HOME = {
    "IngestError": "report",
    "IngestReport": "report",
    "PseudonymKey": "pseudonym",
    "RowError": "report",
    "collect": "run",
    "ingest_file": "load",
    "ingest_paths": "run",
    "load_rows": "load",
}

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


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
