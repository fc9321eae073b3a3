"""A small hand-made county for the indicator tests (plain data; every expected value in the
tests is worked out by hand from these rows).

County 410101 has one medical community C1 (lead H1 tertiary general hospital, H2 TCM
hospital, township centre T1 and its village clinic V1; private hospital P1 joins on
2024-07-01). County 410102 has hospital B1 and no community. City 410100 holds both counties.
C1's members lie in township 410101001 (T1, V1) and at county level (H1, H2, P1), so its
residents are those of township 410101001 (population 120,000 in 2024); township 410101002
has residents (persons) but no population row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from yigong.ingest import load_rows
from yigong.schema.tables import BY_NAME
from yigong.services.warehouse import write_feed
from yigong.warehouse.backends.duckdb import DuckDBWarehouse
from yigong.warehouse.types import arrow_schema

D = Decimal
COUNTY, COUNTY_B, CITY = "410101", "410102", "410100"
TOWNSHIP, VILLAGE = "410101001", "410101001001"
TOWNSHIP_2 = "410101002"


def table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical rows as Arrow; columns a row does not give are null."""
    schema = arrow_schema(BY_NAME[name])
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return pa.table(cols, schema=schema)


def load(wh: DuckDBWarehouse, name: str, rows: list[dict[str, Any]]) -> None:
    load_rows(wh, name, table(name, rows))


def _division(code: str, name: str, level: str, parent: str | None) -> dict[str, Any]:
    return dict(
        division_code=code,
        name_zh=name,
        level=level,
        parent_code=parent,
        valid_from=date(2000, 1, 1),
    )


def _inst(
    iid: str, itype: str, level: str, ownership: str, division: str, emr: int | None = None
) -> dict[str, Any]:
    return dict(
        institution_id=iid,
        name_zh=iid,
        institution_type=itype,
        level=level,
        grade="A",
        ownership=ownership,
        division_code=division,
        emr_level=emr,
    )


def _discharge(
    did: str,
    inst: str,
    day: date,
    los: int,
    cost: str,
    *,
    western: str = "0",
    patent: str = "0",
    herbal: str = "0",
    mode: str = "1",
    day_surgery: bool = False,
    procs: list[tuple[str, str, str, str]] = (),
) -> dict[str, Any]:
    """procs: (ICD-9-CM-3 code, grade or '', emergency '1'/'0'/'', minimally invasive '1'/'0')."""
    return dict(
        discharge_id=did,
        institution_id=inst,
        case_no=did,
        admission_seq=1,
        patient_key=f"p{did}",
        sex="1",
        age_years=50,
        admission_route="2",
        admission_date=day,
        discharge_date=day,
        length_of_stay=los,
        department="内科",
        discharge_mode=mode,
        payer="2",
        diagnosis_codes=["I10.x00"],
        diagnosis_conditions=["1"],
        procedure_codes=[c for c, _, _, _ in procs] or None,
        procedure_grades=[g for _, g, _, _ in procs] or None,
        procedure_emergency=[e for _, _, e, _ in procs] or None,
        procedure_minimally_invasive=[m for _, _, _, m in procs] or None,
        is_day_surgery=day_surgery,
        total_cost=D(cost),
        cost_western_drugs=D(western),
        cost_patent_drugs=D(patent),
        cost_herbal_drugs=D(herbal),
    )


def _visits(
    inst: str,
    day: date,
    vtype: str,
    n: int,
    cost: str,
    drugs: str,
    special: int = 0,
    booked: int = 0,
) -> list[dict[str, Any]]:
    return [
        dict(
            visit_id=f"{inst}-{day}-{vtype}-{i}",
            institution_id=inst,
            patient_key=f"v{i}",
            visit_date=day,
            visit_type=vtype,
            department="内科",
            is_appointment=i < booked,
            has_prescription=True,
            is_special_needs=i < special,
            payer="2",
            total_cost=D(cost),
            cost_drugs=D(drugs),
        )
        for i in range(n)
    ]


