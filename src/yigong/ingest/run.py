"""Ingest a set of files: find each file's table, order by dependency, load, report."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.report import IngestError, IngestReport
from yigong.schema.model import Table
from yigong.schema.tables import BY_NAME, TABLES
from yigong.warehouse.loader import ingest_file
from yigong.warehouse.store import Warehouse

SUFFIXES = (".csv", ".parquet", ".xlsx")
_ORDER = {t.name: i for i, t in enumerate(TABLES)}


def table_for(path: Path, table: str | None = None) -> str:
    """The canonical table a file loads into: given, or the file's stem (`discharges.csv`)."""
    name = table or path.name.split(".")[0]
    if name not in BY_NAME or name not in _ORDER:
        raise IngestError(
            str(path),
            f"cannot tell which table this file is for: {name!r} is not "
            f"an ingestable table ({', '.join(_ORDER)}); use --table",
        )
    return name


def _dataset_files(folder: Path) -> list[Path]:
    """The data files of a partitioned dataset `<table>/key=value/…/part-0.parquet`, in path order
    (hidden and `_`-prefixed files such as `_SUCCESS` are skipped)."""
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file()
        and f.suffix.lower() in SUFFIXES
        and not any(part.startswith((".", "_")) for part in f.relative_to(folder).parts)
    )


def collect(paths: Iterable[str | Path], table: str | None = None) -> list[tuple[str, Path]]:
    """(table, file) pairs for files and directories, in dependency order.

    A directory holds `<table>.<ext>` files and/or partitioned datasets `<table>/` (every file
    below loads into that table); a directory named after a table is such a dataset itself.
    """
    found: list[tuple[str, Path]] = []
    for p in map(Path, paths):
        if p.is_dir() and p.name in _ORDER:
            found += [(table_for(p, table), f) for f in _dataset_files(p)]
        elif p.is_dir():
            for f in sorted(p.iterdir()):
                if f.is_dir() and f.name in _ORDER:
                    found += [(f.name, g) for g in _dataset_files(f)]
                elif f.suffix.lower() in SUFFIXES and f.name.split(".")[0] in _ORDER:
                    found.append((table_for(f), f))
        else:
            found.append((table_for(p, table), p))
    return sorted(found, key=lambda tp: (_ORDER[tp[0]], str(tp[1])))


def ingest_each(
    paths: Iterable[str | Path],
    load: Callable[[Path, Table, str], IngestReport],
    *,
    table: str | None = None,
    progress: Callable[[str, Path], None] | None = None,
) -> list[IngestReport]:
    """Every file of `paths` in dependency order through `load(path, table, run_id)`, all under
    one run id: the loop behind `ingest_paths` (DuckDB) and the Spark backend's ingest."""
    run_id = uuid.uuid4().hex[:12]
    reports = []
    for name, path in collect(paths, table):
        if progress:
            progress(name, path)
        reports.append(load(path, BY_NAME[name], run_id))
    return reports


def ingest_paths(
    wh: Warehouse,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key: PseudonymKey | None = None,
    progress: Callable[[str, Path], None] | None = None,
) -> list[IngestReport]:
    """Ingest every file; each file is its own atomic transaction."""
    return ingest_each(
        paths,
        lambda path, t, run_id: ingest_file(wh, path, t, key=key, run_id=run_id),
        table=table,
        progress=progress,
    )
