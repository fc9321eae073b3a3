"""Case-mix metrics on tiny hand-built worlds, with the answers computed by hand."""

from __future__ import annotations

from decimal import Decimal

import ibis
import pandas as pd
import pytest

from yigong.casemix.metrics import (
    CASEMIX_INDICATORS,
    LEVELS,
    Trim,
    WeightTableError,
    case_facts,
    casemix_summary,
    low_risk_groups,
    read_weight_table,
    weights_from_data,
)

COLS = [
    "institution_id",
    "department",
    "doctor_key",
    "period",
    "drg",
    "status",
    "total_cost",
    "length_of_stay",
    "died",
]


def world(rows) -> ibis.Table:
    df = pd.DataFrame(rows, columns=COLS)
    df["total_cost"] = df["total_cost"].map(lambda v: Decimal(str(v)))
    return ibis.memtable(df)


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


def run(con, expr) -> list[dict]:
    return con.to_pyarrow(expr).to_pylist()


def _cases(inst, drg, costs, los=5, died=(), dept="D", doc="x", period="2025Q1", status="grouped"):
    return [(inst, dept, doc, period, drg, status, c, los, i in died) for i, c in enumerate(costs)]


OUTLIER = _cases("H1", "X11", [10, 11, 12, 13, 1000])


def test_weights_without_trimming(con):
    t = world(
        _cases("H1", "A19", [100, 300])
        + _cases("H2", "B11", [600])
        + _cases("H2", "B11", [9999], status="ungroupable")
    )
    got = {r["drg"]: r for r in run(con, weights_from_data(t, Trim.NONE))}
    # overall mean = (100 + 300 + 600) / 3 = 333.33…; A19 mean 200 -> 0.6, B11 600 -> 1.8
    assert got["A19"]["weight"] == Decimal("0.6000") and got["B11"]["weight"] == Decimal("1.8000")
    assert got["A19"]["cases"] == 2 and got["B11"]["cases"] == 1  # ungroupable row ignored


def test_iqr3_trimming_drops_the_outlier(con):
    t = world(OUTLIER + _cases("H1", "Y19", [20, 20]))
    got = {r["drg"]: r for r in run(con, weights_from_data(t, Trim.IQR3))}
    # X11: Q1 = 11, Q3 = 13, IQR = 2, bounds [5, 19]: 1000 goes, mean 11.5
    assert (
        got["X11"]["cases"] == 5
        and got["X11"]["cases_used"] == 4
        and got["X11"]["mean_cost"] == 11.5
    )
    overall = (10 + 11 + 12 + 13 + 20 + 20) / 6
    assert got["X11"]["weight"] == Decimal(str(round(11.5 / overall, 4)))


def test_percentile_trimming(con):
    got = {r["drg"]: r for r in run(con, weights_from_data(world(OUTLIER), Trim.PCT))}
    # 2.5th pct = 10.1 and 97.5th = 901.3 (linear): 10 and 1000 go, mean 12, only DRG -> weight 1
    assert got["X11"]["cases_used"] == 3 and got["X11"]["mean_cost"] == 12.0
    assert got["X11"]["weight"] == Decimal("1.0000")


def test_min_cases_leaves_small_groups_without_weight(con):
    t = world(_cases("H1", "A19", [100, 300]) + _cases("H2", "B11", [600]))
    assert [r["drg"] for r in run(con, weights_from_data(t, Trim.NONE, min_cases=2))] == ["A19"]


