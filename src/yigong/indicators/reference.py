"""Reference tables served to measures next to the warehouse's tables (package data).

A measure may join a reference table (``procedure_categories``) like a canonical one; its rows
come from `yigong.schema.codes`, built once per process as an Ibis in-memory table, so the same
expression runs on DuckDB and on Spark.
"""

from __future__ import annotations

from functools import cache

import ibis
import pyarrow as pa

from yigong.schema.codes import procedure_category_rows
from yigong.schema.reference import REFERENCE_TABLES
from yigong.warehouse.types import arrow_schema

__all__ = ["is_reference_table", "reference_table"]


def is_reference_table(name: str) -> bool:
    return name in REFERENCE_TABLES


@cache
def _arrow(name: str) -> pa.Table:
    if name != "procedure_categories":
        raise KeyError(f"no reference table {name!r}")
    rows = procedure_category_rows()
    cols = {
        "code": [r["code"] for r in rows],
        "category": [r["category"] for r in rows],
        "is_surgery": [r["is_surgery"] == "1" for r in rows],
        "or_national": [r["or_national"] == "1" for r in rows],
        "or_regional": [r["or_regional"] == "1" for r in rows],
        "basis": [r["basis"] for r in rows],
    }
    return pa.table(cols, schema=arrow_schema(REFERENCE_TABLES[name]))


def reference_table(name: str) -> ibis.Table:
    """The reference table as an Ibis in-memory table."""
    return ibis.memtable(_arrow(name))
