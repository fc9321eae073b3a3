"""Reading Excel workbooks (.xlsx) as exported by hospital systems, or refusing them clearly.

openpyxl reads the cells (DuckDB's excel extension cannot be installed offline). Before that,
a workbook that cannot be read as a table is refused with one line naming the file and what
to do: an encrypted (password-protected) workbook or a legacy ``.xls`` (both OLE2 compound
files, not zip), a file that is not a workbook, and a sheet with a merged range in its header
(a two-level header such as ``手术1`` over 编码/日期/级别) or among its rows (one value spread
over several rows: unmerged it would leave the other rows empty), naming the range (``A3:A4``).
A workbook with hidden sheets is refused naming them (hidden rows of an old extract would be
read unseen). Title rows above the header (a merged ``住院病案首页`` banner across the sheet) are skipped: the
header is the first of the first ten rows that is filled across the sheet.

A formula cell is read as the value Excel saved with it. A workbook written by a program that
does not compute formulas holds formulas with no saved value; openpyxl reads them as empty, so
they are found in the sheet's XML (`uncached_formulas`) and never read as NULL: a row of a
canonical workbook with such a cell is rejected (rule ``formula_without_value``, naming sheet,
cell and column: `Sheet.uncached`), and any other workbook (a national layout, its sub-lists)
is refused naming the first such cell. Opening the workbook in Excel and saving it stores the
values.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from yigong.ingest.report import IngestError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
HEADER_SCAN_ROWS = 10
#: why a formula cell with no saved value is not read (the cell is named before it)
FORMULA_WITHOUT_VALUE = (
    "a formula with no saved value (the program that wrote the workbook did not compute it): "
    "open the workbook in Excel and save it, or paste the values, then ingest again"
)
#: element names may carry a namespace prefix (``<x:mergeCell>``, as the OpenXML SDK writes)
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_MERGE = re.compile(rb"<" + _NS + rb'mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA = re.compile(rb"<" + _NS + rb"f[\s>/]")
_CELL_START = re.compile(rb"<" + _NS + rb"c\s")
_CELL_END = re.compile(rb"</" + _NS + rb"c>")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_VALUE = re.compile(rb"<" + _NS + rb"v\s*>([^<]*)<")
_ROW_END = re.compile(rb"</" + _NS + rb"row>")


@dataclass(frozen=True)
class Sheet:
    """One sheet read as text columns, with where its header was found."""

    name: str
    header_row: int  # 1-based row of the header in the sheet
    table: pa.Table
    #: 0-based data row -> (cell, column) of its formulas with no saved value (read as empty)
    uncached: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def header(self) -> list[str]:
        return list(self.table.column_names)


def _ole_directory(path: Path) -> bytes:
    """The first sectors of an OLE2 compound file's directory (where its stream names are:
    an encrypted OOXML workbook holds ``EncryptionInfo`` and ``EncryptedPackage`` streams)."""
    with path.open("rb") as fh:
        header = fh.read(512)
        size = 1 << int.from_bytes(header[0x1E:0x20], "little")
        first = int.from_bytes(header[0x30:0x34], "little")
        if size not in (512, 4096) or first >= 0xFFFFFFFA:
            return b""
        fh.seek((first + 1) * size)
        return fh.read(size * 4)


def refuse_unreadable(path: Path, shown: str) -> None:
    """IngestError for a workbook openpyxl cannot open (encrypted, .xls, not a workbook)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(OLE2_MAGIC):
        names = head + _ole_directory(path)
        if ENCRYPTED_MARK in names or "EncryptedPackage".encode("utf-16-le") in names:
            raise IngestError(
                shown,
                "the workbook is password-protected (encrypted): open it in Excel, remove the "
                "password (文件 → 信息 → 保护工作簿 → 用密码进行加密, clear it), save, and ingest "
                "again, or export the sheet as CSV",
            )
        raise IngestError(
            shown,
            "this is a legacy .xls workbook (or an encrypted one): save it as .xlsx or export "
            "the sheet as CSV, then ingest again",
        )
    if not zipfile.is_zipfile(path):
        raise IngestError(shown, "not an .xlsx workbook (not a zip file): export it as CSV")


