"""Write file-shaped tables as institutions would export them: CSV, Parquet or XLSX.

One file per table, named ``<table>.<ext>``, header exactly ``Table.file_columns()`` (the
`persons` file adds a synthetic ``name`` column, which ingest drops). CSV: UTF-8, dates
``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans ``1``/``0``, money with two
decimals, empty = null, list columns ``|``-joined. Parquet keeps native types (lists stay
``|``-joined strings, as in the files). XLSX cells hold the CSV text of each field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from yigong.schema.model import DType
from yigong.schema.tables import table as schema_table

FORMATS = ("csv", "parquet", "xlsx")
EXTRA_COLUMNS = {"persons": (("name", pa.string()),)}
_ARROW = {
    DType.STRING: pa.string(), DType.INT: pa.int64(), DType.DECIMAL: pa.decimal128(18, 2),
    DType.FLOAT: pa.float64(), DType.DATE: pa.date32(), DType.TIMESTAMP: pa.timestamp("s"),
    DType.BOOL: pa.bool_(), DType.STRING_LIST: pa.string(), DType.INT_LIST: pa.string(),
}
XLSX_MAX_ROWS = 1_048_575


def file_schema(name: str) -> pa.Schema:
    """Arrow schema of the file for table `name` (raw identifier columns, lists as text)."""
    t = schema_table(name)
    fields = [pa.field(c.pseudonymise or c.name, _ARROW[c.dtype]) for c in t.columns]
    fields += [pa.field(n, typ) for n, typ in EXTRA_COLUMNS.get(name, ())]
    return pa.schema(fields)


def conform(name: str, data: pa.Table) -> pa.Table:
    """Columns in file order and file types; fails loudly on a missing or extra column."""
    schema = file_schema(name)
    missing = set(schema.names) - set(data.column_names)
    extra = set(data.column_names) - set(schema.names)
    if missing or extra:
        raise ValueError(f"{name}: generated columns differ from the schema: missing {sorted(missing)}, "
                         f"extra {sorted(extra)}")
    return data.select(schema.names).cast(schema)


def _csv_ready(data: pa.Table) -> pa.Table:
    cols = [c.cast(pa.int8()) if pa.types.is_boolean(c.type) else c for c in data.columns]
    return pa.table(cols, names=data.column_names)


class TableWriter:
    """Appends tables (possibly in several batches per table) to files in `out_dir`."""

    def __init__(self, out_dir: Path, fmt: str = "csv") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.out_dir, self.fmt = Path(out_dir), fmt
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._open: dict[str, Any] = {}
        self._xlsx_rows: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}

    def write(self, name: str, data: pa.Table) -> int:
        data = conform(name, data)
        self.rows[name] = self.rows.get(name, 0) + data.num_rows
        path = self.out_dir / f"{name}.{self.fmt}"
        if self.fmt == "csv":
            if name not in self._open:
                fh = path.open("wb")
                fh.write((",".join(data.column_names) + "\n").encode("utf-8"))
                self._open[name] = fh
            pacsv.write_csv(_csv_ready(data), self._open[name],
                            pacsv.WriteOptions(include_header=False, quoting_style="none"))
        elif self.fmt == "parquet":
            if name not in self._open:
                self._open[name] = pq.ParquetWriter(path, data.schema, compression="zstd")
            self._open[name].write_table(data)
        else:
            if self.rows[name] > XLSX_MAX_ROWS:
                raise ValueError(f"{name}: {self.rows[name]} rows do not fit one XLSX sheet; use csv or parquet")
            self._xlsx_rows.setdefault(name, []).append(data)
        return data.num_rows

    def close(self) -> None:
        for name, handle in self._open.items():
            handle.close()
            del name
        self._open.clear()
        for name, parts in self._xlsx_rows.items():
            _write_xlsx(self.out_dir / f"{name}.xlsx", pa.concat_tables(parts))
        self._xlsx_rows.clear()


def _text(col: pa.ChunkedArray) -> list[str | None]:
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    return col.cast(pa.string()).to_pylist()


def _write_xlsx(path: Path, data: pa.Table) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    ws = wb.create_sheet(path.stem)
    ws.append(data.column_names)
    columns = [_text(c) for c in data.columns]
    for row in zip(*columns, strict=True):
        ws.append(list(row))
    wb.save(path)
