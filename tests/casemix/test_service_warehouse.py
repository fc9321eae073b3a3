"""Grouping over a warehouse-shaped ``discharges`` table and metrics from the stored results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from tests.casemix.drg_helpers import HANDAN, NATIONAL
from yigong.services import casemix as service
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


def _discharges():
    d = dt.date
    return pa.table(
        {
            "discharge_id": ["a", "b", "c", "d"],
            "institution_id": ["H1", "H1", "H2", "H2"],
            "department": ["neuro", "neuro", "surg", "surg"],
            "attending_doctor_key": ["k1", "k1", "k2", "k2"],
            "sex": ["2", "1", "1", "9"],
            "age_years": [67, 30, 72, 50],
            "age_days": pa.array([None, None, None, None], pa.int64()),
            "birth_weight_g": pa.array([None] * 4, pa.int64()),
            "length_of_stay": [10, 4, 8, 3],
            "discharge_mode": ["1", "5", "1", "1"],
            "discharge_date": [d(2025, 1, 5), d(2025, 2, 1), d(2025, 4, 2), d(2025, 4, 3)],
            "diagnosis_codes": [
                ["I61.900x002", "G93.501"],
                ["S75.000x004", "S36.000x021"],
                ["D15.200", "J96.900x001"],
                ["I10.x00"],
            ],
            "procedure_codes": [["01.3900x009"], [], ["34.3x02"], []],
            "total_cost": pa.array(
                [Decimal("30000.00"), Decimal("8000.00"), Decimal("20000.00"), Decimal("900.00")],
                pa.decimal128(12, 2),
            ),
        }
    )


def test_group_discharges_stores_results_per_scheme():
    con = DuckDBWarehouse.memory()
    con.create_table("discharges", _discharges())
    s1 = service.group_discharges(con, NATIONAL)
    s2 = service.group_discharges(con, HANDAN)
    s3 = service.group_discharges(con, NATIONAL)  # re-run replaces, never duplicates
    assert s1.rows == s2.rows == s3.rows == 4
    assert s1.statuses == {"grouped": 3, "invalid_input": 1}  # sex '9' is not guessed
    stored = con.to_arrow(con.table("drg_results")).to_pylist()
    assert len(stored) == 8
    got = {(r["scheme"], r["discharge_id"]): r for r in stored}
    assert got[(NATIONAL, "a")]["drg"] == "BB21" and got[(NATIONAL, "b")]["drg"] == "ZZ11"
    assert got[(NATIONAL, "c")]["drg"] == "EC11" and got[(HANDAN, "c")]["drg"] == "EC19"
    assert got[(HANDAN, "c")]["pack_version"] == "1.1-handan-2022"

    g = con.to_arrow(service.grouped_discharges(con, NATIONAL, "quarter")).to_pylist()
    assert {(r["discharge_id"], r["period"], r["died"]) for r in g} >= {
        ("a", "2025Q1", False),
        ("b", "2025Q1", True),
    }
    m = service.casemix_metrics(con, NATIONAL, "institution", "quarter").to_pylist()
    h1 = next(r for r in m if r["institution_id"] == "H1")
    assert (h1["period"], h1["cases"], h1["groups_covered"]) == ("2025Q1", 2, 2)
    assert h1["cmi"] is not None and h1["cost_index"] == 1.0


def test_case_facts_table_for_the_indicator_catalog(tmp_path):
    con = DuckDBWarehouse.memory()
    con.create_table("discharges", _discharges())
    service.group_discharges(con, NATIONAL)
    # a published reference: BB21 (a) and ZZ11 (b, died) have weights; EC11 (c) is missing;
    # ZZ11 is a low-risk DRG of the reference population
    ref = tmp_path / "ref.csv"
    ref.write_text(
        "# a provincial table\n"
        "drg,weight,mean_cost,mean_los,low_risk\n"
        "BB21,2.5,20000,8,0\n"
        "ZZ11,1.2,16000,5,1\n",
        encoding="utf-8",
    )
    summary = service.store_case_facts(con, NATIONAL, "quarter", str(ref))
    facts = {f["discharge_id"]: f for f in con.to_arrow(con.table(service.FACTS_TABLE)).to_pylist()}
    assert summary.rows == len(facts) == 3  # the invalid_input discharge has no facts
    assert summary.extra["reference"] == "ref.csv" and summary.extra["weighted"] == 2
    assert all(f["scheme"] == NATIONAL and f["reference"] == "ref.csv" for f in facts.values())
    a, b, c = facts["a"], facts["b"], facts["c"]
    assert (a["weight"], b["weight"], c["weight"]) == (Decimal("2.5000"), Decimal("1.2000"), None)
    assert (a["weighted"], c["weighted"]) == (True, False)
    # cost and time against the reference means: 30000 / 20000, 10 / 8; 8000 / 16000, 4 / 5
    assert (a["cost_ratio"], a["los_ratio"]) == (1.5, 1.25)
    assert (b["cost_ratio"], b["los_ratio"]) == (0.5, 0.8)
    assert (b["in_low_risk"], b["low_risk_death"], a["in_low_risk"]) == (True, True, False)
    # casemix_metrics with the same reference: H1's CMI = (2.5 + 1.2) / 2
    m = service.casemix_metrics(con, NATIONAL, "institution", "quarter", reference=str(ref))
    h1 = next(r for r in m.to_pylist() if r["institution_id"] == "H1")
    assert h1["cmi"] == pytest.approx(1.85) and h1["low_risk_mortality"] == 1.0


def test_unknown_or_mismatched_reference_is_refused(tmp_path):
    con = DuckDBWarehouse.memory()
    con.create_table("discharges", _discharges())
    service.group_discharges(con, NATIONAL)
    with pytest.raises(ValueError, match="not a shipped name"):
        service.store_case_facts(con, NATIONAL, "quarter", str(tmp_path / "missing.csv"))
    with pytest.raises(ValueError, match="is for scheme"):
        service.store_case_facts(con, NATIONAL, "quarter", "handan-city-synthetic-2023-2024")


def test_reference_from_a_wider_warehouse(tmp_path):
    """`yigong drg reference` on a (wider) warehouse, then `warehouse:PATH` as the choice."""
    from yigong.services.casemix_reference import build_reference, choose_reference

    path = tmp_path / "province.duckdb"
    con = DuckDBWarehouse(path)
    con.create_table("discharges", _discharges())
    service.group_discharges(con, NATIONAL)
    out, table = build_reference(con, NATIONAL, tmp_path / "ref.csv", "test province")
    con.close()
    rows = {r["drg"]: r for r in table.to_pylist()}
    # three grouped discharges, one per DRG: weights = cost / mean cost (58000 / 3)
    assert set(rows) == {"BB21", "ZZ11", "EC11"}
    assert rows["BB21"]["weight"] == Decimal(str(round(30000 / (58000 / 3), 4)))
    assert rows["ZZ11"]["deaths"] == 1 and rows["BB21"]["cases"] == 1
    assert out.read_text(encoding="utf-8").startswith("# test province")
    chosen = choose_reference(NATIONAL, f"warehouse:{path}")
    assert chosen.id == "warehouse:province.duckdb"
    assert "3 grouped discharges" in chosen.provenance[0]
