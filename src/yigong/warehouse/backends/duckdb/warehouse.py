"""The DuckDB warehouse: canonical tables in one embedded DuckDB file, reached through Ibis.

Writes run in DuckDB transactions: a file's rows, child rows, quarantine and run record commit
together, and a process killed half-way leaves the warehouse as it was. Temporary tables (batch
results, staged files) live in an in-memory database attached as ``yg_scratch_<id>``: never written
to the file, and visible to the cursors `batch_map` reads its source through. DuckDB lets one
transaction write to one database only, so temporary tables are made before a transaction
that writes the warehouse, never inside it.

The file's layout version (`file_layout`) is checked on every open: a file in an older layout
is refused until `yigong warehouse upgrade` rewrites it, and a new file is stamped with this
release's layout.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import ibis
import pyarrow as pa

from yigong.schema.bookkeeping import BOOKKEEPING
from yigong.schema.codes import NATIONAL_CODE_LISTS, national_code_file
from yigong.schema.tables import CHILD_TABLES, TABLES
from yigong.warehouse.backends.duckdb import exchange
from yigong.warehouse.backends.duckdb.file_layout import check_file_layout, stamp_file_layout
from yigong.warehouse.backends.duckdb.sql import columns_ddl, delete_where, lit, q
from yigong.warehouse.capabilities import capabilities, require
from yigong.warehouse.errors import WarehouseError
from yigong.warehouse.protocol import BatchFn, Data, Where
from yigong.warehouse.types import sql_type

DEFAULT_DB = "yigong.duckdb"
SCRATCH = "yg_scratch"
#: tests only: exit inside the commit (DuckDB: before COMMIT), to check what a crash leaves.
CRASH_IN_COMMIT_ENV = "YIGONG_TEST_CRASH_IN_COMMIT"
#: rows per Arrow batch `batch_map` hands to its function when the caller does not say.
BATCH_ROWS = 1_000_000

_DECLARED = {t.name for t in (*TABLES, *CHILD_TABLES)} | set(BOOKKEEPING)


def code_table_name(system: str) -> str:
    return f"ref_{system}"


class DuckDBWarehouse:
    """A DuckDB warehouse file (or in-memory database) holding the canonical tables."""

    kind: ClassVar[str] = "duckdb"
    capabilities: ClassVar[frozenset[str]] = capabilities("duckdb")

    def __init__(self, path: str | Path | None = DEFAULT_DB, *, read_only: bool = False) -> None:
        """Open (or create) the warehouse; ``read_only`` opens an existing file for reading
        only, which several processes may do at once (e.g. `yigong serve --workers N`). A file
        in another layout than this release's is refused (`file_layout.check_file_layout`)."""
        self.path = None if path in (None, ":memory:") else Path(path)
        try:
            self._ibis = ibis.duckdb.connect(
                str(self.path) if self.path else ":memory:", read_only=read_only
            )
        except duckdb.IOException as exc:  # locked by another process, unreadable, not DuckDB
            raise WarehouseError(f"cannot open the warehouse {self.path}: {exc}") from exc
        except duckdb.ConnectionException:
            if not read_only:
                raise
            # this process holds the file read-write already (the API's shared connection, a
            # test's): DuckDB allows one configuration per file and process, and no other
            # process can hold it, so the read shares that instance
            self._ibis = ibis.duckdb.connect(str(self.path), read_only=False)
        try:  # a file in an older (or newer) layout is refused: `yigong warehouse upgrade`
            layout = check_file_layout(self.duck, self.path)
        except WarehouseError:
            self._ibis.disconnect()
            raise
        self.duck.execute("SET enable_progress_bar = false")  # the CLI shows its own progress
        # per connection: two warehouses on one file share DuckDB's database instance
        self._scratch = f"{SCRATCH}_{uuid.uuid4().hex[:8]}"
        self.duck.execute(f"ATTACH ':memory:' AS {self._scratch} (READ_WRITE)")
        self._temporary: set[str] = set()
        self._depth = 0  # open transaction() blocks
        self._names = (f"_yg_{i}" for i in itertools.count())
        if not read_only:
            self.ensure_schema()
            if layout is None:  # a new warehouse is written in this release's layout
                stamp_file_layout(self.duck)

    @classmethod
    def memory(cls) -> DuckDBWarehouse:
        """An empty in-memory warehouse (tests, what-if runs)."""
        return cls(None)

    @property
    def location(self) -> Path | None:
        return self.path

    @property
    def ibis(self) -> Any:
        return self._ibis

    @property
    def duck(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection (this backend and its tests only)."""
        return self._ibis.con

    def require(self, *features: str) -> None:
        require(self.kind, *features)

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):  # already closed
            self.duck.execute(f"DETACH {self._scratch}")
        self._ibis.disconnect()

    def __enter__(self) -> DuckDBWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the canonical, bookkeeping and reference tables that do not exist yet (a table
        of an older release's columns is rewritten by `yigong warehouse upgrade`, never here:
        the layout check refuses such a file first)."""
        con = self.duck
        for tbl in (*TABLES, *CHILD_TABLES):
            cols = ", ".join(f"{q(c.name)} {sql_type(c)}" for c in tbl.columns)
            con.execute(f"CREATE TABLE IF NOT EXISTS {q(tbl.name)} ({cols})")
        for name, schema in BOOKKEEPING.items():
            con.execute(f"CREATE TABLE IF NOT EXISTS {q(name)} ({columns_ddl(schema)})")
        existing = set(self.list_tables())
        for system in NATIONAL_CODE_LISTS:
            name = code_table_name(system)
            if name in existing:
                continue
            with resources.as_file(national_code_file(system)) as path:
                con.execute(
                    f"CREATE TABLE {name} AS SELECT code, name FROM read_csv(?, "
                    "header = true, all_varchar = true)",
                    [str(path)],
                )

    # -- read -------------------------------------------------------------------------------
    def _ref(self, name: str) -> str:
        """The SQL name of table `name` (temporary tables live in the scratch database)."""
        return f"{self._scratch}.{q(name)}" if name in self._temporary else q(name)

    def table(self, name: str) -> ibis.Table:
        if name in self._temporary:
            return self._ibis.table(name, database=self._scratch)
        return self._ibis.table(name)

    def list_tables(self) -> list[str]:
        return list(self._ibis.list_tables())

    def has_table(self, name: str) -> bool:
        return name in self._temporary or name in self.list_tables()

    def count(self, name: str) -> int:
        row = self.duck.execute(f"SELECT count(*) FROM {self._ref(name)}").fetchone()
        return int(row[0]) if row else 0

    def to_arrow(self, source: str | ibis.Table) -> pa.Table:
        if isinstance(source, str):
            return self.duck.execute(f"SELECT * FROM {self._ref(source)}").to_arrow_table()
        return self._ibis.to_pyarrow(source)

    def stored_tables(self) -> list[str]:
        names = [
            r[0]
            for r in self.duck.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                "AND table_catalog = current_database() AND table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            ).fetchall()
        ]
        return [n for n in names if not n.startswith("ref_")]

    def meta(self, key: str) -> str | None:
        row = self.duck.execute("SELECT value FROM warehouse_meta WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def read_parquet(self, path: Path, *, row_number: str) -> ibis.Table:
        return self._ibis.sql(
            f"SELECT file_row_number AS {q(row_number)}, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({lit(str(path))}, hive_partitioning = false, "
            "file_row_number = true)"
        )

    def _batches(self, source: ibis.Table, rows: int) -> Iterator[pa.RecordBatch]:
        """The source's rows in Arrow batches, read through a cursor (a second connection to
        the same database) so that this connection can write while they stream."""
        sql = str(self._ibis.compile(source))
        cursor = self.duck.cursor()
        cursor.execute("SET enable_progress_bar = false")
        try:
            try:
                reader = cursor.execute(sql).fetch_record_batch(rows)
            except duckdb.CatalogException:  # the source uses objects of this connection only
                yield from self._ibis.to_pyarrow(source).to_batches(max_chunksize=rows)
                return
            yield from reader
        finally:
            cursor.close()

    def batch_map(
        self,
        source: ibis.Table | pa.RecordBatchReader,
        fn: BatchFn,
        schema: pa.Schema,
        *,
        batch_rows: int | None = None,
        name: str | None = None,
    ) -> ibis.Table:
        name = name or next(self._names)
        self.duck.execute(
            f"CREATE OR REPLACE TABLE {self._scratch}.{q(name)} ({columns_ddl(schema)})"
        )
        self._temporary.add(name)
        batches = (
            source
            if isinstance(source, pa.RecordBatchReader)
            else self._batches(source, batch_rows or BATCH_ROWS)
        )
        for batch in batches:
            out = fn(pa.Table.from_batches([batch])).select(schema.names).cast(schema)
            self.duck.register("_yg_batch", out)
            self.duck.execute(f"INSERT INTO {self._scratch}.{q(name)} SELECT * FROM _yg_batch")
            self.duck.unregister("_yg_batch")
        return self.table(name)

    # -- write ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:  # nested: part of the enclosing transaction
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        con = self.duck
        con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        if os.environ.get(CRASH_IN_COMMIT_ENV):
            os._exit(99)  # tests only: a crash inside the commit
        con.execute("COMMIT")

    @contextlib.contextmanager
    def _relation(self, data: Data) -> Iterator[str]:
        """`data` as something to select from: a registered Arrow view or a subquery."""
        if isinstance(data, ibis.Table):
            yield f"({self._ibis.compile(data)})"
            return
        alias = next(self._names)
        self.duck.register(alias, data)
        try:
            yield alias
        finally:
            self.duck.unregister(alias)

    def create_table(self, name: str, data: Data, *, temporary: bool = False) -> int:
        if temporary:
            self._temporary.add(name)
        with self.transaction(), self._relation(data) as rel:
            if name in _DECLARED and not temporary:  # keeps the declared columns and types
                self.duck.execute(f"DELETE FROM {q(name)}")
                self.duck.execute(f"INSERT INTO {q(name)} BY NAME SELECT * FROM {rel}")
            else:
                self.duck.execute(
                    f"CREATE OR REPLACE TABLE {self._ref(name)} AS SELECT * FROM {rel}"
                )
        return self.count(name)

    def upsert(
        self, name: str, data: Data, key: Sequence[str], *, delete_keys: Data | None = None
    ) -> int:
        if isinstance(data, pa.RecordBatchReader):  # read twice below: once for its keys
            data = data.read_all()
        keys = ", ".join(q(k) for k in key)
        on = " AND ".join(f"t.{q(k)} = k.{q(k)}" for k in key)
        replaced = 0
        with self.transaction():
            if self.count(name):
                with self._relation(data if delete_keys is None else delete_keys) as rel:
                    self.duck.execute(
                        "CREATE OR REPLACE TEMP TABLE _yg_keys AS "
                        f"SELECT DISTINCT {keys} FROM {rel}"
                    )
                exists = f"EXISTS (SELECT 1 FROM _yg_keys k WHERE {on})"
                row = self.duck.execute(
                    f"SELECT count(*) FROM {self._ref(name)} t WHERE {exists}"
                ).fetchone()
                replaced = int(row[0]) if row else 0
                if replaced:
                    self.duck.execute(f"DELETE FROM {self._ref(name)} t WHERE {exists}")
                self.duck.execute("DROP TABLE _yg_keys")
            with self._relation(data) as rel:
                self.duck.execute(f"INSERT INTO {self._ref(name)} BY NAME SELECT * FROM {rel}")
        return replaced

    def replace_rows(self, name: str, data: Data, where: Where | None = None) -> int:
        with self.transaction():
            if not self.has_table(name):
                return self.create_table(name, data)
            if where is not None:
                self.duck.execute(delete_where(self._ibis, self.table(name), where))
            with self._relation(data) as rel:
                self.duck.execute(f"INSERT INTO {self._ref(name)} BY NAME SELECT * FROM {rel}")
        return self.count(name)

    def drop_table(self, name: str) -> None:
        self.duck.execute(f"DROP TABLE IF EXISTS {self._ref(name)}")
        self._temporary.discard(name)

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.duck.execute("DELETE FROM warehouse_meta WHERE key = ?", [key])
            self.duck.execute("INSERT INTO warehouse_meta VALUES (?, ?)", [key, value])

    # -- exchange ---------------------------------------------------------------------------
    def export_parquet(self, directory: str | Path) -> list[Path]:
        return exchange.export_parquet(self, Path(directory))

    def import_parquet(self, directory: str | Path) -> dict[str, int]:
        return exchange.import_parquet(self, Path(directory))
