"""Read one file into staged rows: the seam between a file and the row rules.

A staged file is its rows with their file row (`check.ROW`, 0-based) and the file's columns,
named as the canonical table names them. Parquet is read where the warehouse reads
(`Warehouse.read_parquet`: DuckDB here, the executors on Spark). CSV is read by ingest's own
DuckDB CSV reader, which parses dates, timestamps and numbers and records what it cannot parse
(`malformed` lines, `type` cells) instead of failing; Excel through openpyxl, as text. A file
laid out another way (a national layout) is turned into canonical columns here, before any rule
runs.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa

from yigong.ingest.check import ROW, local_duckdb
from yigong.ingest.encoding import EncodingError, as_utf8
from yigong.ingest.report import IngestError, RowError
from yigong.ingest.rules import READER_TYPES, lit, q
from yigong.schema.model import Table
from yigong.warehouse import Warehouse

#: rows per batch the row rules check at once.
BATCH_ROWS = 500_000
SUFFIXES = (".csv", ".parquet", ".xlsx")


@dataclass
class Staged:
    """A file's rows ready for the row rules."""

    source: ibis.Table | pa.RecordBatchReader  # `ROW` and the file's columns
    columns: dict[str, bool]  # staged column -> already typed by the reader
    rejects: list[RowError] = field(default_factory=list)  # lines the reader could not read
    notices: list[str] = field(default_factory=list)

    @property
    def typed(self) -> frozenset[str]:
        return frozenset(c for c, typed in self.columns.items() if typed)


def file_feature(path: Path) -> str:
    """The warehouse feature a file needs to be ingested (``ingest:csv`` …)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(str(path), f"unsupported file type {suffix!r} (csv, parquet, xlsx)")
    return f"ingest:{suffix[1:]}"


@contextlib.contextmanager
def staged_file(wh: Warehouse, path: Path, table: Table) -> Iterator[Staged]:
    """Stage `path` for `table`; IngestError (naming the file) when it cannot be read."""
    suffix = path.suffix.lower()
    with contextlib.ExitStack() as stack:
        try:
            if suffix == ".parquet":
                # a part file of a partitioned dataset (`<table>/county=…/period=…/`): the
                # path's keys are not columns of the table, so they are not read from the path
                rel = wh.read_parquet(path, row_number=ROW)
                staged = Staged(rel, {c: False for c in rel.columns if c != ROW})
            elif suffix == ".xlsx":
                data = _xlsx_to_arrow(path)
                data = data.add_column(0, ROW, pa.array(range(data.num_rows), pa.int64()))
                reader = pa.RecordBatchReader.from_batches(data.schema, data.to_batches(BATCH_ROWS))
                staged = Staged(reader, {c: False for c in data.column_names[1:]})
            else:
                readable, encoding = stack.enter_context(as_utf8(path))
                staged = stack.enter_context(_read_csv(readable, table, path))
                if encoding != "utf-8":
                    staged.notices.append(f"read as {encoding.upper()} and transcoded to UTF-8")
        except IngestError:
            raise
        except EncodingError as exc:
            raise IngestError(str(path), str(exc)) from exc
        except Exception as exc:  # the reader's own words name the problem (quoting, format…)
            raise IngestError(str(path), f"cannot read the file: {exc}") from exc
        yield staged


def _reader_columns(table: Table, header: list[str]) -> dict[str, str]:
    """DuckDB type per CSV column: the reader parses dates, booleans…; the rest stays text."""
    by_name = {c.name: c for c in table.columns}
    return {
        h: READER_TYPES.get(by_name[h].dtype, "VARCHAR") if h in by_name else "VARCHAR"
        for h in header
    }


@contextlib.contextmanager
def _read_csv(path: Path, table: Table, shown: Path) -> Iterator[Staged]:
    """Stage a UTF-8 CSV file in an in-memory DuckDB with its reader's rejected lines."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    if not header:
        raise IngestError(str(shown), "the file is empty (no header line)")
    types = _reader_columns(table, header)
    spec = "{" + ", ".join(f"{lit(h)}: {lit(t)}" for h, t in types.items()) + "}"
    con = local_duckdb()
    try:
        con.execute(
            f"CREATE TABLE stg AS SELECT * FROM read_csv(?, columns = {spec}, header = true,"
            " auto_detect = false, hive_partitioning = false, delim = ',', quote = '\"',"
            " escape = '\"', dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S',"
            " store_rejects = true, rejects_table = 'yg_rejects', rejects_scan = 'yg_scan')",
            [str(path)],
        )
        # a malformed line is one error; a line with cells of the wrong type, one per cell
        rejects = []
        for line, column, kind, message in con.execute(
            "SELECT line, column_name, error_type, error_message FROM yg_rejects "
            "QUALIFY error_type = 'CAST' OR row_number() OVER (PARTITION BY line "
            "ORDER BY column_idx) = 1 ORDER BY line, column_idx"
        ).fetchall():
            cast = kind == "CAST"
            rule = "type" if cast else "malformed"
            rejects.append(
                RowError(str(shown), int(line) - 1, column or "", rule, f"{rule}: {message}")
            )
        # the reader skipped the rejected lines: staged row r is file row r + (lines before it)
        skipped = sorted({r.row_no for r in rejects})
        con.execute(
            "CREATE TABLE skip AS SELECT row_no - row_number() OVER (ORDER BY row_no) AS before "
            "FROM (SELECT unnest(?::BIGINT[]) AS row_no)",
            [skipped],
        )
        reader = con.execute(
            f"SELECT s.rowid + (SELECT count(*) FROM skip k WHERE k.before < s.rowid + 1) "
            f"AS {ROW}, {', '.join('s.' + q(h) for h in header)} FROM stg s ORDER BY s.rowid"
        ).fetch_record_batch(BATCH_ROWS)
        yield Staged(reader, {h: t != "VARCHAR" for h, t in types.items()}, rejects)
    finally:
        con.close()


def _xlsx_to_arrow(path: Path) -> pa.Table:
    from openpyxl import load_workbook  # only for Excel files

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    cols: list[list[str | None]] = [[] for _ in header]

    def text(v: object) -> str | None:
        if v is None:
            return None
        if isinstance(v, dt.datetime):
            return (
                v.strftime("%Y-%m-%d %H:%M:%S")
                if (v.hour, v.minute, v.second) != (0, 0, 0)
                else v.date().isoformat()
            )
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    for row in rows:
        for i in range(len(header)):
            cols[i].append(text(row[i]) if i < len(row) else None)
    wb.close()
    return pa.table({h: pa.array(c, pa.string()) for h, c in zip(header, cols, strict=True)})
