"""The vocabulary in which canonical tables are declared (once, in `tables.py`).

A `Table` is a list of `Column`s plus a natural key. Everything else — warehouse DDL, ingest
validation, the synthetic generator's output, the data dictionary in `docs/schema.md` — is
derived from these declarations. This module is pure Python: no I/O, no backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DType(StrEnum):
    """Logical column types; the warehouse maps them to backend types."""

    STRING = "string"
    INT = "int"
    DECIMAL = "decimal"  # money: DECIMAL(18,2), yuan to the fen
    FLOAT = "float"  # measured quantities that are not money (e.g. kg, km)
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOL = "bool"
    STRING_LIST = "string_list"  # ordered codes, `|`-separated in files
    INT_LIST = "int_list"


@dataclass(frozen=True)
class Column:
    """One canonical column.

    Attributes:
        name: canonical English identifier.
        dtype: logical type.
        zh: the Chinese name users know the field by.
        national: the national field or form this follows (e.g. ``病案首页 离院方式``).
        required: a row without a value is rejected.
        codes: id of a code system in `codes.py` the value must belong to
            (``icd10``, ``icd9cm3`` and ``division`` are large lists loaded lazily).
        minimum: smallest allowed value for numbers (0 for money and counts).
        maximum: largest allowed value for numbers.
        ref: ``table.column`` the value must exist in (foreign key).
        pseudonymise: name of the file column that carries the raw identifier (e.g.
            ``patient_id_number``); ingest replaces it with a keyed hash stored under
            ``name`` and never stores the raw value. A file may instead carry ``name``
            directly when the extract was pseudonymised upstream.
        aligned_with: for list columns, the list column this one runs parallel to
            (e.g. admission conditions aligned with diagnosis codes).
        doc: one sentence of meaning where the name is not enough.
    """

    name: str
    dtype: DType
    zh: str
    national: str = ""
    required: bool = False
    codes: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    ref: str | None = None
    pseudonymise: str | None = None
    aligned_with: str | None = None
    doc: str = ""

    @property
    def is_list(self) -> bool:
        return self.dtype in (DType.STRING_LIST, DType.INT_LIST)


@dataclass(frozen=True)
class DateOrder:
    """A rule that one date column may not come after another (``earlier`` ≤ ``later``)."""

    earlier: str
    later: str


@dataclass(frozen=True)
class Table:
    """One canonical table.

    Attributes:
        name: table name in the warehouse.
        zh: Chinese name.
        grain: what one row is.
        key: natural key columns; re-ingesting a row with the same key replaces it.
        columns: the columns, in file order.
        date_orders: date-order rules checked on ingest.
        children: list columns that the warehouse also explodes into child tables
            (``child table name -> (list columns)``); the first list column is the anchor.
        depends_on: tables whose rows this one references (ingest order).
        source: the national standard or form the table follows.
    """

    name: str
    zh: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_orders: tuple[DateOrder, ...] = ()
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    source: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def file_columns(self) -> tuple[str, ...]:
        """Column names as they appear in an ingest file (raw identifiers, not keys)."""
        return tuple(c.pseudonymise or c.name for c in self.columns)
