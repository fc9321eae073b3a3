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
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc

from yigong.ingest import profiles
from yigong.ingest.check import ROW, local_duckdb, text_projection
from yigong.ingest.encoding import EncodingError, as_utf8
from yigong.ingest.excel import FORMULA_WITHOUT_VALUE, one_table, read_sheets
from yigong.ingest.privacy import KEY_SEPARATOR, key_part
from yigong.ingest.profiles.layout import Layout
from yigong.ingest.report import IngestError, RowError
from yigong.ingest.rules import MACROS, READER_TYPES, lit, q
from yigong.schema.model import DType, Table
from yigong.warehouse import Warehouse

#: rows per batch the row rules check at once.
BATCH_ROWS = 500_000
SUFFIXES = (".csv", ".parquet", ".xlsx")


@dataclass
class Staged:
    """A file's rows ready for the row rules."""

    source: ibis.Table | pa.RecordBatchReader  # `ROW` and the file's (canonical) columns
    columns: dict[str, bool]  # staged column -> already typed by the reader
    rejects: list[RowError] = field(default_factory=list)  # lines the reader could not read
    notices: list[str] = field(default_factory=list)  # said after the rules' notices
    layout: Layout | None = None  # the national layout the file was read in (None: canonical)
    layout_notices: list[str] = field(default_factory=list)
    local: duckdb.DuckDBPyConnection | None = None  # the staging DuckDB, open with the file

    @property
    def typed(self) -> frozenset[str]:
        return frozenset(c for c, typed in self.columns.items() if typed)


