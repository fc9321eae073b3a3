"""The reconciliation rule: a stay's charge lines add up to its front page by category and in
total, a visit's to its record; otherwise every line of the encounter is quarantined with a
reason naming the categories and both totals, and accepted + rejected = read still holds."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.conftest import KEY, discharge_row, id_number, write_csv
from yigong.ingest import ingest_paths
from yigong.schema.tables import table

PATIENT = id_number("13042319500101001")


def _line(cid: str, enc: str, cat: str, amount: str, setting: str = "inpatient") -> dict:
    kind = "drug" if cat.endswith("drugs") else "service"
    return dict(
        charge_id=cid,
        setting=setting,
        encounter_id=enc,
        institution_id="H1",
        patient_id_number=PATIENT,
        charge_date="2024-03-02",
        item_code="X1",
        item_name="项目",
        charge_kind=kind,
        cost_category=cat,
        quantity="1",
        unit_price=amount,
        amount=amount,
        in_operating_room="0",
    )


def test_unreconciled_encounters_are_quarantined_whole(files: Path, wh) -> None:
    stays = [
        discharge_row(discharge_id="D1", case_no="A1", total_cost="40.00",
                      cost_western_drugs="10.00", cost_general_service="30.00"),
        discharge_row(discharge_id="D2", case_no="A2", total_cost="50.00",
                      cost_western_drugs="", cost_general_service="50.00"),
    ]  # fmt: skip
    write_csv(files / "discharges.csv", stays, list(table("discharges").file_columns()))
    visit = dict(
        visit_id="V1", institution_id="H1", patient_id_number=PATIENT, visit_date="2024-03-05",
        visit_type="outpatient", department="内科", is_appointment="0", has_prescription="1",
        is_special_needs="0", payer="2", total_cost="15.00", cost_drugs="5.00",
    )  # fmt: skip
    write_csv(
        files / "outpatient_visits.csv", [visit], list(table("outpatient_visits").file_columns())
    )
    lines = [
        _line("C1", "D1", "western_drugs", "10.00"),
        _line("C2", "D1", "general_service", "30.00"),
        _line("C3", "D2", "general_service", "20.00"),
        _line("C4", "D2", "general_service", "25.00"),
        _line("C5", "D3", "general_service", "5.00"),
        _line("C6", "V1", "western_drugs", "5.00", "outpatient"),
        _line("C7", "V1", "diagnosis", "10.00", "outpatient"),
    ]
    write_csv(files / "charge_items.csv", lines, list(table("charge_items").file_columns()))
    reports = {r.table: r for r in ingest_paths(wh, [files], key=KEY)}
    r = reports["charge_items"]
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (7, 4, 3)
    assert r.errors_by_rule == {"reconciliation": 3}
    kept = set(wh.to_arrow(wh.table("charge_items").select("charge_id")).column(0).to_pylist())
    assert kept == {"C1", "C2", "C6", "C7"}
    t = wh.table("quarantine")
    t = t.filter(t.table_name == "charge_items").order_by("row_no")
    q = [
        tuple(r.values())
        for r in wh.to_arrow(t.select("row_no", "field", "value", "reason")).to_pylist()
    ]
    assert [(row, field, value) for row, field, value, _ in q] == [
        (3, "encounter_id", "D2"),
        (4, "encounter_id", "D2"),
        (5, "encounter_id", "D3"),
    ]
    assert "综合医疗服务类 45.00 ≠ 50.00" in q[0][3] and "总费用 45.00 ≠ 50.00" in q[0][3]
    assert "no front page" in q[2][3]


def test_a_visit_that_does_not_add_up_is_quarantined(files: Path, wh) -> None:
    visit = dict(
        visit_id="V1", institution_id="H1", patient_id_number=PATIENT, visit_date="2024-03-05",
        visit_type="outpatient", department="内科", is_appointment="0", has_prescription="1",
        is_special_needs="0", payer="2", total_cost="15.00", cost_drugs="6.00",
    )  # fmt: skip
    write_csv(
        files / "outpatient_visits.csv", [visit], list(table("outpatient_visits").file_columns())
    )
    lines = [
        _line("C6", "V1", "western_drugs", "5.00", "outpatient"),
        _line("C7", "V1", "diagnosis", "10.00", "outpatient"),
    ]
    write_csv(files / "charge_items.csv", lines, list(table("charge_items").file_columns()))
    reports = {r.table: r for r in ingest_paths(wh, [files], key=KEY)}
    assert reports["charge_items"].errors_by_rule == {"reconciliation": 2}
    reason = (
        wh.to_arrow(wh.table("quarantine").reason.min().name("r").as_table()).column(0)[0].as_py()
    )
    assert "药品费 5.00 ≠ 6.00" in reason
