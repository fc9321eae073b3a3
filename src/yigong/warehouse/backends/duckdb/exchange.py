"""Hand a DuckDB warehouse to Spark and back: every stored table as Parquet, and a manifest.

The directory written is a Parquet warehouse the Spark backend opens as it is: the manifest
(``_yigong.json``) names the layout version, the pseudonym key fingerprint and the tables with
their rows. Importing reads ``<table>.parquet`` files and ``<table>/`` datasets (what Spark
writes) alike.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from yigong.schema.bookkeeping import BOOKKEEPING, KEY_FINGERPRINT
from yigong.schema.tables import CHILD_TABLES, TABLES
from yigong.warehouse.backends.duckdb.sql import q
from yigong.warehouse.layout import LAYOUT_VERSION, MANIFEST

if TYPE_CHECKING:
    from yigong.warehouse.backends.duckdb.warehouse import DuckDBWarehouse


def export_parquet(wh: DuckDBWarehouse, out: Path) -> list[Path]:
    """Write every stored table to `out/<table>.parquet`, and `_yigong.json`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {}
    stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    for name in wh.stored_tables():
        path = out / f"{name}.parquet"
        wh.duck.execute(f"COPY {q(name)} TO ? (FORMAT parquet)", [str(path)])
        written.append(path)
        tables[name] = {"rows": wh.count(name), "written_at": stamp}
    manifest = {
        "layout_version": LAYOUT_VERSION,
        KEY_FINGERPRINT: wh.meta(KEY_FINGERPRINT),
        "tables": tables,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return written


def import_parquet(wh: DuckDBWarehouse, directory: Path) -> dict[str, int]:
    """Replace the warehouse's tables with the Parquet files of `directory` (atomic).

    Canonical and bookkeeping tables keep their declared schema; derived tables (DRG results,
    the workflow feed …) are recreated as the files have them.
    """
    declared = {t.name for t in (*TABLES, *CHILD_TABLES)} | set(BOOKKEEPING)
    counts: dict[str, int] = {}
    found = [(p.stem, str(p)) for p in directory.glob("*.parquet")]
    found += [
        (p.name, str(p / "**" / "*.parquet"))
        for p in directory.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and any(p.rglob("*.parquet"))
    ]
    with wh.transaction():
        con = wh.duck
        for name, path in sorted(found):
            if name in declared:
                con.execute(f"DELETE FROM {q(name)}")
                con.execute(f"INSERT INTO {q(name)} BY NAME SELECT * FROM read_parquet(?)", [path])
            else:
                con.execute(
                    f"CREATE OR REPLACE TABLE {q(name)} AS SELECT * FROM read_parquet(?)", [path]
                )
            counts[name] = wh.count(name)
    return counts
