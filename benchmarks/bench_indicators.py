"""Indicator engine speed on a city-size synthetic year, against hand-written DuckDB SQL and pandas
for ten indicators, in the same run.

    .venv/bin/python benchmarks/bench_indicators.py [--scale 1.0] [--repeat 3] [--cache city.duckdb]
    .venv/bin/python benchmarks/bench_indicators.py --warehouse demo-county/yigong.duckdb \
        --node division:130400 --period 2024

Without ``--warehouse`` the script builds a city of 14 counties (~7 million residents at scale
1: ~4,300 institutions, ~21 M visits, ~1 M discharges, ~2.8 M settlements, ~70 k staff) with
numpy straight into canonical tables; ``--scale`` shrinks or grows the row counts.

Measured for the city node and one year (best of ``--repeat``):
- engine, ten indicators: ``evaluate(..., ids=TEN, compare=False, targets=False)`` — Ibis build,
  compile and DuckDB execution (one query);
- hand SQL, the same ten: one DuckDB statement written by hand (`HAND_SQL`: one pass per table
  with FILTER aggregates, the way an analyst would write it);
- pandas, the same ten: the tables already in memory as DataFrames (load time excluded);
- engine, whole catalog, with previous period, targets and five years of trajectory.
Checks that the three give the same numerators and denominators, prints the ratios and writes
``benchmarks/results/indicators.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from yigong.indicators.evaluate import evaluate
from yigong.indicators.loader import load_catalog
from yigong.indicators.periods import parse_period
from yigong.ingest import load_rows
from yigong.schema.tables import BY_NAME
from yigong.warehouse.backends.duckdb import DuckDBWarehouse
from yigong.warehouse.hierarchy import division_prefix, parse_node
from yigong.warehouse.types import arrow_schema

TEN = ["T04", "T06", "H01", "H06", "C03", "T07.1", "H04", "C01", "C14", "T46"]
PRIMARY = ("township_centre", "community_centre", "community_station", "village_clinic")


# ---------------------------------------------------------------- synthetic city ----
def _table(name: str, cols: dict[str, object]) -> pa.Table:
    schema = arrow_schema(BY_NAME[name])
    n = len(next(iter(cols.values())))  # type: ignore[arg-type]
    arrays = [
        pa.array(cols[f.name], f.type) if f.name in cols else pa.nulls(n, f.type) for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(n)), pa.string()), "")


def _money(rng: np.random.Generator, mean: float, n: int) -> pa.Array:
    yuan = np.round(rng.gamma(2.0, mean / 2.0, n) * 100) / 100
    return pc.cast(pa.array(yuan), pa.decimal128(18, 2), safe=False)


def build_city(wh: DuckDBWarehouse, scale: float, seed: int = 7) -> str:
    """Load a synthetic city (code 130400) for 2024 into ``wh``; returns the node id."""
    rng = np.random.default_rng(seed)
    city, counties = "130400", [f"1304{21 + k:02d}" for k in range(14)]
    start = date(2000, 1, 1)
    div = [(city, "city", "130000")] + [(c, "county", city) for c in counties]
    towns = [f"{c}{t:03d}" for c in counties for t in range(1, 21)]
    div += [(t, "township", t[:6]) for t in towns]
    load_rows(
        wh,
        "admin_divisions",
        _table(
            "admin_divisions",
            {
                "division_code": [d for d, _, _ in div],
                "name_zh": [d for d, _, _ in div],
                "level": [lv for _, lv, _ in div],
                "parent_code": [p for _, _, p in div],
                "valid_from": [start] * len(div),
            },
        ),
    )
    inst: list[tuple[str, str, str, str]] = []  # id, type, level, division
    for c in counties:
        inst += [
            (f"{c}H1", "county_general", "3", c),
            (f"{c}H2", "county_general", "2", c),
            (f"{c}H3", "county_tcm", "2", c),
        ]
    for t in towns:
        inst.append((f"{t}T", "township_centre", "1", t))
        inst += [(f"{t}V{v:02d}", "village_clinic", "0", t) for v in range(15)]
    inst += [(f"{city}C{k}", "city_general", "3", city) for k in range(8)]
    ids = [i for i, _, _, _ in inst]
    load_rows(
        wh,
        "institutions",
        _table(
            "institutions",
            {
                "institution_id": ids,
                "name_zh": ids,
                "institution_type": [t for _, t, _, _ in inst],
                "level": [lv for _, _, lv, _ in inst],
                "grade": ["A"] * len(inst),
                "ownership": ["public"] * len(inst),
                "division_code": [d for _, _, _, d in inst],
            },
        ),
    )
    load_rows(
        wh,
        "communities",
        _table(
            "communities",
            {
                "community_id": [f"C{c}" for c in counties],
                "name_zh": counties,
                "county_code": counties,
                "valid_from": [start] * len(counties),
            },
        ),
    )
    county_inst = [i for i in inst if not i[0].startswith(city)]
    load_rows(
        wh,
        "community_memberships",
        _table(
            "community_memberships",
            {
                "institution_id": [i for i, _, _, _ in county_inst],
                "community_id": [f"C{d[:6]}" for _, _, _, d in county_inst],
                "role": [
                    "lead" if i.endswith("H1") else "village" if t == "village_clinic" else "member"
                    for i, t, _, _ in county_inst
                ],
                "valid_from": [start] * len(county_inst),
            },
        ),
    )
    residents = {c: int(500_000 * scale) for c in counties}
    pops = [(c, r) for c, r in residents.items()] + [(city, sum(residents.values()))]
    load_rows(
        wh,
        "population",
        _table(
            "population",
            {
                "division_code": [c for c, _ in pops],
                "year": [2024] * len(pops),
                "resident_population": [r for _, r in pops],
            },
        ),
    )
    types = np.array([t for _, t, _, _ in inst])
    weight = np.select(
        [
            types == "village_clinic",
            types == "township_centre",
            np.char.startswith(types, "county"),
            types == "city_general",
        ],
        [1.0, 12.0, 60.0, 150.0],
    )
    weight = weight / weight.sum()
    days = np.array([np.datetime64("2024-01-01") + np.timedelta64(d, "D") for d in range(366)])
    ids_arr = np.array(ids)

    n = int(21_000_000 * scale)  # ~3 visits per resident and year
    who = rng.choice(len(ids), n, p=weight)
    vtype = rng.choice(
        ["outpatient", "emergency", "health_check", "home_visit"], n, p=[0.86, 0.09, 0.04, 0.01]
    )
    load_rows(
        wh,
        "outpatient_visits",
        _table(
            "outpatient_visits",
            {
                "visit_id": _ids("v", n),
                "institution_id": ids_arr[who],
                "patient_key": _ids("p", n),
                "visit_date": days[rng.integers(0, 366, n)],
                "visit_type": vtype,
                "department": np.full(n, "内科"),
                "is_appointment": rng.random(n) < 0.3,
                "has_prescription": rng.random(n) < 0.7,
                "is_special_needs": rng.random(n) < 0.01,
                "payer": np.full(n, "2"),
                "total_cost": _money(rng, 180, n),
                "cost_drugs": _money(rng, 70, n),
            },
        ),
    )

    hospitals = np.flatnonzero(
        np.char.startswith(types, "county")
        | (types == "city_general")
        | (types == "township_centre")
    )
    hw = weight[hospitals] / weight[hospitals].sum()
    m = int(1_000_000 * scale)
    who = hospitals[rng.choice(len(hospitals), m, p=hw)]
    nproc = rng.choice([0, 1, 2, 3], m, p=[0.6, 0.25, 0.1, 0.05])
    offsets = np.concatenate([[0], np.cumsum(nproc)]).astype(np.int32)
    k = int(offsets[-1])
    grades = rng.choice(["1", "2", "3", "4", ""], k, p=[0.2, 0.3, 0.25, 0.1, 0.15])

    def lists(values: np.ndarray) -> pa.Array:
        return pa.ListArray.from_arrays(
            pa.array(offsets), pa.array(values, pa.string()), mask=pa.array(nproc == 0)
        )

    los = rng.integers(1, 20, m)
    d_day = days[rng.integers(0, 366, m)]
    load_rows(
        wh,
        "discharges",
        _table(
            "discharges",
            {
                "discharge_id": _ids("d", m),
                "institution_id": ids_arr[who],
                "case_no": _ids("c", m),
                "admission_seq": np.ones(m, np.int64),
                "patient_key": _ids("q", m),
                "sex": rng.choice(["1", "2"], m),
                "age_years": rng.integers(0, 95, m),
                "admission_route": np.full(m, "2"),
                "admission_date": d_day,
                "discharge_date": d_day,
                "length_of_stay": los,
                "department": np.full(m, "内科"),
                "discharge_mode": rng.choice(["1", "2", "3", "5"], m, p=[0.9, 0.04, 0.04, 0.02]),
                "payer": np.full(m, "2"),
                "diagnosis_codes": pa.array([["I10.x00"]] * m, pa.list_(pa.string())),
                "procedure_codes": lists(np.full(k, "00.0100")),
                "procedure_grades": lists(grades),
                "procedure_emergency": lists(rng.choice(["0", "1"], k, p=[0.85, 0.15])),
                "procedure_minimally_invasive": lists(rng.choice(["0", "1"], k, p=[0.7, 0.3])),
                "is_day_surgery": rng.random(m) < 0.03,
                "total_cost": _money(rng, 9000, m),
                "cost_western_drugs": _money(rng, 2000, m),
            },
        ),
    )

    s = int(2_800_000 * scale)
    insured = np.array(counties)[rng.integers(0, 14, s)]
    away = rng.random(s)
    service = np.where(away < 0.85, insured, np.where(away < 0.93, city, "130100"))
    load_rows(
        wh,
        "settlements",
        _table(
            "settlements",
            {
                "settlement_id": _ids("s", s),
                "provider_code": np.full(s, "X"),
                "service_area": service,
                "insured_area": insured,
                "person_key": _ids("r", s),
                "scheme": np.full(s, "resident"),
                "care_type": rng.choice(
                    ["inpatient", "outpatient", "pharmacy"], s, p=[0.3, 0.6, 0.1]
                ),
                "settle_date": days[rng.integers(0, 366, s)],
                "total_cost": _money(rng, 3000, s),
                "fund_paid": _money(rng, 1800, s),
                "personal_paid": _money(rng, 1200, s),
                "payment_method": rng.choice(["fee_for_service", "drg"], s),
            },
        ),
    )

    st = int(70_000 * scale)
    who = rng.choice(len(ids), st, p=weight)
    load_rows(
        wh,
        "staff",
        _table(
            "staff",
            {
                "snapshot_date": np.full(st, np.datetime64("2024-12-31")),
                "institution_id": ids_arr[who],
                "staff_key": _ids("st", st),
                "qualification": rng.choice(
                    [
                        "licensed_physician",
                        "assistant_physician",
                        "registered_nurse",
                        "pharmacist",
                        "technician",
                    ],
                    st,
                    p=[0.3, 0.08, 0.45, 0.07, 0.1],
                ),
                "on_duty": rng.random(st) < 0.97,
            },
        ),
    )
    return f"division:{city}"


# ------------------------------------------------------------- hand-written SQL ----
HAND_SQL = """
WITH inst AS (SELECT institution_id, institution_type FROM institutions
              WHERE division_code LIKE '{prefix}%'),
