"""Clinical and organisational plausibility of the tiny world."""

from __future__ import annotations

import pyarrow as pa


def rows(t: dict[str, pa.Table], name: str) -> list[dict]:
    return t[name].to_pylist()


def test_deliveries_only_for_women_of_childbearing_age(tiny_tables: dict[str, pa.Table]) -> None:
    deliveries = [
        d for d in rows(tiny_tables, "discharges") if d["diagnosis_codes"][:3] in ("O80", "O82")
    ]
    assert deliveries
    assert all(d["sex"] == "2" and 18 <= d["age_years"] <= 45 for d in deliveries)
    caesareans = [d for d in deliveries if d["diagnosis_codes"].startswith("O82")]
    assert any((d["procedure_codes"] or "").startswith("74.1") for d in caesareans)


def test_prostate_only_for_men_and_obstetrics_only_for_women(
    tiny_tables: dict[str, pa.Table],
) -> None:
    for d in rows(tiny_tables, "discharges"):
        principal = d["diagnosis_codes"].split("|")[0]
        if principal[:3] in ("N40", "C61"):
            assert d["sex"] == "1"
        if principal[0] == "O" or principal[:3] in ("D25", "C53", "N83"):
            assert d["sex"] == "2"
    for v in rows(tiny_tables, "outpatient_visits"):
        if (v["diagnosis_code"] or "")[:3] == "N40":
            assert v["patient_id_number"][16] in "13579"


def test_newborns_carry_age_in_days_and_birth_weight(tiny_tables: dict[str, pa.Table]) -> None:
    newborns = [d for d in rows(tiny_tables, "discharges") if d["birth_weight_g"] is not None]
    assert newborns
    for d in newborns:
        assert d["age_years"] == 0 and d["age_days"] is not None and d["age_days"] < 28
        assert d["diagnosis_codes"][0] == "P"
        assert 700 <= d["birth_weight_g"] <= 4800
    infants = [d for d in rows(tiny_tables, "discharges") if d["age_years"] == 0]
    assert all(d["age_days"] is not None for d in infants)
    assert all(
        d["age_days"] is None for d in rows(tiny_tables, "discharges") if d["age_years"] >= 1
    )


def test_discharge_modes_deaths_transfers_and_routes(tiny_tables: dict[str, pa.Table]) -> None:
    d = rows(tiny_tables, "discharges")
    modes = {m: [r for r in d if r["discharge_mode"] == m] for m in "12345"}
    assert modes["1"] and modes["5"]
    assert len(modes["1"]) > 0.8 * len(d)
    for r in modes["2"] + modes["3"]:
        assert r["receiving_institution"]
    inst = {r["institution_id"]: r["institution_type"] for r in rows(tiny_tables, "institutions")}
    assert all(inst[r["receiving_institution"]] == "township_centre" for r in modes["3"])
    assert all(r["receiving_institution"] is None for r in modes["1"])
    assert any(r["admission_route"] == "3" for r in d)
    referred_ids = {
        r["patient_id_number"] for r in rows(tiny_tables, "referrals") if r["direction"] == "up"
    }
    assert all(r["patient_id_number"] in referred_ids for r in d if r["admission_route"] == "3")


def test_out_of_county_care_appears_only_in_settlements(tiny_tables: dict[str, pa.Table]) -> None:
    inst = {r["institution_id"] for r in rows(tiny_tables, "institutions")}
    s = rows(tiny_tables, "settlements")
    outside = [r for r in s if r["service_area"] != r["insured_area"]]
    inside = [r for r in s if r["service_area"] == r["insured_area"]]
    assert outside and inside
    assert all(r["provider_code"] not in inst and r["discharge_id"] is None for r in outside)
    assert all(r["provider_code"] in inst for r in inside)
    assert {r["institution_id"] for r in rows(tiny_tables, "discharges")} <= inst
    assert any(r["care_type"] == "inpatient" for r in outside)
    assert any(r["is_referred"] for r in outside if r["care_type"] == "inpatient")


