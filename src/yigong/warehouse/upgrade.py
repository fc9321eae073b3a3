"""The DuckDB warehouse's layout version: checked on every open, raised by `upgrade` only.

A warehouse file records the layout it was written in (``warehouse_meta``:
``layout_version``). A file written before versions were recorded is layout 1. Opening a file
whose layout is not this release's is refused, naming the command that upgrades it — a
release never reads tables whose columns it does not know, and never changes a file silently.
`upgrade` runs the steps from the file's layout to `LAYOUT_VERSION` in one DuckDB transaction
(DuckDB's DDL is transactional): a crash or an error half-way leaves the file as it was.

Layouts:

1. before versions were recorded; canonical tables may lack columns added since.
2. every canonical and child table has exactly the declared columns, in declared order.

A release that changes the canonical schema (`yigong.schema.tables`) raises `LAYOUT_VERSION`
and adds the step that rewrites the tables (usually `rebuild_to_declared` again).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

__all__ = [
    "LAYOUT_KEY",
    "LAYOUT_VERSION",
    "check_layout",
    "layout_version",
    "rebuild_to_declared",
    "stamp_layout",
    "upgrade",
]

LAYOUT_KEY = "layout_version"
#: the layout this release reads and writes
LAYOUT_VERSION = 2


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database()"
        ).fetchall()
    }


def layout_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The file's layout; None for a file holding no table yet (a new warehouse)."""
    names = _tables(con)
    if not names:
        return None
    if "warehouse_meta" in names:
        row = con.execute(
            "SELECT value FROM warehouse_meta WHERE key = ? ORDER BY value DESC LIMIT 1",
            [LAYOUT_KEY],
        ).fetchone()
        if row is not None:
            return int(row[0])
    return 1


def check_layout(con: duckdb.DuckDBPyConnection, path: Path | None) -> int | None:
    """The file's layout if this release reads it (None: new), else a `WarehouseError`."""
    from yigong.warehouse.store import WarehouseError

    found = layout_version(con)
    if found is None or found == LAYOUT_VERSION:
        return found
    if found < LAYOUT_VERSION:
        raise WarehouseError(
            f"the warehouse {path} has layout {found}, this yigong reads layout "
            f"{LAYOUT_VERSION}: back it up, then run `yigong warehouse upgrade --db {path}`"
        )
    raise WarehouseError(
        f"the warehouse {path} has layout {found}, written by a newer yigong (this one reads "
        f"layout {LAYOUT_VERSION}): upgrade yigong, or restore a backup made by this release"
    )


def stamp_layout(con: duckdb.DuckDBPyConnection, version: int = LAYOUT_VERSION) -> None:
    """Record ``version`` as the file's layout (inside the caller's transaction, if any)."""
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR, value VARCHAR)")
    con.execute("DELETE FROM warehouse_meta WHERE key = ?", [LAYOUT_KEY])
    con.execute("INSERT INTO warehouse_meta VALUES (?, ?)", [LAYOUT_KEY, str(version)])


def rebuild_to_declared(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rewrite every canonical and child table whose columns are not the declared ones: a new
    table with the declared columns, the rows copied by column name (a column added since is
    empty; a value that no longer fits its type stops the upgrade), then swapped in. Returns
    the tables rewritten."""
    from yigong.schema.tables import CHILD_TABLES, TABLES
    from yigong.warehouse.types import sql_type

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


#: layout N -> the step that brings a file from N to N + 1
STEPS: dict[int, Callable[[duckdb.DuckDBPyConnection], list[str]]] = {
    1: rebuild_to_declared,
}


def upgrade(path: str | Path) -> tuple[int | None, int, list[str]]:
    """Bring the warehouse file at ``path`` to `LAYOUT_VERSION`, atomically; returns (layout
    before, layout after, tables rewritten). A file at the current layout is left alone."""
    from yigong.warehouse.store import WarehouseError

    path = Path(path)
    if not path.is_file():
        raise WarehouseError(f"no warehouse at {path}")
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise WarehouseError(f"cannot open the warehouse {path}: {exc}") from exc
    try:
        before = layout_version(con)
        if before is not None and before > LAYOUT_VERSION:
            check_layout(con, path)  # refuses a newer layout
        if before == LAYOUT_VERSION:
            return before, LAYOUT_VERSION, []
        rewritten: list[str] = []
        con.execute("BEGIN TRANSACTION")
        try:
            for step in range(before or LAYOUT_VERSION, LAYOUT_VERSION):
                rewritten += STEPS[step](con)
            stamp_layout(con)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        return before, LAYOUT_VERSION, rewritten
    finally:
        con.close()
