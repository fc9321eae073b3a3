"""Actions on the chosen backend (``--backend duckdb|spark``): open the warehouse a command
names, and ingest into a Spark (Parquet) warehouse.

DuckDB stays the default and keeps its own code paths (`services.data`); these functions are
what the CLI calls when the user asks for Spark.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from yigong.ingest import IngestReport, PseudonymKey
from yigong.warehouse.backend import DEFAULT_SPARK_ROOT, backend_kind, open_backend
from yigong.warehouse.store import DEFAULT_DB, Warehouse


@contextlib.contextmanager
def opened(
    kind: str | None,
    db: str | Path | None = None,
    warehouse: str | Path | None = None,
    master: str | None = None,
) -> Iterator[Any]:
    """The warehouse a command works on: the DuckDB file `db`, or the Parquet root `warehouse`
    on Spark (`master` overrides ``YIGONG_SPARK_MASTER``). Closed (Spark stopped) afterwards."""
    chosen = backend_kind(kind)
    if chosen == "duckdb":
        backend: Any = Warehouse(Path(db or warehouse or DEFAULT_DB))
    else:
        backend = open_backend("spark", warehouse or DEFAULT_SPARK_ROOT, master=master)
    try:
        yield backend
    finally:
        backend.close()


def ingest_files_spark(
    root: str | Path,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key_file: str | Path | None = None,
    master: str | None = None,
    progress: Callable[[str, Path], None] | None = None,
) -> tuple[list[IngestReport], list[dict[str, Any]]]:
    """Ingest Parquet files into the Spark warehouse at `root` (created if absent).

    Returns the per-file reports and every quarantined row of this run (for ``--report``).
    """
    from yigong.warehouse.spark.ingest import ingest_paths_spark

    key = PseudonymKey.from_env_or_file(key_file)
    with open_backend("spark", root, master=master, create=True) as wh:
        reports = ingest_paths_spark(wh, paths, table=table, key=key, progress=progress)
        run_ids = {r.run_id for r in reports}
        rejected = [r for r in wh.to_arrow("quarantine").to_pylist() if r["run_id"] in run_ids]
    rejected.sort(key=lambda r: (r["file"], r["row_no"], r["field"] or ""))
    return reports, rejected
