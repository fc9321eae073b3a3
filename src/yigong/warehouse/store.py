"""The warehouse: canonical tables in an embedded DuckDB file, reached through Ibis.

This package is the only code that knows the backend. Engines receive Ibis tables from
`Warehouse.table()` and never see DuckDB; the same expressions run on PySpark for a province
(`yigong.warehouse.spark`, later). Writes go through `transaction()`: DuckDB commits all or
nothing, so an ingest killed half-way leaves the warehouse as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import ClassVar

import duckdb
import ibis
import pyarrow as pa

from yigong.schema.codes import NATIONAL_CODE_LISTS, national_code_file
from yigong.schema.tables import BY_NAME, CHILD_TABLES, TABLES
from yigong.warehouse.children import rebuild_children
from yigong.warehouse.types import arrow_schema, sql_type
from yigong.warehouse.upgrade import LAYOUT_KEY, check_layout, stamp_layout

DEFAULT_DB = "yigong.duckdb"

#: bookkeeping tables the warehouse keeps besides the canonical ones.
INGEST_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id VARCHAR, table_name VARCHAR, file VARCHAR, file_sha256 VARCHAR,
    started_at TIMESTAMP, finished_at TIMESTAMP,
    rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT, rows_replaced BIGINT
)"""
QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    run_id VARCHAR, table_name VARCHAR, file VARCHAR, file_sha256 VARCHAR,
    row_no BIGINT, field VARCHAR, value VARCHAR, rule VARCHAR, reason VARCHAR
)"""
META_DDL = "CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR, value VARCHAR)"


class WarehouseError(RuntimeError):
    """The warehouse file cannot be used (e.g. another process holds it open for writing)."""


def code_table_name(system: str) -> str:
    return f"ref_{system}"


class Warehouse:
    """A DuckDB warehouse file (or in-memory database) holding the canonical tables."""

    kind: ClassVar[str] = "duckdb"

    def __init__(self, path: str | Path | None = DEFAULT_DB, *, read_only: bool = False) -> None:
        """Open (or create) the warehouse; ``read_only`` opens an existing file for reading
        only, which several processes may do at once (e.g. `yigong serve --workers N`)."""
        self.path = None if path in (None, ":memory:") else Path(path)
        try:
            self.ibis = ibis.duckdb.connect(
                str(self.path) if self.path else ":memory:", read_only=read_only
            )
        except duckdb.IOException as exc:  # locked by another process, unreadable, not DuckDB
            raise WarehouseError(f"cannot open the warehouse {self.path}: {exc}") from exc
        try:  # a file in an older (or newer) layout is refused: `yigong warehouse upgrade`
            layout = check_layout(self.duck, self.path)
        except WarehouseError:
            self.ibis.disconnect()
            raise
        if not read_only:
            self.ensure_schema()
            if layout is None:  # a new warehouse is written in this release's layout
                stamp_layout(self.duck)

    @classmethod
    def memory(cls) -> Warehouse:
        """An empty in-memory warehouse (tests, what-if runs)."""
        return cls(None)

    @property
    def duck(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection (warehouse-internal use only)."""
        return self.ibis.con

    def close(self) -> None:
        self.ibis.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the canonical, bookkeeping and reference tables that do not exist yet."""
        con = self.duck
        for tbl in (*TABLES, *CHILD_TABLES):
            cols = ", ".join(f'"{c.name}" {sql_type(c)}' for c in tbl.columns)
            con.execute(f'CREATE TABLE IF NOT EXISTS "{tbl.name}" ({cols})')
            self._add_new_columns(tbl.name, tbl.column_names, cols)
        con.execute(INGEST_RUNS_DDL)
        con.execute(QUARANTINE_DDL)
        con.execute(META_DDL)
        for system in NATIONAL_CODE_LISTS:
            name = code_table_name(system)
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchone()
            if exists and exists[0]:
                continue
            with resources.as_file(national_code_file(system)) as path:
                con.execute(
                    f"CREATE TABLE {name} AS SELECT code, name FROM read_csv(?, "
                    "header = true, all_varchar = true)",
                    [str(path)],
                )

    def _add_new_columns(self, name: str, columns: tuple[str, ...], ddl: str) -> None:
        """A warehouse written before a release added columns to `name` gets them (empty), in
        declared order: the table is rebuilt with its rows copied by column name."""
        con = self.duck
        have = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = 'main' ORDER BY ordinal_position",
                [name],
            ).fetchall()
        ]
        if have == list(columns) or not set(have) < set(columns):
            return
        with self.transaction() as tx:
            tx.execute(f'CREATE TABLE "_yg_new_{name}" ({ddl})')
            tx.execute(f'INSERT INTO "_yg_new_{name}" BY NAME SELECT * FROM "{name}"')
            tx.execute(f'DROP TABLE "{name}"')
            tx.execute(f'ALTER TABLE "_yg_new_{name}" RENAME TO "{name}"')

    # -- reading ----------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        """An Ibis table over a canonical (or bookkeeping) table."""
        return self.ibis.table(name)

    def list_tables(self) -> list[str]:
        return list(self.ibis.list_tables())

    def has_table(self, name: str) -> bool:
        return name in self.list_tables()

    def count(self, name: str) -> int:
        row = self.duck.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        return int(row[0]) if row else 0

    def to_arrow(self, name: str) -> pa.Table:
        return self.duck.execute(f'SELECT * FROM "{name}"').to_arrow_table()

    # -- writing ----------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All writes inside commit together or not at all."""
        con = self.duck
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def load_arrow(self, name: str, data: pa.Table, *, replace_keys: bool = True) -> int:
        """Upsert an Arrow table of canonical rows by natural key; returns rows written.

        Used by tests and engines that produce canonical rows; files go through `ingest`.
        """
        tbl = BY_NAME[name]
        data = data.select(list(tbl.column_names)).cast(arrow_schema(tbl))
        with self.transaction() as con:
            con.register("_incoming", data)
            if replace_keys and self.count(name):
                on = " AND ".join(f't."{k}" = i."{k}"' for k in tbl.key)
                con.execute(
                    f'DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {on})'
                )
            con.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
            if tbl.children:
                rebuild_children(con, tbl, "_incoming")
            con.unregister("_incoming")
        return data.num_rows

    def replace_feed(self, tables: dict[str, pa.Table]) -> dict[str, int]:
        """Replace derived tables (the workflow store's `wf_*` feed, engine results) atomically.

        Canonical tables are refused here: they are loaded by ingest, with validation.
        """
        counts = {}
        with self.transaction() as con:
            for name, data in tables.items():
                if name in BY_NAME:
                    raise ValueError(f"{name} is a canonical table; load it through ingest")
                con.register("_feed", data)
                con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _feed')
                con.unregister("_feed")
                counts[name] = data.num_rows
        return counts

    # -- exchange ---------------------------------------------------------------
    def stored_tables(self) -> list[str]:
        """Every table worth exchanging: canonical, bookkeeping and derived (not the code lists,
        which each warehouse builds from the package)."""
        names = [
            r[0]
            for r in self.duck.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                "AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        return [n for n in names if not n.startswith("ref_")]

    def export_parquet(self, directory: str | Path) -> list[Path]:
        """Write every stored table to `directory/<table>.parquet`, and `_yigong.json`.

        The directory is a Parquet warehouse the Spark backend opens as it is
        (`yigong.warehouse.spark`): the manifest names the layout version, the pseudonym key
        fingerprint and the tables with their rows.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        tables = {}
        stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        for name in self.stored_tables():
            path = out / f"{name}.parquet"
            self.duck.execute(f'COPY "{name}" TO ? (FORMAT parquet)', [str(path)])
            written.append(path)
            tables[name] = {"rows": self.count(name), "written_at": stamp}
        row = self.duck.execute(
            "SELECT value FROM warehouse_meta WHERE key = 'pseudonym_key_fingerprint'"
        ).fetchone()
        manifest = {
            "layout_version": 1,
            "pseudonym_key_fingerprint": row[0] if row else None,
            "tables": tables,
        }
        (out / "_yigong.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8"
        )
        return written

    def import_parquet(self, directory: str | Path) -> dict[str, int]:
        """Replace the warehouse's tables with the Parquet files of `directory` (atomic).

        `<table>.parquet` files (`export_parquet`) and `<table>/` datasets (a Spark warehouse)
        are both read. Canonical and bookkeeping tables keep their declared schema; derived
        tables (DRG results, the workflow feed …) are recreated as the files have them.
        """
        declared = {t.name for t in (*TABLES, *CHILD_TABLES)} | {
            "ingest_runs",
            "quarantine",
            "warehouse_meta",
        }
        counts: dict[str, int] = {}
        with self.transaction() as con:
            found = [(p.stem, str(p)) for p in Path(directory).glob("*.parquet")]
            found += [
                (p.name, str(p / "**" / "*.parquet"))
                for p in Path(directory).iterdir()
                if p.is_dir() and not p.name.startswith((".", "_")) and any(p.rglob("*.parquet"))
            ]
            for name, path in sorted(found):
                if name in declared:
                    con.execute(f'DELETE FROM "{name}"')
                    con.execute(
                        f'INSERT INTO "{name}" BY NAME SELECT * FROM read_parquet(?)', [path]
                    )
                else:
                    con.execute(
                        f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM read_parquet(?)', [path]
                    )
                counts[name] = self.count(name)
            if "warehouse_meta" in counts:  # the files' meta replaced ours: keep the layout
                con.execute("DELETE FROM warehouse_meta WHERE key = ?", [LAYOUT_KEY])
                stamp_layout(con)
        return counts
