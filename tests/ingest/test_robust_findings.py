"""Ingest bugs the extended bad-input corpus found (issue 17; `tests/ingest/corpus.py`), each
pinned by a focused test: identity numbers in the older 15-digit form and in paths and column
names, headers and line endings that misread a file, control and format characters, typed
dates, NaN and binary values, hidden sheets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from tests.ingest.conftest import KEY
from tests.ingest.corpus import (
    NAME,
    OLD15,
    RAW,
    _cell,
    _header_edit,
    _hidden_sheet,
    _parquet,
    _raw_bytes,
    _renamed,
    _rows,
    _typed_xlsx,
    _xlsx_book,
)
from yigong.ingest import IngestError, ingest_paths
from yigong.ingest.read import _one_kind_of_break


def _ingest(wh, files: Path, write, folder: Path):
    ingest_paths(wh, [files], key=KEY)
    folder.mkdir(parents=True, exist_ok=True)
    (rep,) = ingest_paths(wh, [write(folder)], key=KEY)
    return rep


def _rules(wh) -> list[tuple[int, str, str]]:
    return wh.duck.execute("SELECT row_no, field, rule FROM quarantine ORDER BY ALL").fetchall()


def _stored(wh) -> str:
    return repr(
        [wh.duck.execute(f"SELECT * FROM {t}").fetchall() for t in sorted(wh.stored_tables())]
    )


def test_the_older_15_digit_id_number_in_text_is_rejected_and_not_stored(files, wh, tmp_path):
    rep = _ingest(wh, files, _cell({"department": f"内科{OLD15}"}), tmp_path / "x")
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert _rules(wh) == [(2, "department", "raw_id_number")]
    assert OLD15 not in _stored(wh)


def test_a_15_digit_number_that_is_no_date_passes(files, wh, tmp_path):
    rep = _ingest(wh, files, _cell({"case_no": "130423991399001"}), tmp_path / "x")
    assert rep.rows_rejected == 0


def test_paths_and_column_names_holding_an_id_number_are_masked(files, wh, tmp_path):
    folder = tmp_path / RAW
    rep = _ingest(wh, files, _header_edit(lambda c: [*c[:-1], RAW]), folder)
    assert RAW not in repr(rep) and "[ID removed]" in rep.file
    assert any("[ID removed]" in n for n in rep.notices)
    (rep,) = ingest_paths(wh, [_cell({"sex": "M"})(folder)], key=KEY)
    assert rep.rows_rejected == 1 and RAW not in repr(rep)
    assert RAW not in _stored(wh)
    with pytest.raises(IngestError) as err:
        ingest_paths(wh, [folder / "gone" / "discharges.csv"], key=KEY)
    assert RAW not in str(err.value)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda ls: [ls[0].replace("department", '"department', 1), *ls[1:]], "unterminated"),
        (lambda ls: [ls[0] + ",", *[line + ",x" for line in ls[1:]]], "has no name"),
    ],
    ids=["unterminated-quote", "blank-name"],
)
def test_a_header_that_would_misread_the_file_is_refused(files, wh, tmp_path, edit, words):
    from tests.ingest.corpus import _text_lines

    with pytest.raises(IngestError) as err:
        _ingest(wh, files, _text_lines(edit), tmp_path / "x")
    assert words in str(err.value) and "\n" not in str(err.value)
    assert NAME not in str(err.value)


@pytest.mark.parametrize(
    "written",
    [" department ", "ｄｅｐａｒｔｍｅｎｔ", "department\t"],
    ids=["spaces", "full-width", "tab"],
)
def test_a_canonical_column_name_written_another_way_is_refused(files, wh, tmp_path, written):
    with pytest.raises(IngestError, match="names column 'department' as"):
        _ingest(wh, files, _header_edit(_renamed("department", written)), tmp_path / "x")


def test_mixed_line_endings_are_refused_naming_the_line(files, wh, tmp_path):
    crlf_then_lf = _raw_bytes(lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n", 2))
    with pytest.raises(IngestError, match="lines end in CRLF and, at line 3, in LF"):
        _ingest(wh, files, crlf_then_lf, tmp_path / "x")


def test_a_line_break_inside_a_quoted_cell_is_no_line_ending(files, wh, tmp_path):
    # Excel writes LF inside a quoted cell of a CRLF file: the file is read, the cell rejected
    rep = _ingest(wh, files, _cell({"department": "内\n科"}), tmp_path / "x")
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert _rules(wh) == [(2, "department", "control_character")]


@pytest.mark.parametrize("text", ["内\t科", "内\r科", "H1\u200b内科", "内科\ufeff"])
def test_tabs_breaks_and_invisible_format_characters_are_control_characters(
    files, wh, tmp_path, text
):
    rep = _ingest(wh, files, _cell({"department": text}), tmp_path / "x")
    assert rep.rows_rejected == 1
    assert _rules(wh) == [(2, "department", "control_character")]


def test_a_date_with_a_time_is_rejected_not_truncated(files, wh, tmp_path):
    write = _typed_xlsx("admission_date", dt.datetime(2024, 3, 1, 14, 30))
    rep = _ingest(wh, files, write, tmp_path / "x")
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert _rules(wh) == [(2, "admission_date", "type")]


@pytest.mark.parametrize("text", ["2024-03-01 14:30:00", "24-03-01", "inf", "-infinity"])
def test_a_date_as_text_is_yyyy_mm_dd_only(files, wh, tmp_path, text):
    write = _parquet("admission_date", ["2024-03-01", text, "2024-03-01"], pa.string())
    rep = _ingest(wh, files, write, tmp_path / "x")
    assert rep.rows_rejected == 1, text
    assert (2, "admission_date", "type") in _rules(wh)


def test_a_parquet_timestamp_at_midnight_is_its_date_any_other_is_rejected(files, wh, tmp_path):
    stamps = [dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1, 14, 30), dt.datetime(2024, 3, 1)]
    rep = _ingest(wh, files, _parquet("admission_date", stamps, pa.timestamp("us")), tmp_path)
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    got = wh.duck.execute("SELECT DISTINCT admission_date FROM discharges").fetchall()
    assert got == [(dt.date(2024, 3, 1),)]


def test_parquet_binary_is_read_as_its_utf8_text_or_rejected(files, wh, tmp_path):
    values = ["内科".encode(), b"\xff\xfe", "内科".encode()]
    rep = _ingest(wh, files, _parquet("department", values, pa.binary()), tmp_path)
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert _rules(wh) == [(2, "department", "encoding")]
    assert wh.duck.execute("SELECT DISTINCT department FROM discharges").fetchall() == [("内科",)]


def test_nan_and_infinity_are_no_float(files, wh, tmp_path):
    from tests.ingest.conftest import write_csv
    from yigong.schema.tables import table

    rows = [
        {"service_id": f"S{i}", "person_id_number": _rows()[0]["patient_id_number"],
         "program": "hypertension", "service_type": "followup", "service_date": "2024-03-01",
         "institution_id": "T1", "bmi": bmi}
        for i, bmi in enumerate(["22.5", "NaN", "inf"])
    ]  # fmt: skip
    cols = list(table("public_health_services").file_columns())
    ingest_paths(wh, [files], key=KEY)
    path = write_csv(tmp_path / "public_health_services.csv", rows, cols)
    (rep,) = ingest_paths(wh, [path], key=KEY)
    bad = {r for r in _rules(wh) if r[1] == "bmi"}
    assert bad == {(2, "bmi", "type"), (3, "bmi", "type")}, _rules(wh)


def test_a_workbook_with_a_hidden_sheet_is_refused_naming_it(files, wh, tmp_path):
    with pytest.raises(IngestError, match="hidden sheets \\('隐藏'\\)"):
        _ingest(wh, files, _xlsx_book(_hidden_sheet), tmp_path)


def test_blank_workbook_rows_are_skipped_and_later_rows_keep_their_numbers(files, wh, tmp_path):
    def edit(wb) -> None:
        ws = wb["出院"]
        ws.insert_rows(3, 2)  # data rows 2 and 3 blank; the last good row is now data row 5
        ws[f"{_letter('sex')}6"] = "M"

    from tests.ingest.corpus import _letter

    rep = _ingest(wh, files, _xlsx_book(edit), tmp_path)
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert _rules(wh) == [(5, "sex", "code")]


@pytest.mark.parametrize(
    ("data", "one_kind"),
    [
        (b"a,b\nc,d\n", True),
        (b"a,b\r\nc,d\r\n", True),
        (b'a,b\r\n"c\r\nd",e\r\n', True),  # a CRLF inside a quoted cell is still one kind
        (b"a,b\r\nc,d\n", False),
        (b"a,b\rc,d\r", False),
        (b'a,b\r\n"c\nd",e\r\n', False),  # left to the scan, which reads the quotes
        (b"x" * ((1 << 22) - 1) + b"\r\n" + b"a\r\n", True),  # a CRLF across two chunks
    ],
    ids=["lf", "crlf", "crlf-quoted", "mixed", "cr", "lf-in-quotes", "across-chunks"],
)
def test_files_with_one_kind_of_line_break_skip_the_scan(tmp_path, data, one_kind):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert _one_kind_of_break(path) is one_kind
