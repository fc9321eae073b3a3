"""Each rule fires on a hand-made positive and stays silent on its near-miss negative.

The sources are plain in-memory Ibis tables (no warehouse), which also shows the engine is
backend-free. Every flag is checked for its numbers and the rows behind it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yigong.oversight import parse_period, screen
from yigong.oversight.spec import Rule

P2024 = parse_period(2024)
D = date.fromisoformat


class DictSources:
    def __init__(self, **tables: pa.Table) -> None:
        self.tables = {k: ibis.memtable(v) for k, v in tables.items()}

    def table(self, name: str) -> ir.Table:
        return self.tables[name]

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def list_tables(self) -> list[str]:
        return sorted(self.tables)


def rule(evaluator: str, entity: str = "case", **params: Any) -> Rule:
    return Rule(
        id=evaluator,
        name_zh="测",
        name_en="t",
        policy={"text": "t", "source": "t"},
        evaluator=evaluator,
        entity=entity,
        severity="high",
        params=params,
        interpretation="t",
    )


def discharges(*rows: dict[str, Any]) -> pa.Table:
    base = {
        "institution_id": "H1",
        "patient_key": "p1",
        "length_of_stay": 5,
        "discharge_mode": "1",
        "admission_route": "2",
        "diagnosis_codes": ["J18.900"],
        "procedure_codes": [],
        "total_cost": 5000.0,
    }
    full = []
    for r in rows:
        x = {**base, **r}
        x["admission_date"] = D(x["admission_date"])
        x["discharge_date"] = D(x["discharge_date"])
        full.append(x)
    schema = pa.schema(
        [
            ("discharge_id", pa.string()),
            ("institution_id", pa.string()),
            ("patient_key", pa.string()),
            ("admission_date", pa.date32()),
            ("discharge_date", pa.date32()),
            ("length_of_stay", pa.int64()),
            ("discharge_mode", pa.string()),
            ("admission_route", pa.string()),
            ("diagnosis_codes", pa.list_(pa.string())),
            ("procedure_codes", pa.list_(pa.string())),
            ("total_cost", pa.float64()),
        ]
    )
    return pa.Table.from_pylist(full, schema=schema)


def flagged(r: Rule, src: DictSources) -> dict[str, Any]:
    run = screen([r], src, P2024)
    assert not run.skipped, run.skipped
    return {f.entity_id: f for f in run.flags}


def test_split_admission() -> None:
    d = discharges(
        {"discharge_id": "a1", "admission_date": "2024-03-01", "discharge_date": "2024-03-06"},
        {
            "discharge_id": "a2",
            "admission_date": "2024-03-12",
            "discharge_date": "2024-03-15",
        },  # 6 d
        {
            "discharge_id": "b1",
            "patient_key": "p2",
            "admission_date": "2024-03-01",
            "discharge_date": "2024-03-06",
        },
        {
            "discharge_id": "b2",
            "patient_key": "p2",
            "admission_date": "2024-03-22",
            "discharge_date": "2024-03-25",
        },  # 16 d
        {
            "discharge_id": "c1",
            "patient_key": "p3",
            "admission_date": "2024-03-01",
            "discharge_date": "2024-03-06",
        },
        {
            "discharge_id": "c2",
            "patient_key": "p3",
            "admission_date": "2024-03-08",
            "discharge_date": "2024-03-10",
            "diagnosis_codes": ["K35.800"],
        },  # other diagnosis
    )
    out = flagged(
        rule("split_admission", max_gap_days=15, diagnosis_chars=3), DictSources(discharges=d)
    )
    assert set(out) == {"a2"}
    f = out["a2"]
    assert f.numbers["gap_days"] == 6 and f.rows == ["discharges:a1", "discharges:a2"]
    assert "6 d" in f.reason_en and "≤ 15 d" in f.reason_en


def test_low_threshold_admission() -> None:
    d = discharges(
        {
            "discharge_id": "yes",
            "admission_date": "2024-05-01",
            "discharge_date": "2024-05-03",
            "length_of_stay": 2,
            "total_cost": 700.0,
        },
        {
            "discharge_id": "dear",
            "admission_date": "2024-05-01",
            "discharge_date": "2024-05-03",
            "length_of_stay": 2,
            "total_cost": 800.01,
        },
        {
            "discharge_id": "op",
            "admission_date": "2024-05-01",
            "discharge_date": "2024-05-03",
            "length_of_stay": 2,
            "total_cost": 700.0,
            "procedure_codes": ["47.0100"],
        },
        {
            "discharge_id": "er",
            "admission_date": "2024-05-01",
            "discharge_date": "2024-05-03",
            "length_of_stay": 2,
            "total_cost": 700.0,
            "admission_route": "1",
        },
    )
    r = rule(
        "low_threshold_admission",
        max_los=2,
        max_total_cost=800,
        admission_routes=["2"],
        discharge_modes=["1"],
    )
    out = flagged(r, DictSources(discharges=d))
    assert set(out) == {"yes"} and out["yes"].numbers["total_cost"] == 700.0


def _group(prefix: str, values: list[float], measure: str, dx: str) -> list[dict[str, Any]]:
    return [
        {
            "discharge_id": f"{prefix}{i}",
            "admission_date": "2024-06-01",
            "discharge_date": "2024-06-20",
            "diagnosis_codes": [dx],
            measure: v,
        }
        for i, v in enumerate(values)
    ]


def test_overlong_stay_by_diagnosis_group() -> None:
    d = discharges(
        *_group("g", [5, 5, 5, 5, 21], "length_of_stay", "I63.900"),
        *_group("h", [5, 5, 5, 5, 20], "length_of_stay", "I21.900"),
    )  # exactly 4 × median
    r = rule("overlong_stay", group_by="diagnosis3", multiple_of_median=4, min_group_cases=5)
    out = flagged(r, DictSources(discharges=d))
    assert set(out) == {"g4"}
    assert out["g4"].numbers["group_median"] == 5 and out["g4"].numbers["threshold"] == 20


def test_high_cost_outlier_by_drg() -> None:
    d = discharges(
        *_group("g", [1000, 1000, 1000, 6100], "total_cost", "I63.900"),
        *_group("h", [1000, 1000, 1000, 6000], "total_cost", "I63.900"),
    )
    drg = pa.table(
        {
            "discharge_id": [f"{p}{i}" for p in "gh" for i in range(4)],
            "scheme": ["s"] * 8,
            "drg": ["BR21"] * 4 + ["BR23"] * 4,
        }
    )
    r = rule(
        "high_cost_outlier", group_by="drg", scheme="s", multiple_of_median=6, min_group_cases=4
    )
    out = flagged(r, DictSources(discharges=d, drg_results=drg))
    assert set(out) == {"g3"} and out["g3"].numbers["group"] == "BR21"
    # without drg_results the rule is reported as not evaluated, never silently empty
    run = screen([r], DictSources(discharges=d), P2024)
    assert "drg_results" in run.skipped["high_cost_outlier"]


def test_upcoding_against_own_history_and_peers() -> None:
    rows, results = [], []
    rates = {"A": (0.2, 0.5), "B": (0.2, 0.25), "C": (0.3, 0.3)}  # B: +5 points only
    for inst, (before, now) in rates.items():
        for year, rate in ((2023, before), (2024, now)):
            for i in range(20):
                did = f"{inst}{year}-{i}"
                rows.append(
                    {
                        "discharge_id": did,
                        "institution_id": inst,
                        "admission_date": f"{year}-04-01",
                        "discharge_date": f"{year}-04-05",
                    }
                )
                results.append(
                    {"discharge_id": did, "scheme": "s", "has_cc": i < rate * 20, "has_mcc": False}
                )
    src = DictSources(discharges=discharges(*rows), drg_results=pa.Table.from_pylist(results))
    r = rule(
        "upcoding",
        entity="institution",
        scheme="s",
        min_cases=20,
        min_rate_jump=0.1,
        min_above_peers=0.05,
    )
    out = flagged(r, src)
    assert set(out) == {"A"}
    n = out["A"].numbers
    assert (n["cc_rate"], n["prior_rate"], n["peer_median"], n["cc_cases"]) == (0.5, 0.2, 0.3, 10)


def test_cmi_jump_against_own_history_and_same_level_peers() -> None:
    rows, facts = [], []
    cmi = {"A": (1.0, 1.2), "B": (1.0, 1.14), "C": (1.1, 1.15), "T": (0.6, 0.8)}  # B: +14 % only
    for inst, (before, now) in cmi.items():
        for year, w in ((2023, before), (2024, now)):
            for i in range(10):
                did = f"{inst}{year}-{i}"
                rows.append(
                    {
                        "discharge_id": did,
                        "institution_id": inst,
                        "admission_date": f"{year}-04-01",
                        "discharge_date": f"{year}-04-05",
                    }
                )
                facts.append({"discharge_id": did, "scheme": "s", "weighted": True, "weight": w})
    institutions = pa.table({"institution_id": ["A", "B", "C", "T"], "level": ["2", "2", "2", "1"]})
    src = DictSources(
        discharges=discharges(*rows),
        drg_case_facts=pa.Table.from_pylist(facts),
        institutions=institutions,
    )
    r = rule(
        "cmi_jump",
        entity="institution",
        scheme="s",
        min_cases=10,
        min_cmi_jump=0.15,
        min_above_peers=0.0,
    )
    out = flagged(r, src)
    # T rose 33 % but is its level's only member (its own median): flagged too; B is the near miss
    assert set(out) == {"A", "T"}
    assert out["A"].numbers["peer_median"] == 1.15 and out["A"].numbers["peers"] == 3
    assert round(out["A"].numbers["cmi_change"], 6) == 0.2


def test_service_after_death() -> None:
    d = discharges(
        {
            "discharge_id": "death",
            "admission_date": "2024-02-20",
            "discharge_date": "2024-03-01",
            "discharge_mode": "5",
        }
    )
    visits = pa.table(
        {
            "visit_id": ["v-after", "v-before"],
            "patient_key": ["p1", "p1"],
            "visit_date": [D("2024-03-05"), D("2024-02-10")],
            "institution_id": ["T1", "T1"],
            "total_cost": [50.0, 50.0],
        }
    )
    exams = pa.table(
        {
            "exam_id": ["e-same-day"],
            "patient_key": ["p1"],
            "exam_date": [D("2024-03-01")],
            "performing_institution_id": ["H1"],
            "cost": [40.0],
        }
    )
    out = flagged(
        rule("service_after_death", grace_days=0),
        DictSources(discharges=d, outpatient_visits=visits, examinations=exams),
    )
    assert set(out) == {"v-after"}
    assert out["v-after"].numbers["days_after_death"] == 4
    assert out["v-after"].rows == ["discharges:death", "outpatient_visits:v-after"]


def test_service_after_discharge() -> None:
    d = discharges(
        {"discharge_id": "x", "admission_date": "2024-05-01", "discharge_date": "2024-05-10"},
        {"discharge_id": "y", "admission_date": "2024-05-01", "discharge_date": "2024-05-10"},
    )
    procs = pa.table(
        {
            "discharge_id": ["x", "x", "y"],
            "seq": [1, 2, 1],
            "procedure_date": [D("2024-05-02"), D("2024-05-12"), D("2024-05-10")],
        }
    )
    out = flagged(
        rule("service_after_discharge", grace_days=0),
        DictSources(discharges=d, discharge_procedures=procs),
    )
    assert set(out) == {"x"} and out["x"].numbers["days_after_discharge"] == 2
    assert "discharge_procedures:x#2" in out["x"].rows


def test_duplicate_billing() -> None:
    base = {
        "person_key": "p1",
        "provider_code": "H1",
        "care_type": "inpatient",
        "admission_date": D("2024-01-02"),
        "discharge_date": D("2024-01-05"),
        "settle_date": D("2024-01-06"),
        "total_cost": 3000.0,
        "fund_paid": 2000.0,
    }
    rows = [
        {**base, "settlement_id": "s1"},
        {**base, "settlement_id": "s2"},
        {**base, "settlement_id": "s3", "person_key": "p2"},
        {**base, "settlement_id": "s4", "person_key": "p2", "total_cost": 3000.01},
    ]
    out = flagged(
        rule("duplicate_billing", min_copies=2), DictSources(settlements=pa.Table.from_pylist(rows))
    )
    assert set(out) == {"s1"} and out["s1"].rows == ["settlements:s1", "settlements:s2"]
    assert out["s1"].numbers["copies"] == 2 and out["s1"].value == 3000.0


def test_minor_illness_above_level() -> None:
    d = discharges(
        {
            "discharge_id": "minor",
            "admission_date": "2024-07-01",
            "discharge_date": "2024-07-04",
            "length_of_stay": 3,
            "diagnosis_codes": ["J06.900"],
        },
        {
            "discharge_id": "comorbid",
            "admission_date": "2024-07-01",
            "discharge_date": "2024-07-04",
            "length_of_stay": 3,
            "diagnosis_codes": ["J06.900", "E11.900"],
        },
        {
            "discharge_id": "at-level",
            "admission_date": "2024-07-01",
            "discharge_date": "2024-07-04",
            "length_of_stay": 3,
            "diagnosis_codes": ["I63.900"],
        },
    )
    lc = pa.table(
        {
            "encounter_id": ["minor", "comorbid", "at-level"],
            "setting": ["inpatient"] * 3,
            "verdict": ["above", "above", "at_level"],
            "treated_level": ["county"] * 3,
            "catalog_level": ["township", "township", "county"],
            "matched": ["J06", "J06", "I63"],
        }
    )
    r = rule(
        "minor_illness_above_level",
        catalog_levels=["village", "township"],
        max_los=7,
        exclude_routes=["1", "3"],
        max_secondary_diagnoses=0,
    )
    assert set(flagged(r, DictSources(discharges=d, level_check=lc))) == {"minor"}


def test_exam_repeat_inside_the_window() -> None:
    def ex(eid: str, day: str, rec: str | None = None, patient: str = "p1") -> dict[str, Any]:
        return {
            "exam_id": eid,
            "patient_key": patient,
            "exam_item": "血常规",
            "exam_type": "lab_panel",
            "exam_date": D(day),
            "performing_institution_id": "H1",
            "cost": 20.0,
            "recognised_exam_id": rec,
        }

    rows = [
        ex("e1", "2024-03-01"),
        ex("e2", "2024-03-05"),  # repeat after 4 d: flag
        ex("f1", "2024-03-01", patient="p2"),
        ex("f2", "2024-03-09", patient="p2"),  # 8 d > 7
        ex("g1", "2024-03-01", patient="p3"),
        ex("g2", "2024-03-03", "g1", patient="p3"),  # recognised
        ex("h1", "2024-03-01", patient="p4"),
        ex("h2", "2024-03-01", patient="p4"),
    ]  # same day
    r = rule("exam_repeat", window_days={"lab_panel": 7}, min_gap_days=1)
    out = flagged(r, DictSources(examinations=pa.Table.from_pylist(rows)))
    assert set(out) == {"e2"}
    assert out["e2"].numbers == {"gap_days": 4, "window_days": 7, "cost": 20.0}
    assert out["e2"].rows == ["examinations:e1", "examinations:e2"]


def test_flag_ids_are_stable_across_runs() -> None:
    d = discharges(
        {
            "discharge_id": "yes",
            "admission_date": "2024-05-01",
            "discharge_date": "2024-05-03",
            "length_of_stay": 2,
            "total_cost": 700.0,
        }
    )
    r = rule(
        "low_threshold_admission",
        max_los=2,
        max_total_cost=800,
        admission_routes=["2"],
        discharge_modes=["1"],
    )
    a = screen([r], DictSources(discharges=d), P2024).flags
    b = screen([r], DictSources(discharges=d), P2024).flags
    assert [f.flag_id for f in a] == [f.flag_id for f in b] and len(a) == 1
