"""Deliberately broken ingest files, with a manifest of every planted error.

`write_faults` writes one CSV per ingestable table into a directory: good rows taken from a
small generated world, followed by rows that each break exactly one validation rule, plus
`expected.csv` (file, row_no, field, rule) listing every planted error. `row_no` is the
1-based data row (the header is not counted); a missing column has an empty `row_no` and a
malformed line an empty `field`. A duplicate key is reported on the later row, with the key
columns joined by ``+`` as field.
"""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pacsv

from yigong.schema.tables import TABLES
from yigong.schema.tables import table as schema_table
from yigong.synth.generate import generate_tables
from yigong.synth.writer import _csv_ready, conform

RULES = (
    "required",
    "type",
    "code",
    "date_order",
    "minimum",
    "maximum",
    "reference",
    "raw_id_number",
    "list_alignment",
    "duplicate_key",
    "missing_column",
    "malformed",
    # plausibility (ingest/plausibility/packs/plausibility-2021)
    "date_window",
    "los_bound",
    "los_dates",
    "part_total",
    "parts_sum",
)
GOOD_ROWS = 4
UNKNOWN_INSTITUTION = "H99999999999"


@dataclass
class FaultFile:
    """Rows of one file as text, and the errors planted in it."""

    name: str
    header: list[str]
    rows: list[dict[str, str] | list[str]]
    expected: list[tuple[str, str, str]] = field(default_factory=list)  # (row_no, field, rule)

    def bad(
        self, source: dict[str, str], rule: str, column: str, value: str, **changes: str
    ) -> None:
        """Append a copy of `source` with `column` set to `value` (and `changes` to stay unique)."""
        row = copy.copy(source)
        row.update(changes)
        row[column] = value
        self.rows.append(row)
        self.expected.append((str(len(self.rows)), column, rule))

    def duplicate(self) -> None:
        """Append a copy of the first good row (same natural key)."""
        self.rows.append(copy.copy(self.rows[0]))
        self.expected.append(
            (str(len(self.rows)), "+".join(schema_table(self.name).key), "duplicate_key")
        )

    def malformed(self, line: list[str]) -> None:
        self.rows.append(line)
        self.expected.append((str(len(self.rows)), "", "malformed"))


def _text_rows(name: str, data) -> tuple[list[str], list[dict[str, str]]]:
    buf = io.BytesIO()
    pacsv.write_csv(_csv_ready(conform(name, data)), buf, pacsv.WriteOptions(quoting_style="none"))
    reader = csv.reader(io.StringIO(buf.getvalue().decode("utf-8")))
    header = [h.strip('"') for h in next(reader)]
    return header, [dict(zip(header, r, strict=True)) for r in reader]


