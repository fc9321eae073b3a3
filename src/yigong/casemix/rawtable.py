"""Reading pack CSV tables as rows of strings, remembering where each row came from."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from yigong.casemix.tables import TableSpec
from yigong.rulepacks import Issue, error


@dataclass
class RawTable:
    """A pack table as read: rows of strings (empty string = null) and their origin."""

    spec: TableSpec
    rows: list[tuple[str, ...]]
    origins: list[tuple[str, int]]  # (file name, 1-based line) of every row

    def column(self, name: str) -> list[str]:
        i = self.spec.column_names.index(name)
        return [r[i] for r in self.rows]

    def dicts(self) -> list[dict[str, str]]:
        names = self.spec.column_names
        return [dict(zip(names, r, strict=True)) for r in self.rows]

    def key_of(self, row: tuple[str, ...]) -> tuple[str, ...]:
        names = self.spec.column_names
        return tuple(row[names.index(k)] for k in self.spec.key)

    def canonical_sha256(self) -> str:
        """SHA-256 of the header and the rows sorted by key, as LF-separated CSV lines.

        Row order never carries meaning in a pack (order lives in ``order``/``seq``
        columns), so the checksum of a table is independent of file order: a full
        pack and an overlay resolved onto its base give the same digest for the same
        content.
        """
        digest = hashlib.sha256()
        digest.update(_csv_line(self.spec.column_names))
        for row in sorted(self.rows, key=self.key_of):
            digest.update(_csv_line(row))
        return digest.hexdigest()


def _csv_line(values: tuple[str, ...]) -> bytes:
    out = []
    for v in values:
        if any(ch in v for ch in ',"\n\r'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return (",".join(out) + "\n").encode("utf-8")


def read_rows(
    path: Path, expected_header: tuple[str, ...]
) -> tuple[list[tuple[str, ...]], list[int], list[Issue]]:
    """Read a CSV file: rows (as tuples), their line numbers, and any structural issues."""
    issues: list[Issue] = []
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        issues.append(error("csv.bom", "file starts with a UTF-8 BOM", path.name, 1))
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [], [error("csv.encoding", f"not UTF-8: {exc}", path.name)]
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        return [], [], [error("csv.empty", "file has no header row", path.name, 1)]
    if tuple(header) != expected_header:
        issues.append(
            error(
                "csv.header", f"header {header} != expected {list(expected_header)}", path.name, 1
            )
        )
        return [], [], issues
    width = len(expected_header)
    for line_no, rec in enumerate(reader, start=2):
        if len(rec) != width:
            issues.append(
                error("csv.width", f"{len(rec)} fields, expected {width}", path.name, line_no)
            )
            continue
        rows.append(tuple(rec))
        lines.append(line_no)
    return rows, lines, issues


def read_table(path: Path, spec: TableSpec) -> tuple[RawTable, list[Issue]]:
    rows, lines, issues = read_rows(path, spec.column_names)
    return RawTable(spec, rows, [(path.name, n) for n in lines]), issues