dd AS (SELECT count(*) AS discharges, sum(length_of_stay) AS bed_days,
              sum(total_cost) AS stay_cost
       FROM discharges WHERE institution_id IN (SELECT institution_id FROM inst)
       AND discharge_date BETWEEN DATE '{start}' AND DATE '{end}'),
pp AS (SELECT count(DISTINCT p.discharge_id) AS surgical,
              count(DISTINCT p.discharge_id) FILTER (WHERE p.grade = '4') AS grade4
       FROM discharge_procedures p JOIN discharges d USING (discharge_id)
       WHERE p.grade IS NOT NULL AND d.institution_id IN (SELECT institution_id FROM inst)
       AND d.discharge_date BETWEEN DATE '{start}' AND DATE '{end}'),
vv AS (SELECT count(*) AS consultations,
              count(*) FILTER (WHERE i.institution_type IN {primary}) AS primary_consultations,
              count(*) FILTER (WHERE v.is_special_needs) AS special,
              count(*) FILTER (WHERE v.visit_type IN ('outpatient', 'emergency')) AS oe_visits,
              sum(v.total_cost) FILTER (WHERE v.visit_type IN ('outpatient', 'emergency'))
                  AS oe_cost
       FROM outpatient_visits v JOIN inst i USING (institution_id)
       WHERE v.visit_date BETWEEN DATE '{start}' AND DATE '{end}'),
