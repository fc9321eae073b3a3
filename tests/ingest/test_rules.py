"""Each validation rule, with a failing row next to a good one: the bad row is quarantined with the
file, row, field and reason, the good one is loaded, and accepted + rejected = read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.conftest import KEY, discharge_row, id_number, write_csv
from yigong.ingest import ingest_paths
from yigong.schema.tables import table

RAW_ID = id_number("13042319800202002")

CASES = [
    # (override of the second row, field, rule)
    ({"patient_id_number": ""}, "patient_key", "required"),
    ({"department": ""}, "department", "required"),
    ({"age_years": "7x"}, "age_years", "type"),
    ({"age_years": "7.5"}, "age_years", "type"),
    ({"admission_date": "2024-02-30"}, "admission_date", "type"),
    ({"admission_date": "03/01/2024"}, "admission_date", "type"),
    ({"age_years": "1e2"}, "age_years", "type"),
    ({"total_cost": "12.345"}, "total_cost", "type"),
    ({"total_cost": "abc"}, "total_cost", "type"),
    ({"is_day_surgery": "maybe"}, "is_day_surgery", "type"),
    ({"discharge_mode": "7"}, "discharge_mode", "code"),
    ({"sex": "M"}, "sex", "code"),
    (
        {"diagnosis_codes": "I10.x00|ZZZ.999", "diagnosis_conditions": "1|1"},
        "diagnosis_codes",
        "code",
    ),
    ({"procedure_codes": "99.9999"}, "procedure_codes", "code"),
    (
        {"procedure_codes": "51.2300|87.4400", "procedure_grades": "3|9"},
        "procedure_grades",
        "code",
    ),
    ({"diagnosis_conditions": "1|8"}, "diagnosis_conditions", "code"),
    ({"discharge_date": "2024-02-20"}, "discharge_date", "date_order"),
    ({"length_of_stay": "-1"}, "length_of_stay", "minimum"),
    ({"total_cost": "-5.00"}, "total_cost", "minimum"),
    ({"age_years": "140"}, "age_years", "maximum"),
    ({"institution_id": "H9"}, "institution_id", "reference"),
    ({"department": f"内科{RAW_ID}"}, "department", "raw_id_number"),
    ({"case_no": RAW_ID}, "case_no", "raw_id_number"),
    ({"diagnosis_conditions": "1"}, "diagnosis_conditions", "list_alignment"),
    ({"discharge_id": "H1-A1-1"}, "discharge_id", "duplicate_key"),
    ({"is_day_surgery": "yes"}, "is_day_surgery", "type"),
]


def _base(files: Path, wh) -> None:
    ingest_paths(wh, [files], key=KEY)


@pytest.mark.parametrize(
    ("override", "field", "rule"), CASES, ids=[f"{r}-{f}" for _, f, r in CASES]
)
def test_rule_rejects_the_bad_row_only(files, wh, tmp_path, override, field, rule):
    _base(files, wh)
    good = discharge_row()
    bad = discharge_row(discharge_id="H1-A2-1", case_no="A2")
    bad.update(override)
    path = write_csv(
        tmp_path / "discharges.csv", [good, bad], list(table("discharges").file_columns())
    )
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2, 1, 1)
    rows = wh.duck.execute("SELECT file, row_no, field, rule, reason FROM quarantine").fetchall()
    assert (str(path), 2, field, rule) in [r[:4] for r in rows], rows
    assert all(r[4].startswith(rule) for r in rows if r[2] == field)
    assert wh.count("discharges") == 1


def test_empty_element_of_a_coded_list_is_no_value(files, wh, tmp_path):
    """A diagnostic procedure has no 手术级别: its element of the grades list is empty."""
    _base(files, wh)
    row = discharge_row(procedure_codes="51.2300|87.4400", procedure_grades="3|")
    path = write_csv(tmp_path / "discharges.csv", [row], list(table("discharges").file_columns()))
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_accepted, report.rows_rejected) == (1, 0)
    got = wh.duck.execute("SELECT seq, grade FROM discharge_procedures ORDER BY seq").fetchall()
    assert got == [(1, "3"), (2, None)]


def test_settlement_scalar_national_code_and_area_reference(files, wh, tmp_path):
    _base(files, wh)
    base = {
        "settlement_id": "S1",
        "provider_code": "X1",
        "service_area": "130423",
        "insured_area": "130423",
        "person_id_number": RAW_ID,
        "scheme": "resident",
        "care_type": "inpatient",
        "settle_date": "2024-01-05",
        "principal_diagnosis": "I10.x00",
        "total_cost": "100.00",
        "fund_paid": "60.00",
        "personal_paid": "40.00",
        "payment_method": "drg",
    }
    rows = [
        base,
        {**base, "settlement_id": "S2", "principal_diagnosis": "NOPE"},
        {**base, "settlement_id": "S3", "service_area": "999999"},
    ]
    path = write_csv(tmp_path / "settlements.csv", rows, list(table("settlements").file_columns()))
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_accepted, report.rows_rejected) == (1, 2)
    got = {
        (r, f, rule)
        for r, f, rule in wh.duck.execute("SELECT row_no, field, rule FROM quarantine").fetchall()
    }
    assert got == {(2, "principal_diagnosis", "code"), (3, "service_area", "reference")}


def test_missing_required_column_rejects_every_row(files, wh, tmp_path):
    _base(files, wh)
    cols = [c for c in table("discharges").file_columns() if c != "department"]
    path = write_csv(tmp_path / "discharges.csv", [discharge_row()], cols)
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_read, report.rows_rejected) == (1, 1)
    assert report.errors_by_rule == {"missing_column": 1}


def test_malformed_line_is_counted_and_reported_with_its_row(files, wh, tmp_path):
    _base(files, wh)
    cols = list(table("discharges").file_columns())
    path = write_csv(
        tmp_path / "discharges.csv",
        [discharge_row(), discharge_row(discharge_id="H1-A3-1", case_no="A3")],
        cols,
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "H1-BROKEN,H1,only,four")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 2, 1)
    assert wh.duck.execute("SELECT row_no, rule FROM quarantine").fetchall() == [(2, "malformed")]
    # rows after the malformed line keep their file row numbers
    bad = discharge_row(discharge_id="H1-A4-1", case_no="A4", sex="M")
    lines.append(",".join(bad.get(c, "") for c in cols))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert sorted(wh.duck.execute("SELECT row_no, rule FROM quarantine").fetchall()) == [
        (2, "malformed"),
        (4, "code"),
    ]


def test_raw_identifiers_refused_without_a_key(files, wh, tmp_path):
    _base(files, wh)
    path = write_csv(
        tmp_path / "discharges.csv", [discharge_row()], list(table("discharges").file_columns())
    )
    (report,) = ingest_paths(wh, [path], key=None)
    assert report.rows_rejected == 1 and report.errors_by_rule == {"pseudonym_key": 1}
    assert wh.count("discharges") == 0


def test_unknown_and_name_columns_are_not_stored(files, wh, tmp_path):
    _base(files, wh)
    cols = list(table("discharges").file_columns()) + ["patient_name", "extra"]
    row = discharge_row(patient_name="张三", extra="x")
    path = write_csv(tmp_path / "discharges.csv", [row], cols)
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert report.rows_accepted == 1
    assert any("patient_name" in n and "not stored" in n for n in report.notices)
    assert any("'extra'" in n for n in report.notices)
    dump = str(wh.to_arrow("discharges").to_pylist())
    assert "张三" not in dump


def test_unterminated_quote_counts_every_row_it_swallows(files, wh, tmp_path):
    """Issue 17: an unterminated quote swallowed the rest of the file (5 of 20 read, in no
    count). Every physical row is counted; the quote is reported from the row where it starts."""
    _base(files, wh)
    cols = list(table("discharges").file_columns())
    rows = [discharge_row(discharge_id=f"H1-A{i}-1", case_no=f"A{i}") for i in range(20)]
    path = write_csv(tmp_path / "discharges.csv", rows, cols)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].replace("内科", '"内科', 1)  # data row 6 opens a quote it never closes
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (20, 5, 15)
    reasons = wh.duck.execute("SELECT DISTINCT reason FROM quarantine WHERE row_no > 6").fetchall()
    assert reasons == [("malformed: inside an unterminated quote that starts in row 6 (line 7)",)]


def _workbook(path, sheets):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_every_sheet_of_a_workbook_is_read(files, wh, tmp_path):
    """Issue 17: only the first XLSX sheet was read."""
    _base(files, wh)
    cols = list(table("discharges").file_columns())
    rows = [
        [discharge_row(discharge_id=f"H1-A{i}-1", case_no=f"A{i}").get(c, "") for c in cols]
        for i in range(4)
    ]
    path = _workbook(
        tmp_path / "discharges.xlsx", {"1月": [cols, *rows[:2]], "2月": [cols, *rows[2:]]}
    )
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert (report.rows_read, report.rows_accepted) == (4, 4)
    assert any("'2月' (2)" in n for n in report.notices)


def test_a_workbook_with_sheets_of_other_tables_is_refused_naming_them(files, wh, tmp_path):
    from yigong.ingest import IngestError

    _base(files, wh)
    cols = list(table("discharges").file_columns())
    row = [discharge_row().get(c, "") for c in cols]
    path = _workbook(
        tmp_path / "discharges.xlsx", {"出院": [cols, row], "说明": [["备注", "x"], ["a", "b"]]}
    )
    with pytest.raises(IngestError, match="'说明'"):
        ingest_paths(wh, [path], key=KEY)
    assert wh.count("discharges") == 0


def test_an_id_number_typed_as_an_excel_number_is_refused(files, wh, tmp_path):
    """Issue 17: 130423202007160012 as a number became 130423202007160000, hashed silently."""
    _base(files, wh)
    cols = list(table("discharges").file_columns())
    raw = id_number("13042320200716001")
    row = [int(raw) if c == "patient_id_number" else discharge_row().get(c, "") for c in cols]
    path = _workbook(tmp_path / "discharges.xlsx", {"出院": [cols, row]})
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert report.rows_rejected == 1 and report.errors_by_rule == {"id_number": 1}


def test_a_directory_lists_every_file_it_skips(files, wh, tmp_path):
    """Issue 17: a directory ingest skipped every file not named `<table>.<ext>`, silently."""
    (files / "readme.txt").write_text("notes")
    (files / "2024出院病人.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    (files / "old").mkdir()
    skipped: list = []
    reports = ingest_paths(wh, [files], key=KEY, skipped=skipped)
    assert len(reports) == 2
    assert {p.name for p, _ in skipped} == {"readme.txt", "2024出院病人.csv", "old"}
    assert all(why for _, why in skipped)
