"""Reading Excel workbooks (.xlsx) as exported by hospital systems, or refusing them clearly.

openpyxl reads the cells (DuckDB's excel extension cannot be installed offline). Before that,
a workbook that cannot be read as a table is refused with one line naming the file and what
to do: an encrypted (password-protected) workbook or a legacy ``.xls`` (both OLE2 compound
files, not zip), a file that is not a workbook, and a sheet whose header has merged cells (a
two-level header such as ``手术1`` over 编码/日期/级别). Title rows above the header (a merged
``住院病案首页`` banner across the sheet) are skipped: the header is the first of the first ten
rows that is filled across the sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from yigong.ingest.report import IngestError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
HEADER_SCAN_ROWS = 10
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


@dataclass(frozen=True)
class Sheet:
    """One sheet read as text columns, with where its header was found."""

    name: str
    header_row: int  # 1-based row of the header in the sheet
    table: pa.Table

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


def merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet name → merged ranges (min_col, min_row, max_col, max_row), read from the sheet
    XML without loading the cells."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(path) as zf:
        for name, part in _sheet_parts(zf).items():
            found = []
            tail = b""
            with zf.open(part) as fh:
                while chunk := fh.read(1 << 20):
                    buf = tail + chunk
                    for m in _MERGE.finditer(buf):
                        c1, r1 = _column_number(m.group(1)), int(m.group(2))
                        c2 = _column_number(m.group(3)) if m.group(3) else c1
                        r2 = int(m.group(4)) if m.group(4) else r1
                        found.append((c1, r1, c2, r2))
                    tail = buf[-64:]
            out[name] = sorted(set(found))
    return out


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
            f"sheet {sheet!r} has merged cells {where} (row {r1}, columns {c1}–{c2}): unmerge "
            "them so that every column has one header cell of its own and every row its own "
            "values, or export the sheet as CSV",
        )


def read_sheets(path: Path, shown: str, *, only_first: bool = False) -> list[Sheet]:
    """Every sheet of the workbook (or only the first) as text columns under its header."""
    refuse_unreadable(path, shown)
    from openpyxl import load_workbook

    try:
        merged = merged_ranges(path)
        wb = load_workbook(path, read_only=True, data_only=True)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(shown, f"cannot read the workbook: {exc}") from exc
    sheets = []
    try:
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
            _refuse_merged(shown, ws.title, h + 1, width, merged.get(ws.title, []))
            cols: list[list[str | None]] = [[] for _ in range(width)]
            extra_data = set()
            for row in (*top[h + 1 :], *rows):
                for i in range(width):
                    cols[i].append(_text(row[i]) if i < len(row) else None)
                if len(row) > width and any(_text(v) is not None for v in row[width:]):
                    extra_data.add(len(cols[0]))
            while cols and cols[0] and all(c[-1] is None for c in cols):  # trailing blank rows
                for c in cols:
                    c.pop()
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
            sheets.append(Sheet(ws.title, h + 1, table))
    finally:
        wb.close()
    if not sheets:
        raise IngestError(shown, "the workbook has no sheet with a header row")
    return sheets


def one_table(path: Path, shown: str) -> tuple[pa.Table, list[str]]:
    """The rows of every sheet of a canonical workbook, in sheet order, and notices: sheets
    under the same header are one table split over sheets (an export past 1,048,576 rows, or
    per month); a sheet with another header is refused, naming the sheets, rather than left
    unread. Empty sheets are skipped."""
    sheets = read_sheets(path, shown)
    first = sheets[0]
    other = [s.name for s in sheets[1:] if s.header != first.header]
    if other:
        raise IngestError(
            shown,
            f"the workbook's sheets have different headers ({first.name!r} and "
            f"{', '.join(repr(n) for n in other)}): one table per workbook; put each table in "
            "a workbook of its own (or export each sheet as CSV)",
        )
    if len(sheets) == 1:
        return first.table, []
    notice = "rows read from the sheets " + ", ".join(
        f"{s.name!r} ({s.table.num_rows:,})" for s in sheets
    )
    return pa.concat_tables([s.table for s in sheets]), [notice]


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