ss AS (SELECT count(*) FILTER (WHERE care_type = 'inpatient') AS admissions,
              count(*) FILTER (WHERE care_type = 'inpatient' AND service_area LIKE '{prefix}%')
                  AS admissions_in,
              sum(fund_paid) AS fund,
              sum(fund_paid) FILTER (WHERE service_area LIKE '{prefix}%') AS fund_in
       FROM settlements WHERE insured_area LIKE '{prefix}%'
       AND settle_date BETWEEN DATE '{start}' AND DATE '{end}'),
latest AS (SELECT s.*, max(snapshot_date) OVER (PARTITION BY institution_id) AS last_snapshot
           FROM staff s WHERE snapshot_date <= DATE '{end}'
           AND institution_id IN (SELECT institution_id FROM inst)),
st AS (SELECT count(*) FILTER (WHERE qualification IN ('licensed_physician',
                                                       'assistant_physician')) AS physicians,
              count(*) FILTER (WHERE qualification = 'registered_nurse') AS nurses
       FROM latest WHERE on_duty AND snapshot_date = last_snapshot)
SELECT surgical, grade4, discharges, bed_days, stay_cost, consultations, primary_consultations,
       special, oe_visits, oe_cost, admissions, admissions_in, fund, fund_in, physicians, nurses
