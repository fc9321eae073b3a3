"""The plausibility pack (`ingest/plausibility/`): its rules are data — the pack's numbers
decide what a batch rejects — and a pack with a wrong table, column or type is reported at its
line. The corpus kinds of each finding are in `test_corpus.py`."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa

from tests.ingest.conftest import KEY, discharge_row
from yigong.ingest.check import ERRORS, ROW, BatchCheck
from yigong.ingest.plausibility import PACKS_DIR, check_pack, load_rules
from yigong.rulepacks import Level, seal
from yigong.schema.tables import table

REF = date(2025, 6, 30)


def _check(table_name: str, rows: list[dict[str, str]], **kw) -> list[list[tuple[str, str]]]:
    """(field, reason) of each row's findings, checked as text columns."""
    cols = list(table(table_name).file_columns())
    data = {c: pa.array([r.get(c) or None for r in rows], pa.string()) for c in cols}
    batch = pa.table({ROW: pa.array(range(len(rows)), pa.int64()), **data})
    refs = {"institutions.institution_id": ["H1"], "admin_divisions.division_code": ["130423"]}
    check = BatchCheck(table_name, KEY, refs, "salt", reference=kw.pop("reference", REF), **kw)
    out = check(batch).sort_by(ROW).column(ERRORS).to_pylist()  # rows come in any order
    return [[(e["field"], e["reason"]) for e in (errs or [])] for errs in out]


def _row(**over: str) -> dict[str, str]:
    return discharge_row(**over)


def test_clean_rows_pass_and_each_rule_names_field_and_values():
    found = _check(
        "discharges",
        [
            _row(),
            _row(discharge_date="2024-03-01", length_of_stay="1"),  # same day counts one day
            _row(length_of_stay="8"),  # both ends counted: within ± 1
            _row(length_of_stay="9"),
            _row(admission_date="1899-12-31", length_of_stay="0", discharge_date="1899-12-31"),
            _row(admission_date="2025-06-30", discharge_date="2025-07-01", length_of_stay="1"),
            _row(admission_date="2025-07-01", discharge_date="2025-07-02", length_of_stay="1"),
            _row(self_paid="5230.51"),
            _row(total_cost="-1.00"),  # a minimum finding, not also part_total
        ],
    )
    assert found[:3] == [[], [], []]
    assert found[3] == [
        (
            "length_of_stay",
            "los_dates: length_of_stay 9 but discharge_date 2024-03-08 − admission_date "
            "2024-03-01 = 7 days (tolerance ± 1)",
        )
    ]
    assert sorted(f for f, _ in found[4]) == ["admission_date", "discharge_date"]
    assert all("is before 1900-01-01" in r for _, r in found[4])
    assert found[5] == []  # the day after the reference date: one day of grace
    assert found[6] == [  # admitted on the day of grace, discharged after it
        (
            "discharge_date",
            "date_window: discharge_date 2025-07-02 is after 2025-07-01 (the ingest date "
            "2025-06-30 + 1 day(s))",
        )
    ]
    assert found[7] == [("self_paid", "part_total: self_paid 5230.51 is above total_cost 5230.50")]
    assert [r.split(":")[0] for _, r in found[8]] == ["minimum"]


def test_planned_dates_may_lie_ahead_within_the_horizon():
    divisions = [
        {"division_code": "1", "name_zh": "x", "level": "county", "valid_from": "2000-01-01",
         "valid_to": to}
        for to in ("2060-12-31", "2075-12-31", "2076-01-01", "2999-12-31")
    ]  # fmt: skip
    found = _check("admin_divisions", divisions)
    assert [bool(f) for f in found] == [False, False, True, True]
    assert "after 2075-12-31 (the end of the year 50 years ahead)" in found[3][0][1]


def test_settlement_parts_and_their_sum():
    base = {
        "settlement_id": "JS1", "provider_code": "H1", "service_area": "130423",
        "insured_area": "130423", "person_id_number": discharge_row()["patient_id_number"],
        "scheme": "resident", "care_type": "outpatient", "settle_date": "2024-03-08",
        "total_cost": "100.00", "fund_paid": "60.00", "personal_paid": "40.00",
        "payment_method": "fee_for_service",
    }  # fmt: skip
    found = _check(
        "settlements",
        [base, {**base, "personal_paid": "40.01"}, {**base, "fund_paid": "100.01"}],
    )
    assert found[0] == []
    assert found[1] == [
        ("total_cost", "parts_sum: fund_paid + personal_paid = 100.01 is above total_cost 100.00")
    ]
    assert found[2] == [("fund_paid", "part_total: fund_paid 100.01 is above total_cost 100.00")]


def _copy(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "county-plausibility"
    shutil.copytree(PACKS_DIR / "plausibility-2021", folder)
    path = folder / "plausibility-2021.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    seal(folder)
    return folder


def test_the_numbers_are_the_packs(tmp_path):
    """A county's copy with a 90-day bound and no tolerance rejects what the built-in accepts."""
    folder = _copy(
        tmp_path,
        lambda t: t.replace("maximum_days: 47580", "maximum_days: 90").replace(
            "tolerance_days: 1", "tolerance_days: 0"
        ),
    )
    rules = load_rules(folder)
    rows = [
        _row(admission_date="2024-01-01", discharge_date="2024-05-01", length_of_stay="121"),
        _row(length_of_stay="8"),
    ]
    assert _check("discharges", rows) == [[], []]
    found = _check("discharges", rows, plausibility=rules)
    assert [r.split(":")[0] for _, r in found[0]] == ["los_bound"]
    assert "is above 90 days" in found[0][0][1]
    assert [r.split(":")[0] for _, r in found[1]] == ["los_dates"]


def test_a_pack_naming_a_wrong_table_column_or_type_is_reported_at_its_line(tmp_path):
    folder = _copy(
        tmp_path,
        lambda t: t.replace("total: total_cost\n    parts: [fund_paid", "total: total_costs\n"
                            "    parts: [fund_paid", 1)
        .replace("institutions: [closed_on]", "institutions: [name_zh]")
        .replace("- table: discharges\n    length_of_stay", "- table: dischargez\n"
                 "    length_of_stay", 1),
    )  # fmt: skip
    issues = [i for i in check_pack(folder) if i.level is Level.ERROR]
    codes = sorted((i.code, i.field) for i in issues)
    assert codes == [
        ("column-type", "dates.planned.institutions.0"),
        ("unknown-column", "parts.1.total"),
        ("unknown-table", "stays.0.table"),
    ]
    assert all(i.line is not None and i.file.endswith("plausibility-2021.yaml") for i in issues)
    assert check_pack("plausibility-2021") == []