def _settle(
    sid: str,
    insured: str,
    service: str,
    care: str,
    fund: str,
    day: date,
    method: str = "fee_for_service",
    provider: str = "X",
) -> dict[str, Any]:
    return dict(
        settlement_id=sid,
        provider_code=provider,
        service_area=service,
        insured_area=insured,
        person_key=f"s{sid}",
        scheme="resident",
        care_type=care,
        settle_date=day,
        total_cost=D(fund) * 2,
        fund_paid=D(fund),
        personal_paid=D(fund),
        payment_method=method,
    )


def _referral(
    rid: str,
    src: str,
    dst: str | None,
    direction: str,
    status: str,
    day: date,
    out: bool = False,
    arrived: date | None = None,
) -> dict[str, Any]:
    return dict(
        referral_id=rid,
        patient_key=f"r{rid}",
        from_institution_id=src,
        to_institution_id=dst,
        direction=direction,
        setting="outpatient",
        is_out_of_county=out,
        within_community=not out,
        status=status,
        request_date=day,
        arrival_date=arrived,
    )


def _staff(
    inst: str,
    snap: date,
    n: int,
    qual: str,
    *,
    on_duty: bool = True,
    specialty: str = "",
    category: str = "clinical",
    title: str = "junior",
    tag: str = "",
    gp: bool = False,
) -> list[dict[str, Any]]:
    return [
        dict(
            snapshot_date=snap,
            institution_id=inst,
            staff_key=f"{inst}-{qual}-{tag}{i}",
            qualification=qual,
            practice_category=category,
            specialty=specialty or None,
            title=title,
            on_duty=on_duty,
            is_general_practitioner=gp,
        )
        for i in range(n)
    ]


def _finance(inst: str, year: int, **amounts: str) -> dict[str, Any]:
    return dict(institution_id=inst, year=year, **{k: D(v) for k, v in amounts.items()})


def _operations(wh: DuckDBWarehouse) -> None:
    """H1's operations in 2024: two departments, their January costs, two budget lines with
    three adjustments (two approved) and their actuals (values in test_values.py)."""
    zero = {c: D(0) for c in ("cost_consumables", "cost_drugs", "cost_depreciation",
                               "cost_amortisation", "cost_risk_fund")}  # fmt: skip
    load(wh, "departments", [
        dict(department_id="H1-A01", institution_id="H1", code="A01", name_zh="院办公室",
             category="administrative", setting="none", staff_count=5, floor_area_m2=100.0,
             valid_from=date(2024, 1, 1)),
        dict(department_id="H1-I01", institution_id="H1", code="I01", name_zh="内科",
             category="clinical", setting="inpatient", staff_count=20, floor_area_m2=500.0,
             beds=30, valid_from=date(2024, 1, 1)),
    ])  # fmt: skip
    load(wh, "department_costs", [
        dict(department_id="H1-A01", institution_id="H1", year=2024, month=1,
             **{**zero, "cost_personnel": D("100000"), "cost_other": D("20000")}),
        dict(department_id="H1-I01", institution_id="H1", year=2024, month=1,
             cost_personnel=D("300000"), cost_drugs=D("200000"), cost_consumables=D("50000"),
             cost_depreciation=D("30000"), cost_amortisation=D(0), cost_risk_fund=D("1000"),
             cost_other=D("9000"), bed_days=600, discharges=70),
    ])  # fmt: skip
    plan = {f"plan_m{m:02d}": D(0) for m in range(2, 13)}
    load(wh, "budget_lines", [
        dict(line_id="L1", institution_id="H1", department_id="H1-I01", year=2024,
             account="expense_personnel", annual_amount=D("1000000"), plan_m01=D("1000000"),
             approved_on=date(2024, 1, 15), approved_by="院长办公会", **plan),
        dict(line_id="L2", institution_id="H1", year=2024, account="revenue_inpatient",
             annual_amount=D("2000000"), plan_m01=D("2000000"), approved_on=date(2024, 1, 15),
             approved_by="院长办公会", **plan),
    ])  # fmt: skip
    load(wh, "budget_adjustments", [
        dict(adjustment_id="A1", line_id="L1", institution_id="H1", year=2024, effective_month=7,
             amount=D("100000"), reason="r", requested_on=date(2024, 7, 1), status="approved",
             decided_on=date(2024, 7, 10)),
        dict(adjustment_id="A2", line_id="L1", institution_id="H1", year=2024, effective_month=9,
             amount=D("50000"), reason="r", requested_on=date(2024, 9, 1), status="rejected",
             decided_on=date(2024, 9, 10)),
        dict(adjustment_id="A3", line_id="L2", institution_id="H1", year=2024, effective_month=7,
             amount=D("-200000"), reason="r", requested_on=date(2024, 7, 1), status="approved",
             decided_on=date(2024, 7, 10)),
    ])  # fmt: skip
    load(wh, "budget_actuals", [
        dict(line_id="L1", institution_id="H1", year=2024, month=1, actual_amount=D("900000")),
        dict(line_id="L1", institution_id="H1", year=2024, month=2, actual_amount=D("150000")),
        dict(line_id="L2", institution_id="H1", year=2024, month=1, actual_amount=D("1700000")),
    ])  # fmt: skip