FROM dd, pp, vv, ss, st
"""


def hand_sql(wh: DuckDBWarehouse, prefix: str, start: date, end: date) -> dict[str, tuple]:
    sql = HAND_SQL.format(prefix=prefix, start=start, end=end, primary=str(PRIMARY))
    r = wh.duck.execute(sql).fetchone()
    (
        surgical,
        g4,
        dis,
        bed_days,
        stay_cost,
        cons,
        prim,
        special,
        oe,
        oe_cost,
        adm,
        adm_in,
        fund,
        fund_in,
        phys,
        nurses,
    ) = r
    return {
        "T04": (surgical, dis),
        "T06": (g4, surgical),
        "H01": (bed_days, dis),
        "H06": (stay_cost, dis),
        "C03": (prim, cons),
        "T07.1": (special, cons),
        "H04": (oe_cost, oe),
        "C01": (adm_in, adm),
        "C14": (fund_in, fund),
        "T46": (nurses, phys),
    }


# ---------------------------------------------------------------------- pandas ----
def pandas_frames(wh: DuckDBWarehouse) -> dict[str, pd.DataFrame]:
    names = [
        "institutions",
        "discharges",
        "discharge_procedures",
        "outpatient_visits",
        "settlements",
        "staff",
    ]
    cols = {
        "discharges": [
            "discharge_id",
            "institution_id",
            "discharge_date",
            "length_of_stay",
            "total_cost",
        ]
    }
    out = {}
    for n in names:
        sel = ", ".join(f'"{c}"' for c in cols[n]) if n in cols else "*"
        out[n] = wh.duck.execute(f'SELECT {sel} FROM "{n}"').df()
    return out


def pandas_ten(f: dict[str, pd.DataFrame], prefix: str, start: date, end: date) -> dict[str, tuple]:
    ts, te = pd.Timestamp(start), pd.Timestamp(end)
    inst = f["institutions"][f["institutions"].division_code.str.startswith(prefix)]
    ids = set(inst.institution_id)
    d = f["discharges"]
    d = d[d.institution_id.isin(ids) & d.discharge_date.between(ts, te)]
    p = f["discharge_procedures"]
    p = p[p.grade.notna() & p.discharge_id.isin(set(d.discharge_id))]
    surgical = p.discharge_id.nunique()
    g4 = p[p.grade == "4"].discharge_id.nunique()
    v = f["outpatient_visits"]
    v = v[v.institution_id.isin(ids) & v.visit_date.between(ts, te)]
    primary_ids = set(inst[inst.institution_type.isin(PRIMARY)].institution_id)
    oe = v[v.visit_type.isin(["outpatient", "emergency"])]
    s = f["settlements"]
    s = s[s.insured_area.str.startswith(prefix) & s.settle_date.between(ts, te)]
    adm = s[s.care_type == "inpatient"]
    st = f["staff"]
    st = st[st.institution_id.isin(ids) & (st.snapshot_date <= te)]
    latest = st.groupby("institution_id").snapshot_date.transform("max")
    st = st[(st.snapshot_date == latest) & st.on_duty]
    phys = st.qualification.isin(["licensed_physician", "assistant_physician"]).sum()
    return {
        "T04": (surgical, len(d)),
        "T06": (g4, surgical),
        "H01": (d.length_of_stay.sum(), len(d)),
        "H06": (d.total_cost.sum(), len(d)),
        "C03": (v.institution_id.isin(primary_ids).sum(), len(v)),
        "T07.1": (v.is_special_needs.sum(), len(v)),
        "H04": (oe.total_cost.sum(), len(oe)),
        "C01": (adm.service_area.str.startswith(prefix).sum(), len(adm)),
        "C14": (s[s.service_area.str.startswith(prefix)].fund_paid.sum(), s.fund_paid.sum()),
        "T46": ((st.qualification == "registered_nurse").sum(), phys),
    }


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _same(a: dict[str, tuple], b: dict[str, tuple], tolerance: float = 0.0) -> list[str]:
    """Indicators whose numerator or denominator differ (pandas sums money as float64, so it
    is compared to the fen)."""

    def norm(x: object) -> Decimal:
        return Decimal(str(x)) if x is not None else Decimal(0)

    bad = []
    for k in a:
        for x, y in zip(a[k], b[k], strict=True):
            if abs(norm(x) - norm(y)) > Decimal(str(tolerance)):
                bad.append(k)
                break
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="an existing warehouse file to measure (default: build a city)",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="build the synthetic city into this file once and reuse it",
    )
    ap.add_argument("--node", default=None)
    ap.add_argument("--period", default="2024")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.warehouse:
        wh, node_id = DuckDBWarehouse(args.warehouse), args.node or "division:130400"
    elif args.cache and args.cache.exists():
        wh, node_id = DuckDBWarehouse(args.cache), "division:130400"
    elif args.cache:
        wh = DuckDBWarehouse(args.cache)
        node_id = build_city(wh, args.scale)
    else:
        wh = DuckDBWarehouse.memory()
        node_id = build_city(wh, args.scale)
    build_s = time.perf_counter() - t0
    rows = {
        n: wh.count(n)
        for n in (
            "outpatient_visits",
            "discharges",
            "discharge_procedures",
            "settlements",
            "staff",
            "institutions",
        )
    }
    print(f"data ready in {build_s:.1f}s: " + ", ".join(f"{n} {c:,}" for n, c in rows.items()))
    cat = load_catalog()
    node, period = parse_node(node_id), parse_period(args.period)
    prefix = division_prefix(node.id)

    def engine_ten() -> dict[str, tuple]:
        ev = evaluate(wh, cat, node, period, TEN, compare=False, targets=False)
        return {r.indicator: (r.numerator, r.denominator) for r in ev.results}

    engine_ten()  # warm-up: catalog objects, DuckDB caches
    # interleaved, best of `repeat` each: the machine is shared, so both see the same load
    t_engine = t_sql = float("inf")
    for _ in range(args.repeat):
        t, ours = _best(engine_ten, 1)
        t_engine = min(t_engine, t)
        t, sql = _best(lambda: hand_sql(wh, prefix, period.start, period.end), 1)
        t_sql = min(t_sql, t)
    frames = pandas_frames(wh)
    t_pd, pdv = _best(
        lambda: pandas_ten(frames, prefix, period.start, period.end), max(1, args.repeat - 1)
    )
    t_all, ev_all = _best(lambda: evaluate(wh, cat, node, period), 1)
    mismatches = _same(ours, sql) + [f"pandas:{k}" for k in _same(ours, pdv, 0.01)]
    result = {
        "node": node_id,
        "period": args.period,
        "scale": args.scale,
        "rows": rows,
        "engine_ten_s": round(t_engine, 3),
        "hand_sql_ten_s": round(t_sql, 3),
        "pandas_ten_s": round(t_pd, 3),
        "engine_vs_sql": round(t_engine / t_sql, 2),
        "pandas_vs_engine": round(t_pd / t_engine, 1),
        "whole_catalog_s": round(t_all, 3),
        "whole_catalog_indicators": len(ev_all.results),
        "whole_catalog_queries": ev_all.queries,
        "mismatches": mismatches,
        "machine": platform.platform(),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "indicators.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