def file_feature(path: Path) -> str:
    """The warehouse feature a file needs to be ingested (``ingest:csv`` …)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(str(path), f"unsupported file type {suffix!r} (csv, parquet, xlsx)")
    return f"ingest:{suffix[1:]}"


def _national(path: Path, table: Table, profile: str | None) -> bool:
    """Whether a Parquet file is in a national layout (its header matches a profile)."""
    found = profiles.detect(
        profiles.file_header(path, str(path)), str(path), table=table.name, profile=profile
    )
    return found.binding is not None


@contextlib.contextmanager
def staged_file(
    wh: Warehouse, path: Path, table: Table, profile: str | None, *, salt: str
) -> Iterator[Staged]:
    """Stage `path` for `table`; IngestError (naming the file) when it cannot be read.

    A Parquet file in the canonical layout is read where the warehouse reads. Every other file
    is staged in an in-memory DuckDB of ingest's own, where a national layout is projected to
    canonical columns (`yigong.ingest.profiles`), which stays open while the file is checked
    (the profile names the errors by the file's own columns afterwards: `finish_layout`).
    `salt` salts the keys of rejected lines as the batch check salts them (`privacy.key_part`).
    """
    suffix = path.suffix.lower()
    with contextlib.ExitStack() as stack:
        try:
            if suffix == ".parquet" and not _national(path, table, profile):
                # a part file of a partitioned dataset (`<table>/county=…/period=…/`): the
                # path's keys are not columns of the table, so they are not read from the path
                rel = wh.read_parquet(path, row_number=ROW)
                staged = Staged(rel, {c: False for c in rel.columns if c != ROW})
            else:
                con = local_duckdb()
                stack.callback(con.close)
                staged = _stage_locally(stack, con, path, table, profile, salt)
        except IngestError:
            raise
        except EncodingError as exc:
            raise IngestError(str(path), str(exc)) from exc
        except Exception as exc:  # the reader's own words name the problem (quoting, format…)
            raise IngestError(str(path), f"cannot read the file: {exc}") from exc
        yield staged


def _stage_locally(
    stack: contextlib.ExitStack,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: Table,
    profile: str | None,
    salt: str,
) -> Staged:
    """Stage the file as table `stg` of `con` (a national layout projected), with `skip` (the
    lines the CSV reader rejected) and `yg_rows` (staged row -> file row); the staged rows as
    an Arrow stream with `ROW`."""
    suffix, notices, rejects = path.suffix.lower(), [], []
    blank: set[int] = set()
    if suffix == ".xlsx":
        if _national(path, table, profile):  # its other sheets are the layout's sub-lists
            data = read_sheets(path, str(path), only_first=True)[0].table
        else:  # every sheet read, or the workbook refused naming them
            data, sheet_notices, uncached = one_table(path, str(path))
            notices += sheet_notices
            # a blank row is skipped as a blank CSV line is, its row number kept for the rest
            blank = _blank_rows(data)
            data, rejects = _without_uncached(data, uncached, path, blank)
        con.register("_yg_sheet", data)
        con.execute("CREATE TABLE stg AS SELECT * FROM _yg_sheet")
        con.unregister("_yg_sheet")
        columns = {c: False for c in data.column_names}
    elif suffix == ".parquet":
        read = f"read_parquet({lit(str(path))}, hive_partitioning = false)"
        described = con.execute(f"DESCRIBE SELECT * FROM {read}").fetchall()
        con.execute(f"CREATE TABLE stg AS SELECT {text_projection(described)} FROM {read}")
        columns = {n: False for n, *_ in described}
    else:
        readable, encoding = stack.enter_context(as_utf8(path))
        if encoding != "utf-8":
            notices.append(f"read as {encoding.upper()} and transcoded to UTF-8")
        columns, rejects = _stage_csv(con, readable, table, path, salt)
    skipped = sorted({r.row_no for r in rejects} | {i + 1 for i in blank})
    con.execute(
        "CREATE TABLE skip AS SELECT row_no - row_number() OVER (ORDER BY row_no) AS before "
        "FROM (SELECT unnest(?::BIGINT[]) AS row_no)",
        [skipped],
    )
    layout, columns = profiles.apply_layout(con, path, table.name, columns, profile)
    layout_notices = profiles.notices(con, layout) if layout is not None else []
    picked = ", ".join("s." + q(c) for c in columns)
    if skipped:
        # the reader skipped the rejected lines: staged row r is file row r + (lines before it)
        con.execute(
            "CREATE TABLE yg_rows AS SELECT s.rowid AS _rowid, s.rowid + (SELECT count(*) FROM "
            "skip k WHERE k.before < s.rowid + 1) AS row FROM stg s"
        )
        rows = (
            f"SELECT r.row AS {ROW}{', ' + picked if picked else ''} FROM stg s "
            "JOIN yg_rows r ON r._rowid = s.rowid ORDER BY s.rowid"
        )
    else:  # staged row r is file row r: no join, no sort (a scan keeps the rows' order)
        con.execute("CREATE VIEW yg_rows AS SELECT rowid AS _rowid, rowid AS row FROM stg")
        rows = f"SELECT s.rowid AS {ROW}{', ' + picked if picked else ''} FROM stg s"
    reader = con.execute(rows).fetch_record_batch(BATCH_ROWS)
    return Staged(reader, columns, rejects, notices, layout, layout_notices, con)


def _blank_rows(data: pa.Table) -> set[int]:
    """The rows of a workbook with no value in any cell (0-based)."""
    if not data.num_columns:
        return set()
    empty = pc.is_null(data.column(0))
    for column in data.columns[1:]:
        empty = pc.and_(empty, pc.is_null(column))
    return set(pc.indices_nonzero(empty).to_pylist())


def _without_uncached(
    data: pa.Table,
    uncached: dict[int, list[tuple[str, str, str]]],
    shown: Path,
    blank: set[int] | frozenset[int] = frozenset(),
) -> tuple[pa.Table, list[RowError]]:
    """The rows of a workbook without those holding a formula with no saved value (read as
    empty, they would load as NULL), and those rows as rejected lines, naming sheet, cell and
    column (`excel.one_table`)."""
    if not uncached and not blank:
        return data, []
    rejects = []
    for row in sorted(uncached):
        (sheet, cell, name), *more = uncached[row]
        also = f" (and {len(more)} more cell{'s' * (len(more) > 1)} of the row)" if more else ""
        rejects.append(
            RowError(
                str(shown),
                row + 1,
                name,
                "formula_without_value",
                f"formula_without_value: sheet {sheet!r} cell {cell} ({name}) is "
                f"{FORMULA_WITHOUT_VALUE}{also}",
            )
        )
    keep = [i not in uncached and i not in blank for i in range(data.num_rows)]
    return data.filter(pa.array(keep, pa.bool_())), rejects


def finish_layout(staged: Staged, errors: pa.Table) -> pa.Table:
    """The errors of a file read in a national layout, as the file names them: every field by
    the file's own column, and the profile's own errors added (`profiles.finish`). `errors`
    and the result have the columns `ROW`, field, value, reason."""
    assert staged.layout is not None and staged.local is not None
    con = staged.local
    for macro in MACROS:
        con.execute(macro)
    con.execute(
        "CREATE OR REPLACE TEMP MACRO yg_row_no(r) AS r + 1 + "
        "(SELECT count(*) FROM skip k WHERE k.before < r + 1)"
    )
    con.register("_yg_errors", errors)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE errs AS SELECT r._rowid, e.{ROW} + 1 AS row_no, e.field, "
        f"e.value, e.reason FROM _yg_errors e JOIN yg_rows r ON r.row = e.{ROW}"
    )
    con.unregister("_yg_errors")
    profiles.finish(con, staged.layout)
    out = con.execute(f"SELECT row_no - 1 AS {ROW}, field, value, reason FROM errs")
    return out.to_arrow_table().cast(errors.schema)


def _reader_columns(table: Table, header: list[str]) -> dict[str, str]:
    """DuckDB type per CSV column: the reader parses dates, booleans…; the rest stays text."""
    by_name = {c.name: c for c in table.columns}
    return {
        h: READER_TYPES.get(by_name[h].dtype, "VARCHAR") if h in by_name else "VARCHAR"
        for h in header
    }


def _stage_csv(
    con: duckdb.DuckDBPyConnection, path: Path, table: Table, shown: Path, salt: str
) -> tuple[dict[str, bool], list[RowError]]:
    """Stage a UTF-8 CSV file as `stg`; (staged columns, the lines its reader rejected)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    if not header:
        raise IngestError(str(shown), "the file is empty (no header line)")
    check_header(header, table, str(shown))
    _line_endings(path, str(shown))
    types = _reader_columns(table, header)
    spec = "{" + ", ".join(f"{lit(h)}: {lit(t)}" for h, t in types.items()) + "}"
    con.execute(
        f"CREATE TABLE stg AS SELECT * FROM read_csv(?, columns = {spec}, header = true,"
        " auto_detect = false, hive_partitioning = false, delim = ',', quote = '\"',"
        " escape = '\"', dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S',"
        " store_rejects = true, rejects_table = 'yg_rejects', rejects_scan = 'yg_scan')",
        [str(path)],
    )
    # a malformed line is one error; a line with cells of the wrong type, one per cell
    rejects = []
    for line, column, kind, message, text in con.execute(
        "SELECT line, column_name, error_type, error_message, csv_line FROM yg_rejects "
        "QUALIFY error_type = 'CAST' OR row_number() OVER (PARTITION BY line "
        "ORDER BY column_idx) = 1 ORDER BY line, column_idx"
    ).fetchall():
        rule = "type" if kind == "CAST" else "malformed"
        key = line_key(table, header, text, salt)
        rejects.append(
            RowError(str(shown), int(line) - 1, column or "", rule, f"{rule}: {message}", key=key)
        )
    return {h: t != "VARCHAR" for h, t in types.items()}, rejects + _swallowed(path, shown, rejects)


def check_header(header: list[str], table: Table, shown: str) -> None:
    """Refuse a header that cannot be read as the file means it (IngestError, one line): a
    name swallowed by an unterminated quote, a blank name, a name written twice, or a
    canonical name written with spaces, tabs or full-width characters (it would be ignored as
    an unknown column, and the real column read as absent)."""
    for i, h in enumerate(header, start=1):
        if "\n" in h or "\r" in h:
            raise IngestError(
                shown,
                f"the header has an unterminated quote in column {i}: it swallows the "
                "rest of the file; close the quote",
            )
    blank = [i for i, h in enumerate(header, start=1) if not h.strip()]
    if blank:
        raise IngestError(shown, f"the header's column {blank[0]} has no name: name or delete it")
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise IngestError(shown, f"the header names column {twice[0]!r} twice: rename one")
    names = set(table.column_names) | {c.pseudonymise for c in table.columns if c.pseudonymise}
    seen: dict[str, str] = {}
    for h in header:
        plain = unicodedata.normalize("NFKC", h).strip()
        if plain in seen:
            raise IngestError(
                shown,
                f"the header names column {plain!r} twice ({seen[plain]!r}, {h!r}): rename one",
            )
        seen[plain] = h
        if plain != h and plain in names:
            raise IngestError(
                shown,
                f"the header names column {plain!r} as {h!r} (with spaces, tabs or "
                "full-width characters): write it as the table names it",
            )


def _line_endings(path: Path, shown: str) -> None:
    """Refuse a file whose lines end in two ways (CRLF and LF or CR: files joined from two
    systems), naming the first line where the ending changes; the CSV reader would stop
    there with a parser error. Line breaks inside a quoted cell do not count (Excel writes
    LF there in a CRLF file)."""
    if _one_kind_of_break(path):
        return
    names = {b"\r\n": "CRLF", b"\n": "LF", b"\r": "CR"}
    first: bytes | None = None
    line, quoted, tail = 1, False, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            data = tail + chunk
            tail = b"\r" if data.endswith(b"\r") else b""  # a CRLF may straddle two chunks
            for m in _BREAK.finditer(data[: len(data) - len(tail)]):
                token = m.group()
                if token == b'"':
                    quoted = not quoted
                    continue
                if quoted:
                    continue
                first = first or token
                if token != first:
                    raise IngestError(
                        shown,
                        f"lines end in {names[first]} and, at line {line}, in "
                        f"{names[token]}: save the file with one kind of line ending",
                    )
                line += 1
    if tail and not quoted and first not in (None, b"\r"):
        raise IngestError(
            shown,
            f"lines end in {names[first or tail]} and, at line {line}, "
            "in CR: save the file with one kind of line ending",
        )


_BREAK = re.compile(rb'"|\r\n|\r|\n')


def _one_kind_of_break(path: Path) -> bool:
    """Whether every line break of the file, quoted or not, is of one kind (LF only, or CRLF
    only): then no line can end in another way, and the scan token by token is not needed.
    Counting bytes runs at memory speed; the scan is left for the files with a CR in them
    that is not part of a CRLF, or an LF alone beside CRLFs."""
    cr = lf = crlf = 0
    after_cr = False
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            if b"\r" in chunk or after_cr:
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n") + (after_cr and chunk.startswith(b"\n"))
                after_cr = chunk.endswith(b"\r")
            lf += chunk.count(b"\n")
    return cr == 0 or cr == lf == crlf


def line_key(table: Table, header: list[str], line: str | None, salt: str) -> str | None:
    """The natural key of a line the CSV reader rejected, as the checked rows give it
    (`check.row_key_sql`, parts salted by `salt`): the key cells read from the raw line, when
    every one is there and is of its type; None otherwise (and for a key made from a raw
    identifier: only its hash, salted in the batch check, may stand for it)."""
    if not line:
        return None
    try:
        cells = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    parts = []
    for name in table.key:
        col = table.column(name)
        if col.pseudonymise or name not in header or header.index(name) >= len(cells):
            return None
        text = cells[header.index(name)]
        if col.dtype is DType.INT:
            if not re.fullmatch(r"-?[0-9]+", text.strip()):
                return None
            text = str(int(text))
        elif col.dtype is DType.DATE:
            try:
                text = dt.datetime.strptime(text, "%Y-%m-%d").date().isoformat()
            except ValueError:
                return None
        elif col.dtype is not DType.STRING or text == "":
            return None
        parts.append(key_part(text, salt))
    return KEY_SEPARATOR.join(parts)


def _swallowed(path: Path, shown: Path, rejects: list[RowError]) -> list[RowError]:
    """The lines an unterminated quote swallowed: the reader reports the line where the quote
    starts and reads nothing after it, so every later non-blank line is a rejected row of its
    own, and the counts stay those of the file's physical rows."""
    starts = [r.row_no for r in rejects if "unterminated quote" in r.reason.lower()]
    if not starts:
        return []
    start = min(starts)  # 0-based data row = 1-based line - 1 (the header is line 1)
    reason = (
        f"malformed: inside an unterminated quote that starts in row {start} (line {start + 1})"
    )
    out = []
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line_no > start + 1 and line.strip():
                out.append(RowError(str(shown), line_no - 1, "", "malformed", reason))
    return out