def build(path: str | None = None) -> DuckDBWarehouse:
    """The test county in a fresh warehouse (in memory unless a file path is given)."""
    wh = DuckDBWarehouse(path)
    load(
        wh,
        "admin_divisions",
        [
            _division("410000", "省", "province", None),
            _division(CITY, "市", "city", "410000"),
            _division(COUNTY, "甲县", "county", CITY),
            _division(COUNTY_B, "乙县", "county", CITY),
            _division(TOWNSHIP, "甲镇", "township", COUNTY),
            _division(TOWNSHIP_2, "乙镇", "township", COUNTY),
            _division(VILLAGE, "甲村", "village", TOWNSHIP),
        ],
    )
    load(
        wh,
        "institutions",
        [
            _inst("H1", "county_general", "3", "public", COUNTY, emr=5),
            _inst("H2", "county_tcm", "2", "public", COUNTY, emr=2),
            _inst("T1", "township_centre", "1", "public", TOWNSHIP),
            _inst("V1", "village_clinic", "0", "public", VILLAGE),
            _inst("P1", "private_hospital", "1", "private", COUNTY),
            _inst("B1", "county_general", "2", "public", COUNTY_B, emr=3),
        ],
    )
    load(
        wh,
        "communities",
        [
            dict(
                community_id="C1",
                name_zh="甲县医共体",
                county_code=COUNTY,
                valid_from=date(2020, 1, 1),
            )
        ],
    )
    mem = [
        ("H1", "lead", None, date(2020, 1, 1)),
        ("H2", "member", None, date(2020, 1, 1)),
        ("T1", "member", None, date(2020, 1, 1)),
        ("V1", "village", "T1", date(2020, 1, 1)),
        ("P1", "affiliate", None, date(2024, 7, 1)),
    ]
    load(
        wh,
        "community_memberships",
        [
            dict(institution_id=i, community_id="C1", role=r, parent_institution_id=p, valid_from=f)
            for i, r, p, f in mem
        ],
    )
    load(
        wh,
        "population",
        [
            dict(division_code=COUNTY, year=2023, resident_population=190000),
            dict(division_code=COUNTY, year=2024, resident_population=200000),
            dict(division_code=TOWNSHIP, year=2023, resident_population=115000),
            dict(division_code=TOWNSHIP, year=2024, resident_population=120000),
            dict(division_code=COUNTY_B, year=2024, resident_population=100000),
            dict(division_code=CITY, year=2024, resident_population=1000000),
        ],
    )
    load(
        wh,
        "discharges",
        [
            _discharge(
                "d1",
                "H1",
                date(2024, 1, 10),
                5,
                "10000",
                western="2000",
                patent="500",
                procs=[("36.0700", "4", "0", "1")],  # PCI stent: interventional (Handan OR list)
            ),
            _discharge(
                "d2",
                "H1",
                date(2024, 2, 15),
                3,
                "6000",
                western="1000",
                mode="3",
                procs=[("47.0900", "2", "1", "0")],  # appendicectomy, emergency
            ),
            _discharge(
                "d3",
                "H1",
                date(2024, 5, 20),
                10,
                "20000",
                western="3000",
                patent="1000",
                herbal="500",
                procs=[("51.2200", "3", "0", "0"), ("87.4400", "", "", "0")],
            ),
            _discharge(
                "d4",
                "H1",
                date(2024, 6, 30),
                1,
                "3000",
                western="200",
                day_surgery=True,
                # a day surgery whose procedure is flagged emergency: kept, and counted apart
                procs=[("53.0002", "1", "1", "1")],
            ),
            _discharge(
                "d5",
                "H1",
                date(2024, 11, 11),
                7,
                "8000",
                western="1500",
                mode="5",
                # a graded chest CT and haemodialysis (on the OR list): never surgery
                procs=[("87.4100", "1", "0", "0"), ("39.9500", "2", "0", "0")],
            ),
            _discharge("d6", "H1", date(2023, 3, 1), 4, "7000", western="1500"),
            _discharge("d7", "H1", date(2023, 8, 1), 6, "9000", western="2500"),
            _discharge("d8", "T1", date(2024, 3, 3), 4, "2000", western="600"),
            _discharge(
                "d9",
                "H2",
                date(2024, 4, 4),
                8,
                "5000",
                herbal="1000",
                procs=[("79.3200", "2", "0", "0")],
            ),
            _discharge(
                "d10", "B1", date(2024, 1, 20), 2, "4000", procs=[("81.5400", "4", "0", "0")]
            ),
        ],
    )
    visits = [
        *_visits("H1", date(2024, 1, 5), "outpatient", 6, "100", "40", special=1, booked=2),
        *_visits("H1", date(2024, 2, 5), "emergency", 2, "300", "100", booked=1),
        *_visits("H1", date(2024, 3, 5), "health_check", 1, "50", "0"),
        *_visits("H1", date(2023, 1, 5), "outpatient", 4, "90", "30"),
        *_visits("H1", date(2023, 2, 5), "emergency", 1, "200", "100"),
        *_visits("T1", date(2024, 4, 5), "outpatient", 8, "50", "20"),
        *_visits("T1", date(2024, 4, 6), "home_visit", 1, "0", "0"),
        *_visits("V1", date(2024, 5, 5), "outpatient", 5, "20", "10"),
        *_visits("H2", date(2024, 6, 5), "outpatient", 3, "80", "50"),
        *_visits("B1", date(2024, 6, 5), "outpatient", 4, "100", "40"),
        *_visits("P1", date(2024, 3, 5), "outpatient", 2, "100", "50"),
        *_visits("P1", date(2024, 9, 5), "outpatient", 2, "100", "50"),
    ]
    load(wh, "outpatient_visits", visits)
    load(
        wh,
        "settlements",
        [
            _settle("s1", COUNTY, COUNTY, "inpatient", "5000", date(2024, 1, 12), "drg", "H1"),
            _settle("s2", COUNTY, TOWNSHIP, "inpatient", "1000", date(2024, 3, 5), provider="T1"),
            _settle("s3", COUNTY, CITY, "inpatient", "8000", date(2024, 6, 1), "drg", "CITYH"),
            _settle("s4", COUNTY, "330100", "inpatient", "12000", date(2024, 9, 9), "dip"),
            _settle("s5", COUNTY, COUNTY, "outpatient", "30", date(2024, 2, 2), provider="T1"),
            _settle("s6", COUNTY, COUNTY_B, "outpatient", "100", date(2024, 4, 4), provider="B1"),
            _settle("s7", COUNTY, "410200", "pharmacy", "50", date(2024, 5, 5)),
            _settle(
                "s8", COUNTY, COUNTY, "outpatient_chronic", "20", date(2024, 7, 7), provider="V1"
            ),
            _settle("s9", COUNTY_B, COUNTY_B, "inpatient", "3000", date(2024, 2, 2), provider="B1"),
            _settle("s10", COUNTY, COUNTY, "inpatient", "4000", date(2023, 5, 5), provider="H1"),
            _settle(
                "s11", COUNTY_B, COUNTY, "outpatient", "3000000", date(2024, 10, 10), provider="H1"
            ),
            # 2023 admissions of residents of the other township: one in the county, one out
            _settle("s12", COUNTY, COUNTY, "inpatient", "3000", date(2023, 6, 6), provider="H1"),
            _settle("s13", COUNTY, "330100", "inpatient", "9000", date(2023, 8, 8), "dip"),
        ],
    )
    # where the insured persons live: ss1 ss2 ss3 ss5 ss10 in C1's township, the others not
    homes = {"ss1": VILLAGE, "ss2": VILLAGE, "ss3": TOWNSHIP, "ss5": VILLAGE, "ss10": VILLAGE}
    homes |= {f"ss{i}": TOWNSHIP_2 for i in (4, 6, 7, 8, 12, 13)}
    homes |= {"ss9": COUNTY_B, "ss11": COUNTY_B}
    load(
        wh,
        "persons",
        [
            dict(person_key=k, sex="1", birth_date=date(1960, 1, 1), division_code=v)
            for k, v in homes.items()
        ],
    )
    load(
        wh,
        "referrals",
        [
            _referral("r1", "T1", "H1", "up", "accepted", date(2024, 2, 1)),  # never arrived
            _referral(
                "r2", "V1", "T1", "up", "completed", date(2024, 3, 1), arrived=date(2024, 3, 2)
            ),
            _referral(
                "r3", "H1", "T1", "down", "arrived", date(2024, 4, 1), arrived=date(2024, 4, 2)
            ),
            _referral("r4", "H1", "T1", "down", "declined", date(2024, 5, 1)),
            _referral("r5", "T1", "H1", "up", "cancelled", date(2024, 6, 1)),
            _referral(
                "r6", "H1", None, "up", "completed", date(2024, 7, 1), True, date(2024, 7, 3)
            ),
            # requested in 2023, arrived in 2024: counted in 2024
            _referral(
                "r7", "T1", "H1", "up", "arrived", date(2023, 12, 30), arrived=date(2024, 1, 2)
            ),
        ],
    )
    y23, y24 = date(2023, 12, 31), date(2024, 12, 31)
    load(
        wh,
        "staff",
        [
            # H1 at the end of 2024: 10 physicians on duty (+1 off duty), 19 nurses, 2 pharmacists
            *_staff("H1", y24, 4, "licensed_physician", title="deputy_senior", tag="a"),
            *_staff("H1", y24, 2, "licensed_physician", specialty="麻醉科", tag="b"),
            *_staff("H1", y24, 1, "licensed_physician", specialty="儿科", tag="c"),
            *_staff("H1", y24, 1, "assistant_physician", specialty="重症医学科", tag="d"),
            *_staff("H1", y24, 1, "licensed_physician", specialty="病理科", tag="e"),
            *_staff("H1", y24, 1, "licensed_physician", category="tcm", tag="f"),
            *_staff("H1", y24, 1, "licensed_physician", on_duty=False, tag="g"),
            *_staff("H1", y24, 19, "registered_nurse", tag="h"),
            *_staff("H1", y24, 1, "registered_nurse", title="senior", tag="i"),
            *_staff("H1", y24, 2, "pharmacist", tag="j"),
            *_staff("H1", y24, 3, "technician", tag="k"),
            *_staff("H1", y24, 2, "management", title="senior", tag="l"),
            # H1 at the end of 2023: 8 physicians, 12 nurses
            *_staff("H1", y23, 8, "licensed_physician", tag="m"),
            *_staff("H1", y23, 12, "registered_nurse", tag="n"),
            # T1 end of 2024: 3 physicians, 4 nurses, 1 pharmacist; only a 2023 snapshot for H2
            *_staff("T1", y24, 3, "assistant_physician", tag="o", gp=True),
            *_staff("T1", y24, 4, "registered_nurse", tag="p"),
            *_staff("T1", y24, 1, "pharmacist", tag="q"),
            *_staff("H2", y23, 5, "licensed_physician", category="tcm", tag="r"),
            *_staff("H2", y23, 6, "registered_nurse", tag="s"),
        ],
    )
    load(
        wh,
        "bed_stats",
        [
            dict(
                institution_id="H1",
                year=2024,
                open_beds=300,
                open_bed_days=109500,
                occupied_bed_days=87600,
            ),
            dict(
                institution_id="H2",
                year=2024,
                open_beds=120,
                open_bed_days=43800,
                occupied_bed_days=30000,
            ),
            dict(
                institution_id="T1",
                year=2024,
                open_beds=30,
                open_bed_days=10950,
                occupied_bed_days=5000,
            ),
            dict(
                institution_id="P1",
                year=2024,
                open_beds=50,
                open_bed_days=18250,
                occupied_bed_days=9000,
            ),
            dict(
                institution_id="H1",
                year=2023,
                open_beds=280,
                open_bed_days=102200,
                occupied_bed_days=80000,
            ),
        ],
    )
    load(
        wh,
        "finance",
        [
            _finance(
                "H1",
                2024,
                medical_revenue="100000000",
                outpatient_revenue="30000000",
                inpatient_revenue="70000000",
                service_revenue="28000000",
                special_needs_revenue="1000000",
                fund_settlement_revenue="55000000",
                drug_revenue="30000000",
                consumable_revenue="8000000",
                basic_fiscal_subsidy="6000000",
                total_revenue="110000000",
                business_expenditure="95000000",
                admin_expenditure="8000000",
                personnel_expenditure="38000000",
                energy_cost="1100000",
                total_assets="200000000",
                total_liabilities="80000000",
            ),
            _finance(
                "H1",
                2023,
                medical_revenue="80000000",
                total_revenue="88000000",
                business_expenditure="76000000",
                personnel_expenditure="30000000",
            ),
            _finance(
                "H2",
                2024,
                medical_revenue="40000000",
                service_revenue="12000000",
                drug_revenue="14000000",
                consumable_revenue="2000000",
                basic_fiscal_subsidy="3000000",
                total_revenue="44000000",
                business_expenditure="41000000",
                admin_expenditure="4000000",
                personnel_expenditure="15000000",
                energy_cost="600000",
                total_assets="50000000",
                total_liabilities="30000000",
            ),
        ],
    )
    _operations(wh)
    load(
        wh,
        "public_health_tasks",
        [
            dict(
                institution_id="T1",
                year=2024,
                program="health_records",
                tasks_assigned=600,
                tasks_done=600,
                funds=D("60000"),
            ),
            dict(
                institution_id="V1",
                year=2024,
                program="health_records",
                tasks_assigned=400,
                tasks_done=400,
                funds=D("50000"),
            ),
            dict(
                institution_id="T1",
                year=2024,
                program="elderly_health",
                tasks_assigned=300,
                tasks_done=300,
                funds=D("30000"),
            ),
            dict(
                institution_id="V1",
                year=2024,
                program="elderly_health",
                tasks_assigned=200,
                tasks_done=200,
                funds=D("20000"),
            ),
            dict(
                institution_id="T1",
                year=2023,
                program="health_records",
                tasks_assigned=700,
                tasks_done=700,
                funds=D("70000"),
            ),
            dict(
                institution_id="V1",
                year=2023,
                program="health_records",
                tasks_assigned=300,
                tasks_done=300,
                funds=D("30000"),
            ),
        ],
    )
    load(
        wh,
        "family_doctor_contracts",
        [
            dict(
                contract_id="f1",
                person_key="p1",
                team_id="t",
                institution_id="T1",
                key_population="elderly",
                signed_date=date(2024, 1, 1),
                end_date=date(2024, 12, 31),
                fee_amount=D("120"),
            ),
            dict(
                contract_id="f2",
                person_key="p2",
                team_id="t",
                institution_id="T1",
                key_population="general",
                signed_date=date(2023, 6, 1),
                end_date=date(2024, 5, 31),
                fee_amount=D("120"),
            ),
            dict(
                contract_id="f3",
                person_key="p3",
                team_id="t",
                institution_id="T1",
                key_population="hypertension",
                signed_date=date(2024, 3, 1),
                end_date=date(2025, 2, 28),
                fee_amount=D("120"),
            ),
            dict(
                contract_id="f4",
                person_key="p4",
                team_id="v",
                institution_id="V1",
                key_population="general",
                signed_date=date(2024, 6, 1),
                end_date=date(2025, 5, 31),
                fee_amount=D("120"),
            ),
            dict(
                contract_id="f5",
                person_key="p1",
                team_id="v",
                institution_id="V1",
                key_population="elderly",
                signed_date=date(2024, 7, 1),
                end_date=date(2025, 6, 30),
                fee_amount=D("120"),
            ),
        ],
    )
    load(
        wh,
        "examinations",
        [
            dict(
                exam_id=f"e{i}",
                patient_key="x",
                ordering_institution_id="H1",
                performing_institution_id="H1",
                exam_type="ct",
                exam_item="CT",
                exam_date=date(2024, 8, 1),
                cost=D("200"),
                recognised_exam_id="e0" if i == 3 else None,
            )
            for i in range(4)
        ],
    )
    add_public_health(wh)
    return wh


