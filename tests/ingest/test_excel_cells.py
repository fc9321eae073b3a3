"""Issue 17: Excel cells that openpyxl reads as empty although they are not — a formula with no
saved value, a merged range among the rows — are reported, never loaded as NULL."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter as column_letters

from tests.ingest.conftest import KEY, discharge_row
from yigong.ingest import IngestError, ingest_paths
from yigong.schema.tables import table

COLS = list(table("discharges").file_columns())
SHEET_XML = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _rows(prefix: str = "E") -> list[list]:
    return [
        [r.get(c) or None for c in COLS]
        for r in (
            discharge_row(discharge_id=f"H1-{prefix}{i}-1", case_no=f"{prefix}{i}")
            for i in range(3)
        )
    ]


def _cell(column: str, row: int) -> str:
    return f"{column_letters(COLS.index(column) + 1)}{row}"


def _workbook(path: Path, sheets: dict[str, list[list]], edit=None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(COLS)
        for r in rows:
            ws.append(r)
        if edit:
            edit(name, ws)
    wb.save(path)
    return path


def _rewrite(path: Path, part: str, change) -> None:
    """Rewrite one XML part of a workbook (as another program would have written it)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts[part] = change(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _formula(where: str):
    def edit(name: str, ws) -> None:
        if name == "出院" or name == "2月":
            ws[where] = "=1000+1"  # openpyxl saves the formula, never its value

    return edit


def test_a_formula_with_no_saved_value_rejects_its_row_naming_sheet_cell_and_column(
    files, wh, tmp_path
):
    ingest_paths(wh, [files], key=KEY)
    cell = _cell("cost_western_drugs", 3)  # an optional column: it would load as NULL
    path = _workbook(tmp_path / "discharges.xlsx", {"出院": _rows()}, _formula(cell))
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (3, 2, 1)
    assert rep.errors_by_rule == {"formula_without_value": 1}
    ((row_no, field, rule, reason),) = wh.duck.execute(
        "SELECT row_no, field, rule, reason FROM quarantine"
    ).fetchall()
    assert (row_no, field, rule) == (2, "cost_western_drugs", "formula_without_value")
    assert "'出院'" in reason and f"cell {cell}" in reason and "\n" not in reason
    loaded = wh.duck.execute("SELECT discharge_id FROM discharges ORDER BY 1").fetchall()
    assert loaded == [("H1-E0-1",), ("H1-E2-1",)]


def test_a_formula_with_its_saved_value_is_read_as_that_value(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    cell = _cell("cost_western_drugs", 3)
    path = _workbook(tmp_path / "discharges.xlsx", {"出院": _rows()}, _formula(cell))
    # as Excel saves it: the formula and the value it computed
    _rewrite(path, SHEET_XML, lambda x: re.sub(r"(<f>1000\+1</f>)<v\s*/>", r"\1<v>1001</v>", x))
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert (rep.rows_read, rep.rows_rejected) == (3, 0)
    got = wh.duck.execute("SELECT cost_western_drugs FROM discharges WHERE case_no = 'E1'")
    assert str(got.fetchone()[0]) == "1001.00"


def test_a_formula_on_a_later_sheet_names_that_sheet_and_the_right_row(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    cell = _cell("cost_western_drugs", 2)
    sheets = {"1月": _rows("J"), "2月": _rows("F")}
    path = _workbook(tmp_path / "discharges.xlsx", sheets, _formula(cell))
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert (rep.rows_read, rep.rows_rejected) == (6, 1)
    ((row_no, reason),) = wh.duck.execute("SELECT row_no, reason FROM quarantine").fetchall()
    assert row_no == 4 and "'2月'" in reason and f"cell {cell}" in reason


def test_a_merged_range_among_the_rows_refuses_the_workbook_naming_the_range(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    column = column_letters(COLS.index("department") + 1)

    def merge(name: str, ws) -> None:
        ws.merge_cells(f"{column}3:{column}4")

    path = _workbook(tmp_path / "discharges.xlsx", {"出院": _rows()}, merge)
    with pytest.raises(IngestError) as err:
        ingest_paths(wh, [path], key=KEY)
    assert f"{column}3:{column}4" in str(err.value) and "\n" not in str(err.value)
    assert wh.count("discharges") == 0


def test_merged_ranges_and_formulas_are_found_under_a_namespace_prefix(files, wh, tmp_path):
    """The OpenXML SDK writes ``<x:c>``, ``<x:mergeCell>``: still found."""
    ingest_paths(wh, [files], key=KEY)
    column = column_letters(COLS.index("department") + 1)

    def merge(name: str, ws) -> None:
        ws.merge_cells(f"{column}3:{column}4")

    def prefixed(xml: str) -> str:
        xml = re.sub(r"<(/?)(?!\?)([A-Za-z]+)", r"<\1x:\2", xml)
        return xml.replace(f'<x:worksheet xmlns="{NS}"', f'<x:worksheet xmlns:x="{NS}"')

    merged = _workbook(tmp_path / "discharges.xlsx", {"出院": _rows()}, merge)
    _rewrite(merged, SHEET_XML, prefixed)
    with pytest.raises(IngestError) as err:
        ingest_paths(wh, [merged], key=KEY)
    assert f"{column}3:{column}4" in str(err.value)
    (tmp_path / "f").mkdir()
    cell = _cell("cost_western_drugs", 3)
    formula = _workbook(tmp_path / "f" / "discharges.xlsx", {"出院": _rows()}, _formula(cell))
    _rewrite(formula, SHEET_XML, prefixed)
    (rep,) = ingest_paths(wh, [formula], key=KEY)
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert rep.errors_by_rule == {"formula_without_value": 1}


def test_a_workbook_read_whole_is_refused_at_a_formula_with_no_saved_value(tmp_path):
    """A national layout's workbook (and its sub-lists) is read this way: refused, naming the
    sheet, the cell and the column, rather than read with the cell empty."""
    from yigong.ingest.excel import read_sheets

    cell = _cell("cost_western_drugs", 3)
    path = _workbook(tmp_path / "frontpage.xlsx", {"出院": _rows()}, _formula(cell))
    with pytest.raises(IngestError) as err:
        read_sheets(path, str(path), only_first=True)
    assert f"'出院' cell {cell} (cost_western_drugs)" in str(err.value)