def test_weight_table_file(tmp_path, con):
    good = tmp_path / "w.csv"
    good.write_text("drg,weight\nA19,0.85\nB11,2.1\n", encoding="utf-8")
    rows = run(con, read_weight_table(good))
    assert rows == [
        {"drg": "A19", "weight": Decimal("0.8500")},
        {"drg": "B11", "weight": Decimal("2.1000")},
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("drg,weight\nA19,0.85\nA19,1\nB11,-2\nC11,abc\n", encoding="utf-8")
    with pytest.raises(WeightTableError) as exc:
        read_weight_table(bad)
    msg = str(exc.value)
    assert (
        "row 2, field drg: A19 repeats row 1" in msg
        and "row 3, field weight" in msg
        and "row 4" in msg
    )


def test_cmi_groups_and_consumption_indices(tmp_path, con):
    # H1: two A19 at 100 (los 4); H2: one A19 at 300 (los 10) and one B11 at 600 (los 6)
    t = world(
        _cases("H1", "A19", [100, 100], los=4)
        + _cases("H2", "A19", [300], los=10)
        + _cases("H2", "B11", [600], los=6)
    )
    wfile = tmp_path / "w.csv"
    wfile.write_text("drg,weight\nA19,1.0\nB11,3.0\n", encoding="utf-8")
    facts = case_facts(t, read_weight_table(wfile))
    got = {r["institution_id"]: r for r in run(con, casemix_summary(facts))}
    h1, h2 = got["H1"], got["H2"]
    assert (h1["cases"], h1["groups_covered"], h1["cmi"]) == (2, 1, 1.0)
    assert (h2["cases"], h2["groups_covered"], h2["cmi"]) == (2, 2, 2.0)
    # reference mean A19 = 500/3; H1 cost index = (100 + 100) / (500/3) / 2 = 0.6
    assert h1["cost_index"] == pytest.approx(0.6)
    # H2 = (300/(500/3) + 600/600) / 2 = (1.8 + 1) / 2 = 1.4
    assert h2["cost_index"] == pytest.approx(1.4)
    # A19 mean los = 6; H1 time index = (4/6 + 4/6) / 2; H2 = (10/6 + 6/6) / 2
    assert h1["time_index"] == pytest.approx(4 / 6)
    assert h2["time_index"] == pytest.approx((10 / 6 + 1) / 2)
    assert h1["cost_index_num"] == pytest.approx(1.2) and h1["cost_index_den"] == 2


def test_unweighted_drg_is_left_out_of_cmi_but_counted_as_a_case(tmp_path, con):
    t = world(_cases("H1", "A19", [100]) + _cases("H1", "Z99", [100]))
    w = tmp_path / "w.csv"
    w.write_text("drg,weight\nA19,2\n", encoding="utf-8")
    (row,) = run(con, casemix_summary(case_facts(t, read_weight_table(w))))
    assert (row["cases"], row["weighted_cases"], row["cmi"]) == (2, 1, 2.0)


def _mortality_world():
    # L11: 20 cases, 1 death (H1) -> 0.05; four DRGs with 1 death in 2 cases -> 0.5 each.
    rows = _cases("H1", "L11", [10] * 10, died={0}) + _cases("H2", "L11", [10] * 10)
    for drg in ("M11", "M13", "M15", "M19"):
        rows += _cases("H2", drg, [50, 50], died={0})
    return world(rows)


def test_low_risk_groups_are_one_sd_below_the_mean(con):
    got = {r["drg"]: r for r in run(con, low_risk_groups(_mortality_world()))}
    # mean = (0.05 + 4 * 0.5) / 5 = 0.41; sample sd = sqrt((0.36² + 4 * 0.09²) / 4) = 0.20125
    assert got["L11"]["mean"] == pytest.approx(0.41)
    assert got["L11"]["sd"] == pytest.approx(0.2012461)
    assert got["L11"]["low_risk"] and not any(
        got[d]["low_risk"] for d in ("M11", "M13", "M15", "M19")
    )


def test_low_risk_mortality_per_institution_and_doctor(con):
    t = _mortality_world()
    w = weights_from_data(t, Trim.NONE)
    facts = case_facts(t, w, low_risk_groups(t))
    got = {r["institution_id"]: r for r in run(con, casemix_summary(facts))}
    assert (
        got["H1"]["low_risk_cases"],
        got["H1"]["low_risk_deaths"],
        got["H1"]["low_risk_mortality"],
    ) == (10, 1, 0.1)
    assert (
        got["H2"]["low_risk_cases"],
        got["H2"]["low_risk_deaths"],
        got["H2"]["low_risk_mortality"],
    ) == (10, 0, 0.0)
    by_doc = run(con, casemix_summary(facts, LEVELS["doctor"], period=False))
    assert {(r["institution_id"], r["doctor_key"]) for r in by_doc} == {("H1", "x"), ("H2", "x")}


def test_no_low_risk_group_when_mean_minus_sd_is_negative(con):
    t = world(
        _cases("H1", "A11", [1, 1])
        + _cases("H1", "B11", [1, 1])
        + _cases("H1", "C11", [1, 1], died={0, 1})
    )
    assert not any(r["low_risk"] for r in run(con, low_risk_groups(t)))


def test_periods_are_kept_apart(con):
    t = world(
        _cases("H1", "A19", [100], period="2025Q1") + _cases("H1", "A19", [300], period="2025Q2")
    )
    rows = run(con, casemix_summary(case_facts(t, weights_from_data(t, Trim.NONE), by_period=True)))
    assert [(r["period"], r["cases"], r["cost_index"]) for r in rows] == [
        ("2025Q1", 1, 1.0),
        ("2025Q2", 1, 1.0),
    ]


def test_catalog_entries_name_numerator_and_denominator():
    ids = {i.id for i in CASEMIX_INDICATORS}
    assert {
        "drg_cmi",
        "drg_cost_index",
        "drg_time_index",
        "drg_low_risk_mortality",
        "drg_groups_covered",
    } == ids
    assert all(i.name_zh and i.numerator and i.denominator for i in CASEMIX_INDICATORS)


def test_log_scale_low_risk_groups(con):
    from yigong.casemix.metrics import Scale

    # deaths/cases: A 1/100 (0.01), B 1/10, C 1/10, D 1/10, E 0/5 (no deaths: score 0, not low-risk)
    rows = (
        _cases("H1", "A11", [1] * 100, died={0})
        + _cases("H1", "B11", [1] * 10, died={0})
        + _cases("H1", "C11", [1] * 10, died={0})
        + _cases("H1", "D11", [1] * 10, died={0})
        + _cases("H1", "E11", [1] * 5)
    )
    got = {r["drg"]: r for r in run(con, low_risk_groups(world(rows), scale=Scale.LOG))}
    import math

    xs = [math.log(0.01)] + [math.log(0.1)] * 3
    mean = sum(xs) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / 3)
    assert got["A11"]["mean"] == pytest.approx(mean) and got["A11"]["sd"] == pytest.approx(sd)
    assert got["A11"]["low_risk"] and not got["B11"]["low_risk"] and not got["E11"]["low_risk"]
    # the plain scale on the same data: rates .01 .1 .1 .1 0, mean .062, sd ≈ .05215,
    # threshold ≈ .00985: only the zero-death E11 qualifies
    plain = run(con, low_risk_groups(world(rows)))
    assert [r["drg"] for r in plain if r["low_risk"]] == ["E11"]
    assert plain[0]["threshold"] == pytest.approx(0.062 - math.sqrt(0.01088 / 4))
