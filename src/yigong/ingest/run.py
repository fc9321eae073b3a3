"""Ingest a set of files: find each file's table, order by dependency, load, report.

One way into every warehouse: `ingest_paths` takes any `Warehouse` (DuckDB file or Parquet
warehouse on Spark) and loads each file through `load.ingest_file`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from yigong.ingest.load import ingest_file
from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.read import SUFFIXES
from yigong.ingest.report import IngestError, IngestReport
from yigong.schema.tables import BY_NAME, TABLES
from yigong.warehouse import Warehouse

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


def ingest_paths(
    wh: Warehouse,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key: PseudonymKey | None = None,
    progress: Callable[[str, Path], None] | None = None,
) -> list[IngestReport]:
    """Ingest every file of `paths` in dependency order, all under one run id; each file is
    its own transaction."""
    run_id = uuid.uuid4().hex[:12]
    reports = []
    for name, path in collect(paths, table):
        if progress:
            progress(name, path)
        reports.append(ingest_file(wh, path, BY_NAME[name], key=key, run_id=run_id))
    return reports