def _reg(person: str, disease: str, division: str, **flags: Any) -> dict[str, Any]:
    row = dict(year=2024, person_key=person, disease=disease, division_code=division, age=60)
    row |= dict.fromkeys(("found", "on_register", "managed", "standard", "controlled"), False)
    row |= dict.fromkeys(("on_schedule", "overdue", "has_prescription", "long_prescription"), False)
    row |= dict(contracted=False, followups=0, quarters=0, days_overdue=0)
    return row | flags


def add_public_health(wh: DuckDBWarehouse) -> None:
    """Hand-made rows of the derived public-health tables (as `yigong health build` writes
    them): registers of 2024, expected patients, standardised workload, admission links."""
    from yigong.public_health.assessment import WORKLOAD_SCHEMA
    from yigong.public_health.links import LINKS_SCHEMA
    from yigong.public_health.register import EXPECTED_SCHEMA, REGISTER_SCHEMA

    town2 = TOWNSHIP_2 + "001"
    managed = dict(found=True, on_register=True, managed=True, followups=4, quarters=4)
    register = [
        # C1's residents (village 410101001001): 3 managed hypertension patients
        _reg("p1", "hypertension", VILLAGE, **managed, standard=True, controlled=True,
             on_schedule=True, has_prescription=True, long_prescription=True),
        _reg("p2", "hypertension", VILLAGE, **managed, standard=True, on_schedule=True,
             has_prescription=True),
        _reg("p3", "hypertension", VILLAGE, **(managed | dict(followups=2, quarters=2)),
             overdue=True, days_overdue=40),
        _reg("p6", "hypertension", VILLAGE, found=True),  # diagnosed, not managed
        _reg("p5", "diabetes", VILLAGE, **managed, standard=True, controlled=True,
             on_schedule=True, has_prescription=True),
        # township 410101002 (not C1's): one more managed, controlled hypertension patient
        _reg("p4", "hypertension", town2, **managed, standard=True, controlled=True,
             on_schedule=True),
    ]  # fmt: skip
    expected = [
        dict(year=2024, division_code=VILLAGE, disease="hypertension", adults=20, expected=5.5),
        dict(year=2024, division_code=VILLAGE, disease="diabetes", adults=20, expected=2.38),
        dict(year=2024, division_code=town2, disease="hypertension", adults=10, expected=2.75),
    ]
    workload = [
        dict(year=2024, institution_id=i, program=p, unit=u, tasks_assigned=n, tasks_done=n,
             equivalent=e, workload_assigned=n * e, workload_done=n * e, weight=10.0)
        for i, p, u, n, e in (
            ("T1", "health_records", "records", 600, 0.2),
            ("V1", "health_records", "records", 400, 0.2),
            ("T1", "elderly_health", "persons", 300, 1.0),
            ("V1", "elderly_health", "persons", 200, 1.0),
        )
    ]  # fmt: skip
    links = [
        dict(discharge_id="a1", year=2024, person_key="p1", disease="hypertension",
             residence_code=VILLAGE, institution_id="H1", principal_code="I10.x00x002",
             principal=True, avoidable=True, registered=True, followed_up=True),
        dict(discharge_id="a2", year=2024, person_key="p7", disease="diabetes",
             residence_code=VILLAGE, institution_id="H1", principal_code="J18.900",
             principal=False, avoidable=False, registered=False, followed_up=False),
        dict(discharge_id="a3", year=2024, person_key="p3", disease="hypertension",
             residence_code=VILLAGE, institution_id="T1", principal_code="I63.900",
             principal=False, avoidable=False, registered=True, followed_up=False),
    ]  # fmt: skip

    def arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
        return pa.table({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)

    write_feed(
        wh,
        {
            "ph_register": arrow(register, REGISTER_SCHEMA),
            "ph_expected": arrow(expected, EXPECTED_SCHEMA),
            "ph_workload": arrow(workload, WORKLOAD_SCHEMA),
            "ph_admission_links": arrow(links, LINKS_SCHEMA),
        },
    )
