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


def test_case_facts_table_for_the_indicator_catalog():
    con = DuckDBWarehouse.memory()
    con.create_table("discharges", _discharges())
    service.group_discharges(con, NATIONAL)
    summary = service.store_case_facts(con, NATIONAL, "quarter")
    facts = con.to_arrow(con.table(service.FACTS_TABLE)).to_pylist()
    assert summary.rows == len(facts) == 3  # the invalid_input discharge has no facts
    assert {f["discharge_id"] for f in facts} == {"a", "b", "c"}
    assert all(f["scheme"] == NATIONAL and f["pack_version"] == "1.1" for f in facts)
    # the catalog's CMI = Σ weight / grouped discharges equals casemix_summary's CMI
    m = service.casemix_metrics(con, NATIONAL, "institution", "quarter").to_pylist()
    h1 = [f for f in facts if f["institution_id"] == "H1"]
    cmi = float(sum(f["weight"] for f in h1)) / len(h1)
    assert next(r for r in m if r["institution_id"] == "H1")["cmi"] == pytest.approx(cmi)
