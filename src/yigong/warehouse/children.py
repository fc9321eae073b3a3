"""Child tables exploded from list columns (a discharge's diagnoses and procedures).

The front page arrives as one row per discharge with ordered code lists; the warehouse keeps
those lists on `discharges` (the DRG grouper reads them) and also one row per code in
`discharge_diagnoses` / `discharge_procedures` (indicator filters join them). Child column
*i* (after the key and `seq`) comes from list column *i* of the parent's `children` entry.
"""

from __future__ import annotations

import duckdb

from yigong.schema.model import DType, Table
from yigong.schema.tables import BY_NAME


def _element(expr: str, dtype: DType) -> str:
    if dtype is DType.BOOL:
        return f"({expr} = '1')"
    if dtype is DType.STRING:
        return f"nullif({expr}, '')"
    return f"TRY_CAST(nullif({expr}, '') AS {'DATE' if dtype is DType.DATE else 'BIGINT'})"


def rebuild_children(con: duckdb.DuckDBPyConnection, parent: Table, source: str) -> None:
    """Replace the child rows of every parent key present in relation `source`."""
    (key,) = parent.key
    for child_name, lists in parent.children.items():
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
