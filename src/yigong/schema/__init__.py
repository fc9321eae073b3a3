"""Canonical schema: tables, code systems and money. Pure declarations, no I/O."""

from yigong.schema.model import Column, DateOrder, DType, Table
from yigong.schema.tables import CHILD_TABLES, TABLES, table

__all__ = ["CHILD_TABLES", "TABLES", "Column", "DType", "DateOrder", "Table", "table"]
