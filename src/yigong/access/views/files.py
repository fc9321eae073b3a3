"""Rows as files: CSV (UTF-8 with BOM, so Excel reads it) and XLSX (one sheet). Money given as
`Decimal` (or its exact text) is written as its exact digits, never through a float."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

__all__ = ["CSV", "XLSX", "csv_bytes", "xlsx_bytes"]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(columns: list[str], rows: list[dict[str, Any]] | list[list[Any]]) -> bytes:
    buf = io.StringIO()
    buf.write("\ufeff")
    if rows and isinstance(rows[0], dict):
        w = csv.DictWriter(buf, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)  # type: ignore[arg-type]
    else:
        plain = csv.writer(buf, lineterminator="\n")
        plain.writerow(columns)
        plain.writerows(rows)  # type: ignore[arg-type]
    return buf.getvalue().encode("utf-8")


def _cell(v: Any) -> Any:
    return v if isinstance(v, int | float | str | Decimal | None) else str(v)


def xlsx_bytes(
    sheet: str,
    columns: list[str],
    rows: list[dict[str, Any]] | list[list[Any]],
    title: list[str] | None = None,
) -> bytes:
    from openpyxl import Workbook  # lazy: heavy (openpyxl ~0.5 s), .xlsx only

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    if title:
        ws.append(title)
    ws.append(columns)
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, dict) else row
        ws.append([_cell(v) for v in values])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
