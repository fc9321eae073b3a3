"""The DuckDB file's layout version: checked on every open, raised by `upgrade_file` only.

Not the Parquet warehouse's layout (`yigong.warehouse.layout`, the Spark backend's directory,
checked there for its exact version): this one numbers the tables of a DuckDB file.


A warehouse file records the layout it was written in (``warehouse_meta``:
``layout_version``). A file written before versions were recorded is layout 1. Opening a file
whose layout is not this release's is refused (`DuckDBWarehouse` calls `check_file_layout`),
naming the command that upgrades it — a release never reads tables whose columns it does not
know, and never changes a file silently. `upgrade_file` runs the steps from the file's layout
to `FILE_LAYOUT_VERSION` in one DuckDB transaction (DuckDB's DDL is transactional): a crash or
an error half-way leaves the file as it was. `copy_file` copies a file for a backup while
holding it read-only.

Layouts:

1. before versions were recorded; canonical tables may lack columns added since.
2. every canonical and child table has exactly the declared columns, in declared order.
3. no stored natural key (``row_origins.row_key``, ``quarantine_keys.row_key``) is masked: a
   part that could hold an ID number is its salted hash (`yigong.ingest.check.row_key_sql`).
   Masking had made every such key of a table one (every visit number ``MZ…`` the same
   ``MZ[ID removed]``), so the step forgets them: their origins are dropped (the rows they stood
   for have no recorded origin, as rows loaded before origins were recorded) and their
   quarantined rows become rows with no readable key (replaced by a new version of their file).

A release that changes the canonical schema (`yigong.schema.tables`) raises `FILE_LAYOUT_VERSION`
and adds the step that rewrites the tables (usually `rebuild_to_declared` again).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from yigong.schema.tables import CHILD_TABLES, TABLES
from yigong.warehouse.errors import WarehouseError
from yigong.warehouse.types import sql_type

__all__ = [
    "FILE_LAYOUT_KEY",
    "FILE_LAYOUT_VERSION",
    "check_file_layout",
    "copy_file",
    "file_layout_version",
    "rebuild_to_declared",
    "stamp_file_layout",
    "upgrade_file",
]

FILE_LAYOUT_KEY = "layout_version"
#: the layout of a DuckDB file this release reads and writes
FILE_LAYOUT_VERSION = 3


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database()"
        ).fetchall()
    }


def file_layout_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The file's layout; None for a file holding no table yet (a new warehouse)."""
    names = _tables(con)
    if not names:
        return None
    if "warehouse_meta" in names:
        row = con.execute(
            "SELECT value FROM warehouse_meta WHERE key = ? ORDER BY value DESC LIMIT 1",
            [FILE_LAYOUT_KEY],
        ).fetchone()
        if row is not None:
            return int(row[0])
    return 1


def check_file_layout(con: duckdb.DuckDBPyConnection, path: Path | None) -> int | None:
    """The file's layout if this release reads it (None: new), else a `WarehouseError`."""
    found = file_layout_version(con)
    if found is None or found == FILE_LAYOUT_VERSION:
        return found
    if found < FILE_LAYOUT_VERSION:
        raise WarehouseError(
            f"the warehouse {path} has layout {found}, this yigong reads layout "
            f"{FILE_LAYOUT_VERSION}: back it up, then run `yigong warehouse upgrade --db {path}`"
        )
    raise WarehouseError(
        f"the warehouse {path} has layout {found}, written by a newer yigong (this one reads "
        f"layout {FILE_LAYOUT_VERSION}): upgrade yigong, or restore a backup made by this release"
    )


def stamp_file_layout(con: duckdb.DuckDBPyConnection, version: int = FILE_LAYOUT_VERSION) -> None:
    """Record ``version`` as the file's layout (inside the caller's transaction, if any)."""
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR, value VARCHAR)")
    con.execute("DELETE FROM warehouse_meta WHERE key = ?", [FILE_LAYOUT_KEY])
    con.execute("INSERT INTO warehouse_meta VALUES (?, ?)", [FILE_LAYOUT_KEY, str(version)])


