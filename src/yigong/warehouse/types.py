"""Logical column types → Ibis, DuckDB and Arrow types (the one place they are mapped)."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from yigong.schema.model import Column, DType, Table

IBIS_TYPES: dict[DType, dt.DataType] = {
    DType.STRING: dt.string,
    DType.INT: dt.int64,
    DType.DECIMAL: dt.Decimal(18, 2),
    DType.FLOAT: dt.float64,
    DType.DATE: dt.date,
    DType.TIMESTAMP: dt.timestamp,
    DType.BOOL: dt.boolean,
    DType.STRING_LIST: dt.Array(dt.string),
    DType.INT_LIST: dt.Array(dt.int64),
}

SQL_TYPES: dict[DType, str] = {
    DType.STRING: "VARCHAR",
    DType.INT: "BIGINT",
    DType.DECIMAL: "DECIMAL(18,2)",
    DType.FLOAT: "DOUBLE",
    DType.DATE: "DATE",
    DType.TIMESTAMP: "TIMESTAMP",
    DType.BOOL: "BOOLEAN",
    DType.STRING_LIST: "VARCHAR[]",
    DType.INT_LIST: "BIGINT[]",
}

ARROW_TYPES: dict[DType, pa.DataType] = {
    DType.STRING: pa.string(),
    DType.INT: pa.int64(),
    DType.DECIMAL: pa.decimal128(18, 2),
    DType.FLOAT: pa.float64(),
    DType.DATE: pa.date32(),
    DType.TIMESTAMP: pa.timestamp("us"),
    DType.BOOL: pa.bool_(),
    DType.STRING_LIST: pa.list_(pa.string()),
    DType.INT_LIST: pa.list_(pa.int64()),
}


def ibis_schema(table: Table) -> ibis.Schema:
    """The Ibis schema of a canonical table."""
    return ibis.schema({c.name: IBIS_TYPES[c.dtype] for c in table.columns})


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a canonical table."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.dtype]) for c in table.columns])


def sql_type(column: Column) -> str:
    return SQL_TYPES[column.dtype]
