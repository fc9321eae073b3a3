"""Write file-shaped tables as institutions would export them: CSV, Parquet or XLSX.

One file per table, named ``<table>.<ext>``, header exactly ``Table.file_columns()`` (the
`persons` file adds a synthetic ``name`` column, which ingest drops). CSV: UTF-8, dates
``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans ``1``/``0``, money with two
decimals, empty = null, list columns ``|``-joined. Parquet keeps native types (lists stay
``|``-joined strings, as in the files). XLSX cells hold the CSV text of each field.

`PartitionedWriter` writes the same files as Hive-style partitioned datasets instead
(``<table>/county=<code>/period=<yyyy>/part-<n>.<ext>``, see `PARTITION_PERIOD`), one file per
county and year, written and closed at once, for province-scale worlds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from yigong.ingest.profiles import get_profile
from yigong.schema.model import DType
from yigong.schema.tables import table as schema_table
from yigong.synth.national import NATIONAL, to_national

FORMATS = ("csv", "parquet", "xlsx")
LAYOUTS = ("canonical", "national")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
#: canonical tables that have a national export layout (see `national.py`).
NATIONAL_TABLES = ("discharges", "settlements", "outpatient_visits")
EXTRA_COLUMNS = {"persons": (("name", pa.string()),)}
_ARROW = {
    DType.STRING: pa.string(),
    DType.INT: pa.int64(),
    DType.DECIMAL: pa.decimal128(18, 2),
    DType.FLOAT: pa.float64(),
    DType.DATE: pa.date32(),
    DType.TIMESTAMP: pa.timestamp("s"),
    DType.BOOL: pa.bool_(),
    DType.STRING_LIST: pa.string(),
    DType.INT_LIST: pa.string(),
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
        raise ValueError(
            f"{name}: generated columns differ from the schema: missing {sorted(missing)}, "
            f"extra {sorted(extra)}"
        )
    return data.select(schema.names).cast(schema)


def _csv_ready(data: pa.Table) -> pa.Table:
    cols = [c.cast(pa.int8()) if pa.types.is_boolean(c.type) else c for c in data.columns]
    return pa.table(cols, names=data.column_names)


class TableWriter:
    """Appends tables (possibly in several batches per table) to files in `out_dir`.

    ``layout="national"`` writes the front page, the settlement list (with its sub-lists) and
    the visit list in their national export layouts (`national.py`) under the names a county
    would give them, CSV in `encoding` (GBK by default, as hospital systems export; a character
    GBK lacks, such as 𧿹 in a procedure name, is written as ``?``) or one workbook per table.
    """

    def __init__(
        self, out_dir: Path, fmt: str = "csv", layout: str = "canonical", encoding: str = ""
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
        if layout == "national" and fmt == "parquet":
            raise ValueError("the national layouts are written as csv or xlsx, as exported")
        self.out_dir, self.fmt, self.layout = Path(out_dir), fmt, layout
        self.encoding = encoding or ("gbk" if layout == "national" else "utf-8")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._open: dict[str, Any] = {}
        self._xlsx_rows: dict[str, list[pa.Table]] = {}
        self._national_heads: dict[str, list[str]] = {}
        self.rows: dict[str, int] = {}
        self.files: list[Path] = []

    def _write_national(self, name: str, data: pa.Table) -> None:
        stem = NATIONAL[name][1]
        profile = get_profile(NATIONAL[name][0])
        for sheet, table in to_national(name, data).items():
            title = profile.sublists[sheet].title if sheet else ""
            key = f"{name}/{sheet}"
            if self._national_heads.setdefault(key, table.column_names) != table.column_names:
                raise ValueError(f"{name}: a later batch needs other columns ({title or stem})")
            if self.fmt == "xlsx":
                self._xlsx_rows.setdefault(key, []).append(table)
                continue
            if key not in self._open:
                path = self.out_dir / (f"{stem}_{title}.csv" if sheet else f"{stem}.csv")
                self._open[key] = path.open("wb")
                self.files.append(path)
                head = io.StringIO()
                csv.writer(head, lineterminator="\n").writerow(table.column_names)
                self._open[key].write(_encode(head.getvalue(), self.encoding, first=True))
            buf = io.BytesIO()
            pacsv.write_csv(
                table, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed")
            )
            self._open[key].write(_encode(buf.getvalue().decode("utf-8"), self.encoding))

    def write(self, name: str, data: pa.Table, county: str | None = None) -> int:
        """Append `data` to the file of table `name` (`county` is used by partitioned writers)."""
        del county
        data = conform(name, data)
        self.rows[name] = self.rows.get(name, 0) + data.num_rows
        if self.layout == "national" and name in NATIONAL_TABLES:
            self._write_national(name, data)
            return data.num_rows
        path = self.out_dir / f"{name}.{self.fmt}"
        if self.fmt == "csv":
            if name not in self._open:
                fh = path.open("wb")
                fh.write(_encode(",".join(data.column_names) + "\n", self.encoding, first=True))
                self._open[name] = fh
            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            if self.encoding == "utf-8" or self.encoding == "utf-8-sig":
                pacsv.write_csv(_csv_ready(data), self._open[name], options)
            else:
                buf = io.BytesIO()
                pacsv.write_csv(_csv_ready(data), buf, options)
                self._open[name].write(_encode(buf.getvalue().decode("utf-8"), self.encoding))
        elif self.fmt == "parquet":
            if name not in self._open:
                self._open[name] = pq.ParquetWriter(path, data.schema, compression="zstd")
            self._open[name].write_table(data)
        else:
            if self.rows[name] > XLSX_MAX_ROWS:
                raise ValueError(
                    f"{name}: {self.rows[name]} rows do not fit one XLSX sheet; use csv or parquet"
                )
            self._xlsx_rows.setdefault(name, []).append(data)
        return data.num_rows

    def close(self) -> None:
        for name, handle in self._open.items():
            handle.close()
            del name
        self._open.clear()
        national: dict[str, list[tuple[str, pa.Table]]] = {}
        for name, parts in self._xlsx_rows.items():
            if "/" in name:  # a sheet of a national workbook
                table, sheet = name.split("/")
                national.setdefault(table, []).append((sheet, pa.concat_tables(parts)))
                continue
            _write_xlsx(self.out_dir / f"{name}.xlsx", pa.concat_tables(parts))
        self._xlsx_rows.clear()
        for name, sheets in national.items():
            stem = NATIONAL[name][1]
            profile = get_profile(NATIONAL[name][0])
            named = [(profile.sublists[s].title if s else stem, t) for s, t in sheets]
            _write_workbook(self.out_dir / f"{stem}.xlsx", named)


#: Column whose calendar year files a row under ``period=<yyyy>`` in a partitioned dataset;
#: tables not listed (divisions, institutions, communities, memberships, persons) are partitioned
#: by county only. The keys are named ``county`` and ``period`` because no table has a column of
#: that name (a Hive reader adds them as columns; ``year`` or ``county_code`` would collide).
PARTITION_PERIOD: dict[str, str] = {
    "population": "year",
    "insured_population": "year",
    "staff": "snapshot_date",
    "bed_stats": "year",
    "discharges": "discharge_date",
    "outpatient_visits": "visit_date",
    "settlements": "settle_date",
    "referrals": "request_date",
    "family_doctor_contracts": "signed_date",
    "examinations": "exam_date",
    "public_health_tasks": "year",
    "public_health_services": "service_date",
    "finance": "year",
    "contribution_standards": "year",
    "fund_accounts": "year",
    "provider_agreements": "valid_from",
    "claim_submissions": "submitted_date",
    "agreement_inspections": "year",
    "departments": "valid_from",
    "department_costs": "year",
    "budget_lines": "year",
    "budget_adjustments": "year",
    "budget_actuals": "year",
    "staff_pay": "year",
    "performance_pay_envelopes": "year",
}
#: Hive's name for the partition of rows whose key is null (Spark and DuckDB read it as null).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PARTITIONED_FORMATS = ("csv", "parquet")


def split_by_period(name: str, data: pa.Table) -> list[tuple[str, pa.Table]]:
    """(period, rows) of `data` by the year of its `PARTITION_PERIOD` column, rows kept in order;
    null years go to `NULL_PARTITION` (last); a table without a period column is one part ``""``."""
    column = PARTITION_PERIOD.get(name)
    if column is None:
        return [("", data)]
    values = data.column(column)
    years = values if pa.types.is_integer(values.type) else pc.year(values)
    parts = []
    for year in sorted(y for y in pc.unique(years).to_pylist() if y is not None):
        parts.append((str(year), data.filter(pc.equal(years, year))))
    nulls = pc.is_null(years)
    if pc.any(nulls).as_py():
        parts.append((NULL_PARTITION, data.filter(nulls)))
    return parts


class PartitionedWriter:
    """Writes each (table, county, period) slice to its own file, closed at once.

    Layout: ``<out>/<table>/county=<code>/period=<yyyy>/part-<n>.<ext>`` (tables without a
    period column: ``<out>/<table>/county=<code>/part-<n>.<ext>``). Files keep every column of
    the single-file format, so each one is a complete, ingestable file on its own; the partition
    keys are only in the path. Nothing is buffered between calls: memory is bounded by the
    batch the caller passes in (one county of one table) plus one county-year slice of it.
    """

    def __init__(self, out_dir: Path, fmt: str = "parquet") -> None:
        if fmt not in PARTITIONED_FORMATS:
            raise ValueError(
                f"partitioned output is written as {' or '.join(PARTITIONED_FORMATS)}, not {fmt!r}"
            )
        self.out_dir, self.fmt = Path(out_dir), fmt
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, int] = {}
        self.files: list[Path] = []
        self._parts: dict[Path, int] = {}

    def write(self, name: str, data: pa.Table, county: str | None = None) -> int:
        """Write the rows of one county (`county`: its code) of table `name`, year by year."""
        if not county:
            raise ValueError(f"{name}: a partitioned writer needs the county the rows belong to")
        data = conform(name, data)
        self.rows[name] = self.rows.get(name, 0) + data.num_rows
        for period, part in split_by_period(name, data):
            folder = self.out_dir / name / f"county={county}"
            if period:
                folder = folder / f"period={period}"
            self.write_file(folder, part)
        return data.num_rows

    def write_file(self, folder: Path, data: pa.Table) -> Path:
        """One partition file (``part-0``, or the next number if the partition already has one)."""
        n = self._parts.get(folder, 0)
        self._parts[folder] = n + 1
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{n}.{self.fmt}"
        if self.fmt == "parquet":
            pq.write_table(data, path, compression="zstd")
        else:
            with path.open("wb") as fh:
                fh.write((",".join(data.column_names) + "\n").encode("utf-8"))
                pacsv.write_csv(
                    _csv_ready(data),
                    fh,
                    pacsv.WriteOptions(include_header=False, quoting_style="none"),
                )
        self.files.append(path)
        return path

    def close(self) -> None:
        """Nothing to flush: every file is closed when written."""


def _text(col: pa.ChunkedArray) -> list[str | None]:
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.int8())
    return col.cast(pa.string()).to_pylist()


def _write_xlsx(path: Path, data: pa.Table) -> None:
    _write_workbook(path, [(path.stem, data)])


def _write_workbook(path: Path, sheets: list[tuple[str, pa.Table]]) -> None:
    """One workbook, one sheet per (title, table), header in the first row, cells as text."""
    from openpyxl import Workbook  # lazy: heavy (openpyxl ~0.5 s), .xlsx only

    wb = Workbook(write_only=True)
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    for title, data in sheets:
        if data.num_rows > XLSX_MAX_ROWS:
            raise ValueError(f"{title}: {data.num_rows} rows do not fit one XLSX sheet; use csv")
        ws = wb.create_sheet(title[:31])
        ws.append(data.column_names)
        columns = [_text(c) for c in data.columns]
        for row in zip(*columns, strict=True):
            ws.append(list(row))
    wb.save(path)


def _encode(text: str, encoding: str, first: bool = False) -> bytes:
    """Text in the file's encoding; GBK writes a character it lacks as ``?`` (as HIS exports
    do); ``utf-8-sig`` starts the file with a byte-order mark."""
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig" if first else "utf-8")
    return text.encode(encoding, errors="replace")
