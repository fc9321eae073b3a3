"""Child tables exploded from list columns (a discharge's diagnoses and procedures).

The front page arrives as one row per discharge with ordered code lists; the warehouse keeps
those lists on `discharges` (the DRG grouper reads them) and also one row per code in
`discharge_diagnoses` / `discharge_procedures` (indicator filters join them). Child column
*i* (after the key and `seq`) comes from list column *i* of the parent's `children` entry.
Ingest builds them batch by batch of accepted parent rows (`children_batch`, through the
warehouse's batch-map), in its own in-memory DuckDB.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from yigong.ingest.check import local_duckdb
from yigong.ingest.rules import q
from yigong.schema.model import DType, Table
from yigong.schema.tables import BY_NAME
from yigong.warehouse.types import arrow_schema, sql_type


def _element(expr: str, dtype: DType) -> str:
    if dtype is DType.BOOL:
        return f"({expr} = '1')"
    if dtype is DType.STRING:
        return f"nullif({expr}, '')"
    return f"TRY_CAST(nullif({expr}, '') AS {'DATE' if dtype is DType.DATE else 'BIGINT'})"


def rebuild_children(
    con: duckdb.DuckDBPyConnection, parent: Table, source: str, only: str | None = None
) -> None:
    """Replace the child rows of every parent key present in relation `source`, in every child
    table of the parent or `only` in that one."""
    (key,) = parent.key
    for child_name, lists in parent.children.items():
        if only is not None and child_name != only:
            continue
        child = BY_NAME[child_name]
        targets = child.columns[2:]
        anchor = lists[0]
        picks = ", ".join(
            _element(f"{lst}[seq]", col.dtype) for lst, col in zip(lists, targets, strict=True)
        )
        con.execute(f'DELETE FROM "{child_name}" WHERE "{key}" IN (SELECT "{key}" FROM {source})')
        con.execute(
            f'INSERT INTO "{child_name}" SELECT "{key}", seq, {picks} FROM ('
            f'SELECT "{key}", {", ".join(lists)}, '
            f"unnest(generate_series(1, coalesce(len({anchor}), 0))) AS seq FROM {source})"
        )


def children_batch(batch: pa.Table, table_name: str, child_name: str) -> pa.Table:
    """The `child_name` rows of one batch of accepted `table_name` rows."""
    parent, child = BY_NAME[table_name], BY_NAME[child_name]
    con = local_duckdb()
    try:
        cols = ", ".join(f"{q(c.name)} {sql_type(c)}" for c in child.columns)
        con.execute(f"CREATE TABLE {q(child_name)} ({cols})")
        con.register("_acc", batch)
        rebuild_children(con, parent, "_acc", only=child_name)
        out = con.execute(f"SELECT * FROM {q(child_name)}").to_arrow_table()
    finally:
        con.close()
    return out.cast(arrow_schema(child))
