"""The one way services open the tables a user action works on.

A service takes either a warehouse location (a DuckDB file, or a Parquet warehouse directory on
Spark) or an open warehouse (the API's shared connection, a test's, a Spark warehouse a command
opened). `opened` gives a `Warehouse` either way, closing only what it opened. An action that
needs a feature some backend lacks names it (`needs`), and is refused, naming the feature and
its reason, before anything is opened or written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from yigong.schema.tables import BY_NAME
from yigong.warehouse import Tables, Warehouse, backend_kind, capabilities, open_warehouse
from yigong.warehouse import unsupported as _unsupported

#: what services accept as "the warehouse": a location, or open tables.
Where = str | Path | Tables


@contextlib.contextmanager
def opened(
    where: Any,
    *,
    backend: str | None = None,
    master: str | None = None,
    read_only: bool = False,
    create: bool = False,
    needs: tuple[str, ...] = (),
) -> Iterator[Any]:
    """The warehouse at `where` (opened here and closed afterwards), or `where` itself when it
    is already open (left open). `backend` (else ``$YIGONG_BACKEND``, else duckdb) and `master`
    choose how a location is opened; without `create` a missing warehouse is refused."""
    if not isinstance(where, str | Path):
        if needs and isinstance(where, Warehouse):
            where.require(*needs)
        yield where
        return
    kind = backend_kind(backend)
    for feature in needs:
        if feature not in capabilities(kind):
            raise _unsupported(feature, kind)
    wh = open_warehouse(kind, where, read_only=read_only, create=create, master=master)
    try:
        yield wh
    finally:
        wh.close()


def write_feed(wh: Warehouse, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Replace derived tables (the workflow store's ``wf_*`` feed, engine results) in one
    transaction; canonical tables are refused (they are loaded by ingest, with every rule)."""
    for name in tables:
        if name in BY_NAME:
            raise ValueError(f"{name} is a canonical table; load it through ingest")
    with wh.transaction():
        return {name: wh.create_table(name, data) for name, data in tables.items()}