def rebuild_to_declared(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rewrite every canonical and child table whose columns are not the declared ones: a new
    table with the declared columns, the rows copied by column name (a column added since is
    empty; a value that no longer fits its type stops the upgrade), then swapped in. Returns
    the tables rewritten."""
    existing = _tables(con)
    rewritten = []
    for tbl in (*TABLES, *CHILD_TABLES):
        if tbl.name not in existing:
            continue
        have = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = 'main' AND table_catalog = current_database() "
                "ORDER BY ordinal_position",
                [tbl.name],
            ).fetchall()
        ]
        if have == list(tbl.column_names):
            continue
        ddl = ", ".join(f'"{c.name}" {sql_type(c)}' for c in tbl.columns)
        keep = ", ".join(f'"{c}"' for c in have if c in tbl.column_names)
        con.execute(f'CREATE TABLE "_yg_up_{tbl.name}" ({ddl})')
        if keep:
            con.execute(f'INSERT INTO "_yg_up_{tbl.name}" ({keep}) SELECT {keep} FROM "{tbl.name}"')
        con.execute(f'DROP TABLE "{tbl.name}"')
        con.execute(f'ALTER TABLE "_yg_up_{tbl.name}" RENAME TO "{tbl.name}"')
        rewritten.append(tbl.name)
    return rewritten


#: what a masked natural key holds (`yigong.ingest.privacy.MASK`)
_MASKED = "%[ID removed]%"


def forget_masked_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Layout 2 -> 3: drop the origins of masked keys and make masked quarantine keys unreadable
    (NULL); returns the bookkeeping tables changed."""
    existing, changed = _tables(con), []
    for name, forget in (
        ("row_origins", "DELETE FROM row_origins WHERE row_key LIKE ?"),
        ("quarantine_keys", "UPDATE quarantine_keys SET row_key = NULL WHERE row_key LIKE ?"),
    ):
        if name not in existing:
            continue
        row = con.execute(f"SELECT count(*) FROM {name} WHERE row_key LIKE ?", [_MASKED]).fetchone()
        if row and row[0]:
            con.execute(forget, [_MASKED])
            changed.append(name)
    return changed


#: layout N -> the step that brings a file from N to N + 1
STEPS: dict[int, Callable[[duckdb.DuckDBPyConnection], list[str]]] = {
    1: rebuild_to_declared,
    2: forget_masked_keys,
}


def upgrade_file(path: str | Path) -> tuple[int | None, int, list[str]]:
    """Bring the warehouse file at ``path`` to `FILE_LAYOUT_VERSION`, atomically; returns (layout
    before, layout after, tables rewritten). A file at the current layout is left alone."""
    path = Path(path)
    if not path.is_file():
        raise WarehouseError(f"no warehouse at {path}")
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise WarehouseError(f"cannot open the warehouse {path}: {exc}") from exc
    try:
        before = file_layout_version(con)
        if before is not None and before > FILE_LAYOUT_VERSION:
            check_file_layout(con, path)  # refuses a newer layout
        if before == FILE_LAYOUT_VERSION:
            return before, FILE_LAYOUT_VERSION, []
        rewritten: list[str] = []
        con.execute("BEGIN TRANSACTION")
        try:
            for step in range(before or FILE_LAYOUT_VERSION, FILE_LAYOUT_VERSION):
                rewritten += STEPS[step](con)
            stamp_file_layout(con)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        return before, FILE_LAYOUT_VERSION, rewritten
    finally:
        con.close()


def copy_file(src: Path, dst: Path) -> int | None:
    """Copy the DuckDB file ``src`` (and its WAL, when DuckDB left one) to ``dst`` while holding
    it read-only — DuckDB grants that only when no process holds it for writing, so the copy is
    consistent; returns the file's layout (an older layout is copied as it is: back up, then
    upgrade)."""
    if not src.is_file():
        raise WarehouseError(f"no warehouse at {src}")
    try:
        con = duckdb.connect(str(src), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open the warehouse {src} read-only ({exc})") from None
    try:
        layout = file_layout_version(con)
        shutil.copy2(src, dst)
        wal = src.with_name(src.name + ".wal")
        if wal.is_file():
            shutil.copy2(wal, dst.with_name(dst.name + ".wal"))
    finally:
        con.close()
    return layout
