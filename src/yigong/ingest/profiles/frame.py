"""A national-layout file read into canonical columns in memory, outside any warehouse.

For commands that take an export directly (``yigong drg group 病案首页.csv``): the file is
staged in an in-memory DuckDB, projected by its layout profile exactly as the ingest does, and
returned as Arrow text columns, with the profile's own problems (row, the file's column,
reason) and the file's key columns (病案号, 住院次数) as they were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from yigong.ingest.encoding import EncodingError, as_utf8
from yigong.ingest.profiles.apply import project, stage_arrow, stage_text_csv
from yigong.ingest.profiles.headers import Binding
from yigong.ingest.profiles.layout import ERRORS, q
from yigong.ingest.report import IngestError


@dataclass
class Frame:
    """Canonical text columns of one file, its profile problems and its key columns."""

    binding: Binding
    table: pa.Table  # canonical file columns (text; empty = null)
    problems: list[tuple[int, str, str]]  # (0-based row, the file's column, reason)
    keys: list[tuple[str, pa.Array]]  # (header as in the file, values as written)


def read_frame(path: Path, binding: Binding) -> Frame:
    """Project `path` (CSV in UTF-8/GB18030, or XLSX) through `binding`'s profile."""
    con = duckdb.connect()
    try:
        shown = str(path)
        if path.suffix.lower() == ".xlsx":
            from yigong.ingest.excel import read_sheets

            stage_arrow(con, read_sheets(path, shown, only_first=True)[0].table, "stg_raw")
        else:
            try:
                with as_utf8(path) as (readable, _):
                    stage_text_csv(con, readable, "stg_raw", shown)
            except EncodingError as exc:
                raise IngestError(shown, str(exc)) from exc
        layout, _ = project(con, binding, [])
        hide = f" EXCLUDE ({ERRORS})" if layout.errors_sql() else ""
        table = con.execute(f"SELECT *{hide} FROM stg").to_arrow_table()
        problems = []
        check = layout.check_sql()
        if check:
            problems = [
                (int(r), str(f), str(reason))
                for r, f, _v, reason in con.execute(f"{check} ORDER BY 1, 2").fetchall()
            ]
        keys = []
        for name in binding.profile.case_key:
            b = binding.by_name(name)
            if b is not None:
                col = con.execute(f"SELECT CAST({q(b.header)} AS VARCHAR) FROM stg_raw")
                keys.append((b.header, col.to_arrow_table().column(0).combine_chunks()))
        return Frame(binding, table, problems, keys)
    finally:
        con.close()