def column_letters(n: int) -> str:
    """Excel's letters of 1-based column `n` (1 -> A, 27 -> AA)."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _range(c1: int, r1: int, c2: int, r2: int) -> str:
    first = f"{column_letters(c1)}{r1}"
    return first if (c1, r1) == (c2, r2) else f"{first}:{column_letters(c2)}{r2}"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the zip (via workbook.xml and its relationships)."""
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    targets |= {
        m.group(2): m.group(1)
        for m in re.finditer(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)
    }
    out = {}
    for m in re.finditer(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"', wb):
        target = targets.get(m.group(2), "")
        target = target.lstrip("/")
        out[_unescape(m.group(1))] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


@dataclass
class _SheetXml:
    """What openpyxl does not tell: a sheet's merged ranges and its formulas with no value."""

    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    uncached: list[tuple[int, int]] = field(default_factory=list)  # (column, row), 1-based


def _uncached(part: bytes) -> list[tuple[int, int]]:
    """(column, row) of every formula cell of complete rows of sheet XML with no saved value:
    no ``<v>``, or an empty one on a cell that is not a string (an empty string result is a
    value)."""
    out = []
    for m in _FORMULA.finditer(part):
        starts = list(_CELL_START.finditer(part, max(0, m.start() - 4096), m.start()))
        if not starts:
            continue
        start = starts[-1].start()
        end = _CELL_END.search(part, m.end())
        cell = part[start : end.end() if end else len(part)]
        ref = _CELL_REF.search(cell)
        if ref is None:
            continue
        value = _VALUE.search(cell)
        kind = _CELL_TYPE.search(cell)
        if value is None or (not value.group(1) and (kind is None or kind.group(1) != b"str")):
            out.append((_column_number(ref.group(1)), int(ref.group(2))))
    return out


def _scan_sheets(path: Path) -> dict[str, _SheetXml]:
    """Sheet name → its merged ranges and uncached formulas, read from the sheet XML in one
    streamed pass without loading the cells."""
    out: dict[str, _SheetXml] = {}
    with zipfile.ZipFile(path) as zf:
        for name, part in _sheet_parts(zf).items():
            found = _SheetXml()
            tail = b""
            with zf.open(part) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    buf = tail + chunk
                    ends = list(_ROW_END.finditer(buf)) if chunk else []
                    cut = ends[-1].end() if ends else (0 if chunk else len(buf))
                    found.uncached += _uncached(buf[:cut])
                    tail = buf[cut:]
                    if not chunk:
                        break
                    for m in _MERGE.finditer(buf):
                        c1, r1 = _column_number(m.group(1)), int(m.group(2))
                        c2 = _column_number(m.group(3)) if m.group(3) else c1
                        r2 = int(m.group(4)) if m.group(4) else r1
                        found.merged.append((c1, r1, c2, r2))
            found.merged = sorted(set(found.merged))
            out[name] = found
    return out


def merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet name → merged ranges (min_col, min_row, max_col, max_row)."""
    return {name: found.merged for name, found in _scan_sheets(path).items()}


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        if (v.hour, v.minute, v.second) != (0, 0, 0):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int | float) and not isinstance(v, bool) and abs(v) >= 1e15:
        # Excel keeps numbers as doubles: 15+ digits (an ID number typed as a number) are
        # already rounded; shown as the number it is, so no rule takes it for the digits
        return repr(float(v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v)
    return text if text.strip() else None


def _header_row(rows: list[tuple]) -> int:
    """0-based index of the header among the first rows: the first row filled across the
    sheet (at least two cells and 60 % of the widest of these rows)."""
    counts = [sum(1 for v in r if _text(v) is not None) for r in rows]
    widest = max(counts, default=0)
    for i, n in enumerate(counts):
        if n >= 2 and n >= 0.6 * widest:
            return i
    return 0


def _refuse_merged(
    shown: str, sheet: str, header_row: int, width: int, merged: list[tuple[int, int, int, int]]
) -> None:
    for c1, r1, c2, r2 in merged:
        title = r2 < header_row and (c2 - c1 + 1) >= 0.8 * width
        if title:
            continue  # a banner above the header
        where = "in its header" if r1 <= header_row <= r2 or r2 < header_row else "in its rows"
        raise IngestError(
            shown,
            f"sheet {sheet!r} has merged cells {where} ({_range(c1, r1, c2, r2)}): unmerge "
            "them so that every column has one header cell of its own and every row its own "
            "values, or export the sheet as CSV",
        )


def read_sheets(
    path: Path, shown: str, *, only_first: bool = False, uncached: str = "refuse"
) -> list[Sheet]:
    """Every sheet of the workbook (or only the first) as text columns under its header.

    A formula cell with no saved value among the rows refuses the workbook naming it
    (``uncached="refuse"``), or is listed in `Sheet.uncached` for its row to be rejected
    (``uncached="report"``); in the header, it refuses the workbook either way."""
    refuse_unreadable(path, shown)
    from openpyxl import load_workbook

    try:
        scans = _scan_sheets(path)
        wb = load_workbook(path, read_only=True, data_only=True)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(shown, f"cannot read the workbook: {exc}") from exc
    sheets = []
    try:
        hidden = [
            ws.title for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") != "visible"
        ]
        if hidden and not only_first:
            raise IngestError(
                shown,
                f"the workbook has hidden sheets ({', '.join(repr(n) for n in hidden)}): nobody "
                "checked what they hold; unhide and check them, delete them, or export the "
                "visible sheet as CSV",
            )
        for ws in wb.worksheets[:1] if only_first else wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            top = [tuple(r) for _, r in zip(range(HEADER_SCAN_ROWS), rows, strict=False)]
            if not top:
                if only_first:
                    raise IngestError(shown, f"sheet {ws.title!r} is empty (no header row)")
                continue
            h = _header_row(top)
            header_cells = [_text(v) for v in top[h]]
            while header_cells and header_cells[-1] is None:
                header_cells.pop()
            width = len(header_cells)
            scan = scans.get(ws.title, _SheetXml())
            _refuse_merged(shown, ws.title, h + 1, width, scan.merged)
            cols: list[list[str | None]] = [[] for _ in range(width)]
            extra_data = set()
            for row in (*top[h + 1 :], *rows):
                for i in range(width):
                    cols[i].append(_text(row[i]) if i < len(row) else None)
                if len(row) > width and any(_text(v) is not None for v in row[width:]):
                    extra_data.add(len(cols[0]))
            # formulas with no saved value, by data row (0-based): openpyxl read them as empty
            found: dict[int, list[tuple[str, str]]] = {}
            for c, r in sorted(scan.uncached, key=lambda cr: (cr[1], cr[0])):
                if r <= h:
                    continue  # a title row above the header: not read
                if r == h + 1 and c <= width:
                    raise IngestError(
                        shown,
                        f"sheet {ws.title!r} cell {_range(c, r, c, r)}: the header cell is a "
                        "formula with no saved value: type the column's name",
                    )
                if c > width:
                    extra_data.add(r - h - 1)  # a column with (unknown) values but no header
                    continue
                name = str(header_cells[c - 1]).strip()
                found.setdefault(r - h - 2, []).append((_range(c, r, c, r), name))
            while (  # trailing blank rows (a row with a formula of unknown value is not blank)
                cols
                and cols[0]
                and all(c[-1] is None for c in cols)
                and len(cols[0]) - 1 not in found
            ):
                for c in cols:
                    c.pop()
            if found and uncached == "refuse":
                first = min(found)
                cell, name = found[first][0]
                raise IngestError(
                    shown,
                    f"sheet {ws.title!r} cell {cell} ({name}): {FORMULA_WITHOUT_VALUE}",
                )
            blank = [i + 1 for i, name in enumerate(header_cells) if name is None]
            if blank or extra_data:
                col = blank[0] if blank else width + 1
                raise IngestError(
                    shown,
                    f"sheet {ws.title!r}: column {col} has values but no header (row {h + 1}): "
                    "give every column a header",
                )
            names = [str(n).strip() for n in header_cells]
            seen = {n for n in names if names.count(n) > 1}
            if seen:
                raise IngestError(
                    shown,
                    f"sheet {ws.title!r} names column {sorted(seen)[0]!r} twice: rename one",
                )
            table = pa.table(
                {n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)}
            )
            sheets.append(Sheet(ws.title, h + 1, table, found))
    finally:
        wb.close()
    if not sheets:
        raise IngestError(shown, "the workbook has no sheet with a header row")
    return sheets


def one_table(
    path: Path, shown: str
) -> tuple[pa.Table, list[str], dict[int, list[tuple[str, str, str]]]]:
    """The rows of every sheet of a canonical workbook, in sheet order, notices, and the
    formula cells with no saved value by row of the result (``(sheet, cell, column)``): sheets
    under the same header are one table split over sheets (an export past 1,048,576 rows, or
    per month); a sheet with another header is refused, naming the sheets, rather than left
    unread. Empty sheets are skipped."""
    sheets = read_sheets(path, shown, uncached="report")
    first = sheets[0]
    other = [s.name for s in sheets[1:] if s.header != first.header]
    if other:
        raise IngestError(
            shown,
            f"the workbook's sheets have different headers ({first.name!r} and "
            f"{', '.join(repr(n) for n in other)}): one table per workbook; put each table in "
            "a workbook of its own (or export each sheet as CSV)",
        )
    uncached: dict[int, list[tuple[str, str, str]]] = {}
    offset = 0
    for s in sheets:
        for row, cells in s.uncached.items():
            uncached[offset + row] = [(s.name, cell, name) for cell, name in cells]
        offset += s.table.num_rows
    if len(sheets) == 1:
        return first.table, [], uncached
    notice = "rows read from the sheets " + ", ".join(
        f"{s.name!r} ({s.table.num_rows:,})" for s in sheets
    )
    return pa.concat_tables([s.table for s in sheets]), [notice], uncached


def sheet_headers(path: Path, shown: str) -> list[tuple[str, list[str]]]:
    """(sheet name, header) of every sheet, reading only the first rows (to sniff a layout)."""
    refuse_unreadable(path, shown)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(shown, f"cannot read the workbook: {exc}") from exc
    out = []
    try:
        for ws in wb.worksheets:
            top = [tuple(r) for r in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
            if top:
                out.append((ws.title, [t for v in top[_header_row(top)] if (t := _text(v))]))
    finally:
        wb.close()
    return out