def _plant(f: FaultFile, pool: list[dict[str, str]], id_number: str) -> None:
    """The planted errors of each file (`pool` holds spare good rows with distinct keys)."""
    g = pool[0]
    spare = iter(pool[1:])
    nxt = lambda: next(spare, g)  # noqa: E731
    match f.name:
        case "admin_divisions":
            # new division codes: a copy of a kept row would also repeat its natural key
            f.bad(nxt(), "required", "name_zh", "", division_code="130423991")
            f.bad(nxt(), "code", "level", "district", division_code="130423992")
            f.bad(nxt(), "date_order", "valid_to", "2010-01-01", division_code="130423993")
        case "institutions":
            f.bad(g, "code", "institution_type", "clinic_x", institution_id="H13042399001")
            f.bad(g, "reference", "division_code", "999999", institution_id="H13042399002")
            f.bad(g, "maximum", "emr_level", "9", institution_id="H13042399003")
            f.bad(g, "type", "opened_on", "2020-13-45", institution_id="H13042399004")
            f.bad(g, "date_order", "closed_on", "1949-01-01", institution_id="H13042399005")
        case "communities":
            f.bad(g, "reference", "county_code", "990000", community_id="C130423X1")
            f.duplicate()
        case "community_memberships":
            f.bad(g, "reference", "community_id", "CUNKNOWN", valid_from="2021-05-01", valid_to="")
            f.bad(g, "code", "role", "boss", valid_from="2021-06-01", valid_to="")
        case "population":
            f.bad(nxt(), "minimum", "resident_population", "-5")
            f.bad(g, "maximum", "year", "2200")
            f.bad(nxt(), "type", "registered_population", "12.5")
        case "insured_population":
            f.bad(g, "code", "scheme", "gold")
            f.bad(g, "required", "insured_count", "", year="2022")
        case "persons":
            f.bad(nxt(), "code", "sex", "3")
            f.bad(nxt(), "type", "birth_date", "19900230")
            f.bad(nxt(), "reference", "division_code", "130423999999")
        case "staff":
            f.bad(nxt(), "code", "qualification", "wizard")
            f.bad(nxt(), "type", "on_duty", "yes")
            f.bad(nxt(), "required", "snapshot_date", "")
            f.bad(nxt(), "reference", "institution_id", UNKNOWN_INSTITUTION)
        case "discharges":
            with_proc = next((r for r in reversed(pool) if r["procedure_codes"]), g)
            f.bad(nxt(), "code", "diagnosis_codes", "X99.999", diagnosis_conditions="1")
            f.bad(
                with_proc,
                "code",
                "procedure_codes",
                "|".join(["Z9.9999"] + with_proc["procedure_codes"].split("|")[1:]),
            )
            r = nxt()
            f.bad(
                r,
                "list_alignment",
                "diagnosis_conditions",
                "",
                diagnosis_codes=r["diagnosis_codes"].split("|")[0] + "|I10.x00",
            )
            f.rows[-1]["diagnosis_conditions"] = "1"
            f.bad(nxt(), "raw_id_number", "department", id_number)
            f.bad(nxt(), "raw_id_number", "case_no", id_number)
            r = nxt()  # admitted the day after the discharge: in the date window, out of order
            after = date.fromisoformat(r["discharge_date"]) + timedelta(days=1)
            f.bad(r, "date_order", "admission_date", after.isoformat())
            f.bad(nxt(), "minimum", "total_cost", "-100.00")
            f.bad(nxt(), "type", "self_paid", "1.2.3")
            f.duplicate()
            f.bad(nxt(), "reference", "institution_id", UNKNOWN_INSTITUTION)
            f.malformed(["D-BROKEN", "only", "three fields"])
            f.bad(nxt(), "code", "discharge_mode", "7")
            # plausibility: one rule each
            f.bad(nxt(), "los_bound", "length_of_stay", "99999")
            r = nxt()
            f.bad(r, "los_dates", "length_of_stay", str(int(r["length_of_stay"]) + 5))
            f.bad(nxt(), "date_window", "admission_date", "0001-01-01")
            r = nxt()
            f.bad(r, "part_total", "self_paid", str(Decimal(r["total_cost"]) + 1))
        case "outpatient_visits":
            f.bad(nxt(), "type", "is_appointment", "Y")
            f.bad(nxt(), "code", "visit_type", "walkin")
            f.bad(nxt(), "code", "diagnosis_code", "A00.999x999")
            f.bad(
                nxt(), "type", "appointment_slot_start", "2024-01-01 25:61:00", is_appointment="1"
            )
            f.bad(nxt(), "minimum", "cost_drugs", "-1.00")
            f.bad(nxt(), "required", "department", "")
        case "settlements":
            inpatient = [r for r in pool if r["discharge_date"]]
            f.bad(nxt(), "reference", "service_area", "999999")
            f.bad(nxt(), "code", "care_type", "spa")
            f.bad(inpatient[-1], "date_order", "discharge_date", "2000-01-01")
            f.bad(nxt(), "raw_id_number", "provider_name", id_number)
            f.bad(nxt(), "type", "settle_date", "2024/01/05")
            r = nxt()
            f.bad(r, "part_total", "fund_paid", str(Decimal(r["total_cost"]) + 1))
            r = nxt()  # each part within the total, both together above it
            f.bad(r, "parts_sum", "total_cost", r["total_cost"], fund_paid=r["total_cost"],
                  personal_paid="1.00")  # fmt: skip
        case "referrals":
            arrived = [r for r in pool if r["arrival_date"]]
            f.bad(nxt(), "code", "direction", "sideways")
            f.bad(arrived[-1], "date_order", "arrival_date", "2000-01-01", completed_date="")
            f.bad(nxt(), "reference", "from_institution_id", UNKNOWN_INSTITUTION)
            f.bad(nxt(), "type", "is_out_of_county", "2")
        case "family_doctor_contracts":
            f.bad(nxt(), "code", "key_population", "vip")
            f.bad(nxt(), "date_order", "end_date", "2000-01-01")
            f.bad(nxt(), "minimum", "fee_amount", "-30.00")
        case "examinations":
            f.bad(nxt(), "code", "exam_type", "xray3d")
            f.bad(nxt(), "reference", "performing_institution_id", UNKNOWN_INSTITUTION)
            f.malformed(["JC-BROKEN"])
            f.bad(nxt(), "raw_id_number", "exam_item", id_number)
        case "public_health_tasks":
            f.bad(nxt(), "code", "program", "yoga")
            f.bad(nxt(), "minimum", "tasks_done", "-1")
            f.duplicate()
        case "public_health_services":
            f.bad(nxt(), "code", "service_type", "massage")
            f.bad(nxt(), "maximum", "sbp", "400")
            f.bad(nxt(), "type", "fasting_glucose", "high")
            f.bad(nxt(), "reference", "institution_id", UNKNOWN_INSTITUTION)
        case "finance":
            f.bad(nxt(), "required", "medical_revenue", "")
            f.bad(nxt(), "type", "total_revenue", "many")
            f.bad(nxt(), "minimum", "energy_cost", "-5.00")
            f.bad(g, "reference", "institution_id", UNKNOWN_INSTITUTION)
        case "departments":
            # new department ids: a copy of a kept row would also repeat its natural key
            f.bad(nxt(), "code", "category", "surgery_x", department_id="H13042300001-X91")
            f.bad(nxt(), "reference", "institution_id", UNKNOWN_INSTITUTION,
                  department_id="H13042300001-X92")  # fmt: skip
            f.bad(nxt(), "date_order", "valid_to", "2000-01-01", department_id="H13042300001-X93")
            f.bad(nxt(), "minimum", "floor_area_m2", "-5", department_id="H13042300001-X94")
        case "department_costs":
            f.bad(nxt(), "reference", "department_id", f"{UNKNOWN_INSTITUTION}-X01")
            f.bad(nxt(), "maximum", "month", "13")
            f.bad(nxt(), "minimum", "cost_drugs", "-1.00")
            f.bad(nxt(), "required", "cost_personnel", "")
            f.duplicate()
        case "budget_lines":
            f.bad(nxt(), "code", "account", "expense_party", line_id="YS-BAD-1")
            f.bad(nxt(), "required", "approved_by", "", line_id="YS-BAD-2")
            f.bad(nxt(), "type", "annual_amount", "1,000", line_id="YS-BAD-3")
        case "budget_adjustments":
            f.bad(nxt(), "code", "status", "maybe")
            f.bad(nxt(), "date_order", "decided_on", "2000-01-01")
            f.bad(nxt(), "reference", "line_id", "YS-UNKNOWN")
            f.bad(nxt(), "type", "amount", "abc")
        case "budget_actuals":
            f.bad(nxt(), "reference", "line_id", "YS-UNKNOWN")
            f.bad(nxt(), "minimum", "actual_amount", "-5.00")
            f.duplicate()
        case "staff_pay":
            f.bad(nxt(), "minimum", "night_shift", "-1.00")
            f.bad(nxt(), "type", "post_pay", "abc")
            f.bad(nxt(), "reference", "department_id", f"{UNKNOWN_INSTITUTION}-X01")
        case "performance_pay_envelopes":
            f.bad(nxt(), "maximum", "appraisal_score", "101", year="2020")
            f.bad(nxt(), "minimum", "approved_total", "-1.00", year="2019")
        case "bed_stats":
            f.header.remove("open_beds")
            f.expected.append(("", "open_beds", "missing_column"))
        case "drug_master":
            f.bad(g, "code", "item_kind", "pill", item_code="ZZ0001")
            f.bad(g, "minimum", "strength", "-1", item_code="ZZ0002")
            f.bad(g, "type", "is_essential", "yes", item_code="ZZ0003")
            f.duplicate()
        case "formulary":
            f.bad(nxt(), "reference", "item_code", "NOPE")
            f.bad(nxt(), "type", "available", "maybe")
            f.bad(nxt(), "date_order", "valid_to", "2000-01-01")
        case "vbp_agreements":
            f.bad(nxt(), "minimum", "agreed_quantity", "-3")
            f.bad(nxt(), "maximum", "contract_year", "2200")
            f.bad(nxt(), "date_order", "period_end", "2000-01-01")
        case "purchase_orders":
            f.bad(nxt(), "type", "quantity", "1.5")
            f.bad(nxt(), "minimum", "amount", "-1.00")
            f.bad(nxt(), "reference", "institution_id", UNKNOWN_INSTITUTION)
            f.bad(nxt(), "required", "supplier_code", "")
            f.bad(nxt(), "date_order", "delivered_on", "2000-01-01")
        case "deliveries":
            f.bad(nxt(), "reference", "to_institution_id", UNKNOWN_INSTITUTION)
            f.bad(nxt(), "minimum", "quantity", "-1")
            f.bad(nxt(), "type", "delivered_on", "2024-02-30")
        case "service_prices":
            f.bad(g, "code", "cost_category", "misc", item_code="ZZ9001")
            f.bad(g, "minimum", "price_level3", "-1.00", item_code="ZZ9002")
            f.bad(g, "date_order", "valid_to", "2000-01-01", item_code="ZZ9003")
        case "prescriptions":
            f.bad(nxt(), "code", "setting", "ward")
            f.bad(nxt(), "required", "prescriber_key", "")
            f.bad(nxt(), "reference", "item_code", "NOPE")
            f.bad(nxt(), "raw_id_number", "department", id_number)
            f.bad(nxt(), "minimum", "ddd_count", "-1")
        case "charge_items":
            # copies of a line of the kept stay at no cost, so the stay still reconciles
            free = dict(g, amount="0.00", unit_price="0.00")
            f.bad(free, "code", "cost_category", "misc", charge_id="FYZ0000001")
            f.bad(free, "code", "charge_kind", "gift", charge_id="FYZ0000002")
            f.bad(free, "type", "charge_date", "2024-02-30", charge_id="FYZ0000003")
            f.bad(free, "minimum", "quantity", "-1", charge_id="FYZ0000004")
            f.bad(free, "required", "item_code", "", charge_id="FYZ0000005")
            f.bad(free, "raw_id_number", "item_name", id_number, charge_id="FYZ0000006")
            f.bad(free, "reference", "institution_id", UNKNOWN_INSTITUTION, charge_id="FYZ0000007")
        case "contribution_standards":
            f.bad(g, "code", "scheme", "gold")
            f.bad(g, "minimum", "individual", "-1.00", year="2031")
            f.bad(g, "required", "source", "", year="2032")
        case "fund_accounts":
            f.bad(g, "code", "scheme", "gold")
            f.bad(g, "type", "opening_balance", "lots", year="2031")
            f.bad(g, "reference", "division_code", "999999")
        case "designated_providers":
            f.bad(g, "code", "provider_kind", "clinic", provider_code="XBAD1")
            f.bad(g, "date_order", "designated_to", "2000-01-01", provider_code="XBAD2")
            f.bad(g, "reference", "institution_id", UNKNOWN_INSTITUTION, provider_code="XBAD3")
        case "provider_agreements":
            f.bad(g, "reference", "provider_code", "PUNKNOWN", agreement_id="XYBAD1")
            f.bad(g, "code", "payment_methods", "barter|fee_for_service", agreement_id="XYBAD2")
            f.bad(g, "date_order", "valid_to", "2000-01-01", agreement_id="XYBAD3")
        case "claim_submissions":
            f.bad(g, "maximum", "month", "13", submission_id="SBBAD1")
            f.bad(g, "date_order", "paid_date", "2000-01-01", submission_id="SBBAD2")
            f.bad(g, "minimum", "amount_claimed", "-5.00", submission_id="SBBAD3")
        case "agreement_inspections":
            f.bad(g, "minimum", "value", "-1.00", item="bad_value")
            f.bad(g, "reference", "provider_code", "PUNKNOWN")
            f.duplicate()
        case _:
            raise AssertionError(f"no faults planned for {f.name}")


