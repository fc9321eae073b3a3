"""Ingest a set of files: find each file's table, order by dependency, load, report.

One way into every warehouse: `ingest_paths` takes any `Warehouse` (DuckDB file or Parquet
warehouse on Spark) and loads each file through `load.ingest_file`.

The files of a run are loaded in one explicit order — dependency order of their tables, then
path order — which is also the order of the reports. That order decides duplicate natural keys
across the files of the run: the first file carrying a key keeps it, and later files' rows with
that key are rejected (``duplicate_key``, naming the first file and row; `load.RunKeys`). A file
named twice (by two spellings of its path, or through its folder and itself) is loaded once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from yigong.ingest.load import RunKeys, ingest_file, row_salt
from yigong.ingest.plausibility import PlausibilityRules
from yigong.ingest.profiles import Detected, ProfileError, detect, file_header
from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.read import SUFFIXES
from yigong.ingest.report import IngestError, IngestReport
from yigong.schema.tables import BY_NAME, TABLES
from yigong.warehouse import Warehouse

_ORDER = {t.name: i for i, t in enumerate(TABLES)}


def table_for(path: Path, table: str | None = None, profile: str | None = None) -> str:
    """The canonical table a file loads into: given, the file's stem (`discharges.csv`), the
    profile's, or the table of the layout profile its header matches (`病案首页2024.csv`)."""
    name = table or path.name.split(".")[0]
    if name in BY_NAME and name in _ORDER:
        return name
    if table:
        raise IngestError(str(path), f"{name!r} is not an ingestable table ({', '.join(_ORDER)})")
    found = _sniff(path, profile)
    if found.sheet:
        info = found.binding.profile.sublists[found.sheet] if found.binding else None
        raise IngestError(
            str(path),
            f"this is the {info.title if info else found.sheet} sub-list of a "
            f"{found.table} layout: ingest its main file (the sub-list beside it is read with it)",
        )
    return found.table


def _sniff(path: Path, profile: str | None = None) -> Detected:
    try:
        return detect(file_header(path, str(path)), str(path), profile=profile)
    except ProfileError as exc:
        raise IngestError(str(path), f"layout profile: {exc}") from exc


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


def collect(
    paths: Iterable[str | Path],
    table: str | None = None,
    profile: str | None = None,
    skipped: list[tuple[Path, str]] | None = None,
) -> list[tuple[str, Path]]:
    """(table, file) pairs for files and directories, in dependency order.

    A directory holds `<table>.<ext>` files, partitioned datasets `<table>/` (every file below
    loads into that table) and files in a national layout under any name (`病案首页.csv`: the
    table of the layout profile its header matches; a sub-list such as `结算清单_诊断信息.csv`
    is read with its main file, and a file no layout matches is skipped). A directory named
    after a table is such a dataset itself. Every file of a directory that is not loaded is
    added to `skipped` with the reason, so that nothing is left out unnoticed.
    """
    skipped = skipped if skipped is not None else []
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
                elif f.suffix.lower() in SUFFIXES and f.is_file():
                    try:
                        sniffed = _sniff(f, profile)
                    except IngestError as exc:
                        skipped.append((f, f"not a table's name, and {exc.reason}"))
                        continue  # not a layout yigong knows: not an extract
                    if not sniffed.sheet:
                        found.append((sniffed.table, f))
                elif f.name.startswith((".", "_")):
                    continue  # hidden files and markers such as _SUCCESS
                elif f.is_dir():
                    skipped.append((f, "a folder not named after a table"))
                else:
                    skipped.append(
                        (f, f"file type {f.suffix or '(none)'!r} is not csv, parquet or xlsx")
                    )
        else:
            found.append((table_for(p, table, profile), p))
    once: dict[Path, Path] = {}
    unique = []
    for name, f in sorted(found, key=lambda tp: (_ORDER[tp[0]], str(tp[1]))):
        same = once.setdefault(f.resolve(), f)
        if same is f:
            unique.append((name, f))
        else:
            skipped.append((f, f"the same file as {same}, which is loaded"))
    return unique


def ingest_paths(
    wh: Warehouse,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key: PseudonymKey | None = None,
    progress: Callable[[str, Path], None] | None = None,
    profile: str | None = None,
    skipped: list[tuple[Path, str]] | None = None,
    plausibility: PlausibilityRules | None = None,
    replace: bool = False,
) -> list[IngestReport]:
    """Ingest every file of `paths` in dependency order, all under one run id; each file is
    its own transaction. `profile` names the layout profile of files in a national layout
    (default: detected from each file's header). The files of a directory that are not
    loaded are added to `skipped` with the reason. `plausibility` replaces the built-in
    plausibility pack (`plausibility.load_rules`); `replace` lets a row replace one of the same
    natural key that another file loaded in an earlier run (`load`: keys across runs)."""
    run_id = uuid.uuid4().hex[:12]
    reports = []
    seen = RunKeys(run_id, row_salt(key, run_id))
    try:
        for name, path in collect(paths, table, profile, skipped):
            if progress:
                progress(name, path)
            reports.append(
                ingest_file(
                    wh,
                    path,
                    BY_NAME[name],
                    key=key,
                    run_id=run_id,
                    profile=profile,
                    run_keys=seen,
                    plausibility=plausibility,
                    replace=replace,
                )
            )
    finally:
        seen.drop(wh)
    return reports
