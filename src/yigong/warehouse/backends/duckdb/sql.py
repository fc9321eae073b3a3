"""Small SQL helpers of the DuckDB backend: quoting, DDL from Arrow schemas, and a DELETE from
an Ibis condition (so callers state conditions in Ibis, never in DuckDB SQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot.expressions as sge


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal."""
    return "'" + text.replace("'", "''") + "'"


_ARROW_SQL = {
    pa.string(): "VARCHAR",
    pa.large_string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.int8(): "TINYINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def sql_type(t: pa.DataType) -> str:
    """The DuckDB type of an Arrow type (the types the warehouse's own tables use)."""
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return sql_type(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f"{q(f.name)} {sql_type(f.type)}" for f in t) + ")"
    if t in _ARROW_SQL:
        return _ARROW_SQL[t]
    raise TypeError(f"no DuckDB type for Arrow type {t}")


def columns_ddl(schema: pa.Schema) -> str:
    return ", ".join(f"{q(f.name)} {sql_type(f.type)}" for f in schema)


def delete_where(
    backend: Any, table: ibis.Table, where: Callable[[ibis.Table], ir.BooleanValue]
) -> str:
    """``DELETE FROM <table> WHERE <where>``: the condition compiled by Ibis for DuckDB."""
    select = backend.compiler.to_sqlglot(table.filter(where(table)))
    source = select.args.get("from_") or select.args.get("from")
    if not isinstance(source, sge.From) or not isinstance(source.this, sge.Table):
        raise ValueError(f"cannot delete through a derived table: {select.sql('duckdb')}")
    return sge.Delete(this=source.this, where=select.args["where"]).sql(dialect="duckdb")