def test_every_insured_stay_is_settled(tiny_tables: dict[str, pa.Table]) -> None:
    persons = {p["id_number"]: p["scheme"] for p in rows(tiny_tables, "persons")}
    settled = {s["discharge_id"] for s in rows(tiny_tables, "settlements") if s["discharge_id"]}
    for d in rows(tiny_tables, "discharges"):
        assert (d["discharge_id"] in settled) == (persons[d["patient_id_number"]] != "none")


def test_costs_rise_with_the_level_of_care(tiny_tables: dict[str, pa.Table]) -> None:
    inst = {r["institution_id"]: r["institution_type"] for r in rows(tiny_tables, "institutions")}

    def mean(values: list) -> float:
        return float(sum(values) / len(values))

    d = rows(tiny_tables, "discharges")
    township = mean([r["total_cost"] for r in d if inst[r["institution_id"]] == "township_centre"])
    county = mean([r["total_cost"] for r in d if inst[r["institution_id"]].startswith("county")])
    outside = mean(
        [
            r["total_cost"]
            for r in rows(tiny_tables, "settlements")
            if r["care_type"] == "inpatient" and r["discharge_id"] is None
        ]
    )
    assert township < county < outside
    v = rows(tiny_tables, "outpatient_visits")
    village = mean([r["total_cost"] for r in v if inst[r["institution_id"]] == "village_clinic"])
    hospital = mean([r["total_cost"] for r in v if inst[r["institution_id"]].startswith("county")])
    assert village < hospital


def test_recognised_examinations_point_to_earlier_results(tiny_tables: dict[str, pa.Table]) -> None:
    exams = {e["exam_id"]: e for e in rows(tiny_tables, "examinations")}
    recognised = [e for e in exams.values() if e["recognised_exam_id"]]
    assert recognised
    for e in recognised:
        earlier = exams[e["recognised_exam_id"]]
        assert earlier["exam_date"] <= e["exam_date"]
        assert earlier["patient_id_number"] == e["patient_id_number"]
        assert earlier["exam_type"] == e["exam_type"] and e["cost"] == 0


def test_village_clinics_share_public_health_work(tiny_tables: dict[str, pa.Table]) -> None:
    inst = {r["institution_id"]: r["institution_type"] for r in rows(tiny_tables, "institutions")}
    ph = rows(tiny_tables, "public_health_tasks")
    total = sum(r["funds"] for r in ph)
    village = sum(r["funds"] for r in ph if inst[r["institution_id"]] == "village_clinic")
    assert 0.35 < village / total < 0.65
    assert all(r["tasks_done"] <= r["tasks_assigned"] for r in ph)
    assert not any(
        r["program"] == "vaccination" and inst[r["institution_id"]] == "village_clinic" for r in ph
    )


def test_finance_is_built_from_the_encounters(tiny_tables: dict[str, pa.Table]) -> None:
    f = {(r["institution_id"], r["year"]): r for r in rows(tiny_tables, "finance")}
    for r in f.values():
        assert r["medical_revenue"] == r["outpatient_revenue"] + r["inpatient_revenue"]
        assert r["service_revenue"] == (
            r["medical_revenue"]
            - r["drug_revenue"]
            - r["consumable_revenue"]
            - r["examination_revenue"]
            - r["laboratory_revenue"]
        )
        assert r["total_liabilities"] <= r["total_assets"]
    stays = [d for d in rows(tiny_tables, "discharges") if d["discharge_date"].year == 2024]
    by_inst: dict[str, object] = {}
    for d in stays:
        by_inst[d["institution_id"]] = by_inst.get(d["institution_id"], 0) + d["total_cost"]
    for inst_id, total in by_inst.items():
        assert f[(inst_id, 2024)]["inpatient_revenue"] == total
