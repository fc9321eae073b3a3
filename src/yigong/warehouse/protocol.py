"""The one protocol every backend implements: a read half that hands out tables as Ibis
expressions, and a write half that replaces tables atomically.

Engines take a `Tables` (they only read). Services and ingest take a `Warehouse`. Nothing outside
`yigong.warehouse` knows which backend it holds: a difference between backends is a declared gap
(`capabilities.py`), asked for by name, never a check of the backend's kind.

Write semantics shared by the backends:

- every write replaces what it touches as a whole: readers see the old rows or the new ones;
- inside ``with wh.transaction():`` the writes commit together, or not at all when the block
  raises (DuckDB: one database transaction; Spark: the new datasets are swapped in at the end,
  so a *crash* between two swaps is the declared gap ``atomic_commit``);
- ``data`` may be an Arrow table, an Arrow record batch stream or an Ibis expression over this
  warehouse's tables (computed where the backend computes: DuckDB, or the Spark executors).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

#: what the write half accepts as rows.
Data = pa.Table | pa.RecordBatchReader | ibis.Table

#: a backend-free engine over one batch of rows (the DRG grouper, ingest's row rules).
BatchFn = Callable[[pa.Table], pa.Table]

#: a condition on a table's rows, built on the table it is given (``lambda t: t.scheme == x``).
Where = Callable[[ibis.Table], ir.BooleanValue]


@runtime_checkable
class Tables(Protocol):
    """The read half: anything that hands out tables as Ibis expressions.

    What engines receive. A warehouse is one; so is a view that adds derived tables in memory
    (`yigong.oversight.engine.TableSources`).
    """

    def table(self, name: str) -> ibis.Table:
        """Table `name` as an Ibis table (a canonical table not loaded yet is empty)."""
        ...

    def has_table(self, name: str) -> bool: ...

    def list_tables(self) -> list[str]: ...


@runtime_checkable
class Warehouse(Tables, Protocol):
    """A warehouse on some backend: read half, write half, declared capabilities."""

    #: the backend's name ("duckdb", "spark"): for messages and provenance, never for branching.
    kind: str
    #: the features this backend runs (`yigong.warehouse.capabilities.FEATURES` minus its gaps).
    capabilities: frozenset[str]

    @property
    def location(self) -> Path | None:
        """The warehouse file (DuckDB) or Parquet root (Spark); None in memory."""
        ...

    @property
    def ibis(self) -> Any:
        """The Ibis backend the tables are bound to (compile, execute expressions)."""
        ...

    def require(self, *features: str) -> None:
        """Raise `BackendError` naming the first feature this backend does not run."""
        ...

    # -- read -------------------------------------------------------------------------------
    def to_arrow(self, source: str | ibis.Table) -> pa.Table:
        """A table (by name) or an expression's result as Arrow."""
        ...

    def count(self, name: str) -> int: ...

    def stored_tables(self) -> list[str]:
        """Tables holding data worth exchanging: canonical, bookkeeping and derived (not the
        national code lists, which each warehouse builds from the package)."""
        ...

    def meta(self, key: str) -> str | None:
        """A fact about the warehouse (e.g. the pseudonymisation key's fingerprint)."""
        ...

    def read_parquet(self, path: Path, *, row_number: str) -> ibis.Table:
        """A Parquet file as a table, read where the backend reads (Spark: the executors),
        with its 0-based row in the file as column `row_number`."""
        ...

    def batch_map(
        self,
        source: ibis.Table | pa.RecordBatchReader,
        fn: BatchFn,
        schema: pa.Schema,
        *,
        batch_rows: int | None = None,
        name: str | None = None,
    ) -> ibis.Table:
        """Run `fn` on every batch of `source` (at most `batch_rows` rows each) and keep what
        it returns (rows of `schema`) as temporary table `name` (a fresh name when None),
        which may be read many times.

        DuckDB streams the source's Arrow batches through `fn` in this process; Spark runs it
        on every partition in the executors (``mapInArrow``), so `fn` must be importable there.
        The source is read as committed: give it rows written before the current transaction.
        """
        ...

    # -- write ------------------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """Writes inside commit together, or not at all when the block raises."""
        ...

    def create_table(self, name: str, data: Data, *, temporary: bool = False) -> int:
        """Replace table `name` by `data`; returns its rows (a temporary table may answer -1:
        not counted). A temporary table lives until `drop_table` or `close` and is never
        exchanged."""
        ...

    def upsert(
        self, name: str, data: Data, key: Sequence[str], *, delete_keys: Data | None = None
    ) -> int:
        """Delete the rows whose `key` values occur in `delete_keys` (default: in `data`), then
        add `data`; returns the rows deleted (a natural-key upsert)."""
        ...

    def replace_rows(self, name: str, data: Data, where: Where | None = None) -> int:
        """Delete the rows matching `where` (none when None), then add `data`; returns the rows
        the table holds afterwards. Creates the table from `data` if it does not exist."""
        ...

    def drop_table(self, name: str) -> None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    # -- exchange ---------------------------------------------------------------------------
    def export_parquet(self, directory: Path) -> list[Path]:
        """Write every stored table under `directory` as a Parquet warehouse (`_yigong.json`)."""
        ...

    def import_parquet(self, directory: Path) -> dict[str, int]:
        """Replace the tables found in the Parquet warehouse `directory`; rows per table."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Warehouse: ...

    def __exit__(self, *exc: object) -> None: ...
