"""Referential integrity, identity numbers, codes, dates and money of the tiny world."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from yigong.schema.codes import code_values
from yigong.schema.tables import DISCHARGE_COST_COLUMNS, TABLES
from yigong.synth.ids import is_valid
from yigong.synth.outpatient import OP_COST_COLUMNS


def values(t: pa.Table, col: str) -> list:
    return t.column(col).to_pylist()


def test_references_resolve(tiny_tables: dict[str, pa.Table]) -> None:
    def known(ref: str) -> set:
        table, column = ref.split(".")
        return set(values(tiny_tables[table], column))

    checked = 0
    for t in TABLES:
        for c in t.columns:
            if c.ref:
                used = {v for v in values(tiny_tables[t.name], c.name) if v is not None}
                missing = used - known(c.ref)
                assert not missing, f"{t.name}.{c.name}: {sorted(missing)[:5]}"
                checked += 1
    assert checked >= 20


def test_every_patient_is_a_resident(tiny_tables: dict[str, pa.Table]) -> None:
    residents = set(values(tiny_tables["persons"], "id_number"))
    for name in (
        "discharges",
        "outpatient_visits",
        "settlements",
        "referrals",
        "family_doctor_contracts",
        "examinations",
    ):
        t = tiny_tables[name]
        col = next(c for c in t.column_names if c.endswith("id_number"))
        assert set(values(t, col)) <= residents, name


def test_identity_numbers_are_valid_unique_and_match_sex_and_birth(
    tiny_tables: dict[str, pa.Table],
) -> None:
    persons = tiny_tables["persons"].to_pylist()
    numbers = [p["id_number"] for p in persons]
    assert len(set(numbers)) == len(numbers)
    for p in persons:
        n = p["id_number"]
        assert is_valid(n), n
        assert n[:6] == "130423"
        assert n[6:14] == p["birth_date"].strftime("%Y%m%d")
        assert int(n[16]) % 2 == (1 if p["sex"] == "1" else 0)
    staff = tiny_tables["staff"]
    staff_numbers = set(values(staff, "staff_id_number"))
    assert all(is_valid(n) for n in staff_numbers)
    assert not staff_numbers & set(numbers)
    # one person, one number: the same staff member keeps it across snapshots
    per_year = staff.group_by("snapshot_date").aggregate([("staff_id_number", "count_distinct")])
    assert len(per_year) == 2


def test_known_check_character() -> None:
    assert is_valid("11010519491231002X")  # the example of GB 11643-1999
    assert not is_valid("110105194912310021")


def test_no_identity_number_outside_identity_columns(tiny_tables: dict[str, pa.Table]) -> None:
    pattern = r"(^|[^0-9])[0-9]{17}[0-9X]([^0-9]|$)"
    for t in TABLES:
        raw = {c.pseudonymise for c in t.columns if c.pseudonymise}
        data = tiny_tables[t.name]
        for name in data.column_names:
            if name in raw or not pa.types.is_string(data.schema.field(name).type):
                continue
            hits = pc.sum(pc.match_substring_regex(data.column(name), pattern)).as_py()
            assert not hits, f"{t.name}.{name} carries identity-like numbers"


def test_coded_columns_use_known_codes(tiny_tables: dict[str, pa.Table]) -> None:
    for t in TABLES:
        for c in t.columns:
            if not c.codes or c.codes == "division":
                continue
            allowed = set(code_values(c.codes))
            col = values(tiny_tables[t.name], c.pseudonymise or c.name)
            # an empty list element is an item without a value (no grade for a diagnostic
            # procedure, no incision, no anaesthesia)
            used = {x for v in col if v for x in (v.split("|") if c.is_list else [v]) if x}
            assert used <= allowed, f"{t.name}.{c.name}: {sorted(used - allowed)[:5]}"


def test_aligned_lists_have_equal_lengths(tiny_tables: dict[str, pa.Table]) -> None:
    d = tiny_tables["discharges"].to_pylist()
    table = next(t for t in TABLES if t.name == "discharges")
    pairs = [(c.name, c.aligned_with) for c in table.columns if c.aligned_with]
    for row in d:
        for a, b in pairs:
            if row[a] is None and row[b] is not None:  # a detail list left empty: not recorded
                assert a.startswith("procedure_") and a != "procedure_dates", (a, row)
                continue
            # "" is one empty element (a procedure without a grade); null is no list
            la = len(row[a].split("|")) if row[a] is not None else 0
            lb = len(row[b].split("|")) if row[b] is not None else 0
            assert la == lb, (row["discharge_id"], a, b)
    assert any(r["procedure_codes"] and "|" in r["diagnosis_codes"] for r in d)


def test_date_orders_hold(tiny_tables: dict[str, pa.Table]) -> None:
    for t in TABLES:
        for rule in t.date_orders:
            for row in tiny_tables[t.name].select([rule.earlier, rule.later]).to_pylist():
                a, b = row[rule.earlier], row[rule.later]
                if a is not None and b is not None:
                    assert a <= b, (t.name, rule, row)


def test_required_columns_are_filled(tiny_tables: dict[str, pa.Table]) -> None:
    for t in TABLES:
        for c in t.columns:
            if c.required:
                col = tiny_tables[t.name].column(c.pseudonymise or c.name)
                assert col.null_count == 0, f"{t.name}.{c.name}"


def test_cost_categories_add_up_to_the_fen(tiny_tables: dict[str, pa.Table]) -> None:
    for row in tiny_tables["discharges"].to_pylist():
        assert sum(row[c] for c in DISCHARGE_COST_COLUMNS) == row["total_cost"], row["discharge_id"]
        assert Decimal(0) <= row["self_paid"] <= row["total_cost"]
        assert row["total_cost"].as_tuple().exponent == -2
    for row in tiny_tables["outpatient_visits"].to_pylist():
        assert sum(row[c] for c in OP_COST_COLUMNS) == row["total_cost"], row["visit_id"]
    for row in tiny_tables["settlements"].to_pylist():
        assert row["fund_paid"] + row["personal_paid"] == row["total_cost"]
        assert row["fund_paid"] >= 0 and row["personal_paid"] >= 0


def test_settlements_link_to_front_pages(tiny_tables: dict[str, pa.Table]) -> None:
    d = {r["discharge_id"]: r for r in tiny_tables["discharges"].to_pylist()}
    linked = [s for s in tiny_tables["settlements"].to_pylist() if s["discharge_id"]]
    assert linked
    for s in linked:
        page = d[s["discharge_id"]]
        assert s["total_cost"] == page["total_cost"]
        assert s["personal_paid"] == page["self_paid"]
        assert s["person_id_number"] == page["patient_id_number"]


def test_memberships_have_history_and_villages_sit_under_centres(
    tiny_tables: dict[str, pa.Table],
) -> None:
    inst = {r["institution_id"]: r for r in tiny_tables["institutions"].to_pylist()}
    rows = tiny_tables["community_memberships"].to_pylist()
    assert any(
        r["valid_to"] is not None
        for r in rows
        if inst[r["institution_id"]]["institution_type"] == "township_centre"
    )
    for r in rows:
        if r["role"] == "village":
            assert inst[r["institution_id"]]["institution_type"] == "village_clinic"
            assert inst[r["parent_institution_id"]]["institution_type"] == "township_centre"
    assert sum(r["role"] == "lead" for r in rows) == tiny_tables["communities"].num_rows


def test_population_matches_the_roster(tiny_tables: dict[str, pa.Table]) -> None:
    pop = {
        (r["division_code"], r["year"]): r["resident_population"]
        for r in tiny_tables["population"].to_pylist()
    }
    persons = tiny_tables["persons"].to_pylist()
    born_by_2024 = sum(p["birth_date"] <= date(2024, 12, 31) for p in persons)
    assert 0.95 * born_by_2024 <= pop[("130423", 2024)] <= born_by_2024
    townships = [v for (code, y), v in pop.items() if len(code) == 9 and y == 2024]
    assert sum(townships) == pop[("130423", 2024)]