def write_faults(out_dir: Path, *, seed: int = 7) -> Path:
    """Write broken files and `expected.csv` into `out_dir`; returns the manifest's path."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_tables("tiny", seed=seed, years=(2024,))
    _, persons = _text_rows("persons", tables["persons"])
    id_number = persons[0]["id_number"]
    manifest = []
    for t in TABLES:
        header, rows = _text_rows(t.name, tables[t.name])
        # keep the small reference tables whole so every good row's references resolve
        whole = ("admin_divisions", "institutions", "communities", "community_memberships",
                 "designated_providers", "departments", "budget_lines", "drug_master",
                 "service_prices")  # fmt: skip
        keep = len(rows) if t.name in whole else GOOD_ROWS
        good, pool = rows[:keep], rows[keep:] if len(rows) > keep else rows
        if t.name == "charge_items":  # every line of the first kept stay: it reconciles
            _, stays = _text_rows("discharges", tables["discharges"])
            stay = stays[0]["discharge_id"]
            good = [r for r in rows if r["encounter_id"] == stay]
            pool = good
        f = FaultFile(t.name, header, list(good))
        _plant(f, pool, id_number)
        _write(out / f"{t.name}.csv", f)
        manifest += [(f"{t.name}.csv", r, c, rule) for r, c, rule in f.expected]
    path = out / "expected.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "row_no", "field", "rule"])
        w.writerows(manifest)
    return path


def _write(path: Path, f: FaultFile) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(f.header)
        for row in f.rows:
            w.writerow(row if isinstance(row, list) else [row.get(h, "") for h in f.header])
