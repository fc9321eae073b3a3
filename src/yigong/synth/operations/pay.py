"""Monthly pay per staff member (工资发放明细) and each institution's performance-pay envelope.

Who is paid: every on-duty worker of the year-end staff snapshot at a hospital or township
centre, for the twelve months of that year, in the department their qualification and
practice scope put them in; village doctors at their clinic (no department), paid their
clinic's subsidy and their share of the family-doctor fees.

How much (*assumptions*, documented in docs/synthetic-data.md):

- an institution-year's gross pay is its personnel expenditure (`finance`) ÷ 1.30: employer
  social insurance and housing fund on top of pay are taken as 30 %; village clinics pay all
  of it as pay;
- a worker's share follows title and qualification weights (`TITLE_WEIGHT`, `QUAL_WEIGHT`);
- fixed sub-items come out of that share: GP post allowance 500 yuan a month at township
  centres, night-shift pay for ward doctors and nurses (600 / 300 yuan a month at hospitals /
  centres), rural subsidy 300 yuan a month for one hospital physician in eight;
- family-doctor fees: 72 % of the contract fees of a township centre's teams go to the team
  members (centre staff and village doctors of those teams), paid each quarter; one centre
  of each county pays only 62 % in the last year (so the 70 % check has a case to find);
- the rest: post pay 34 %, allowances 12 %, basic performance 22 %, incentive performance
  30 %, other 2 %; incentive pay is heavier in quarter-end months.

The envelope (绩效工资总量) is the year's performance pay × 0.97–1.06, rounded to 1,000 yuan,
approved on 31 March, linked to an appraisal score of 72–96.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pyarrow as pa

from yigong.schema.operations_tables import PAY_ITEM_COLUMNS
from yigong.synth._arrow import dates, money
from yigong.synth.context import CountyContext
from yigong.synth.operations.activity import fen, split_fen
from yigong.synth.operations.departments import Dept

ON_COSTS = 1.30
TITLE_WEIGHT = {
    "senior": 1.9,
    "deputy_senior": 1.55,
    "intermediate": 1.2,
    "junior": 0.95,
    "none": 0.8,
}
QUAL_WEIGHT = {
    "licensed_physician": 1.15,
    "assistant_physician": 0.95,
    "registered_nurse": 0.9,
    "pharmacist": 0.9,
    "technician": 0.9,
    "other_health": 0.85,
    "village_doctor": 1.0,
    "management": 1.0,
    "support": 0.7,
}
GP_ALLOWANCE, RURAL_SUBSIDY = 50_000, 30_000  # fen a month
NIGHT_SHIFT = {True: 60_000, False: 30_000}  # fen a month, hospital / township centre
FAMILY_DOCTOR_SHARE, FAMILY_DOCTOR_SHARE_LOW = 0.72, 0.62
REST_SPLIT = {
    "post_pay": 0.34,
    "allowances": 0.12,
    "basic_performance": 0.22,
    "incentive_performance": 0.30,
    "other_pay": 0.02,
}
INCENTIVE_MONTHS = np.array([1, 1, 1.4, 1, 1, 1.4, 1, 1, 1.4, 1, 1, 1.6])
PERFORMANCE_ITEMS = (
    "basic_performance",
    "incentive_performance",
    "gp_allowance",
    "family_doctor_fee",
    "night_shift",
    "rural_subsidy",
)


def _unit(text: str, salt: str) -> float:
    """A stable number in [0, 1) per person (the same department every year)."""
    return zlib.crc32(f"{salt}:{text}".encode()) / 2**32


def _pick(candidates: list[Dept], weights: list[float], u: float) -> Dept | None:
    if not candidates:
        return None
    w = np.asarray(weights, float)
    w = np.ones(len(w)) if w.sum() <= 0 else w
    return candidates[min(int(np.searchsorted(np.cumsum(w) / w.sum(), u, side="right")),
                          len(candidates) - 1)]  # fmt: skip


def _by_name(depts: list[Dept], names: tuple[str, ...]) -> list[Dept]:
    return [d for d in depts if d.name in names]


def assign(staff_row: dict, depts: list[Dept], size: dict[str, float]) -> Dept | None:
    """The department a worker is in (stable across years for the same person)."""
    q = staff_row["qualification"]
    u = _unit(staff_row["staff_id_number"], "dept")
    clinical = [d for d in depts if d.category == "clinical"]
    wards = [d for d in clinical if d.setting == "inpatient"]
    medtech = [d for d in depts if d.category == "medical_technology"]
    admin = [d for d in depts if d.category == "administrative"]
    support = [d for d in depts if d.category == "medical_support"]
    if q in ("licensed_physician", "assistant_physician"):
        spec = staff_row.get("specialty") or ""
        if spec == "麻醉科":
            found = _by_name(medtech, ("手术麻醉科",))
        elif spec in ("医学影像科", "病理科"):
            found = _by_name(medtech, (spec,)) or _by_name(medtech, ("医学影像科",))
        elif spec == "急诊医学科":
            found = _by_name(clinical, ("急诊科",))
        elif spec == "全科" and staff_row.get("is_general_practitioner"):
            found = _by_name(clinical, ("全科",)) or _by_name(clinical, ("内科",))
        else:
            root = spec[:2] if spec else ""
            found = [d for d in clinical if root and root in d.name]
        pool = found or clinical
        return _pick(pool, [size.get(d.department_id, 0.0) for d in pool], u)
    if q == "registered_nurse":
        pool = wards if u < 0.8 and wards else clinical or depts
        return _pick(pool, [size.get(d.department_id, 0.0) for d in pool], _unit(str(u), "n"))
    if q == "pharmacist":
        return _pick(_by_name(medtech, ("药剂科",)) or medtech, [1.0], u)
    if q in ("technician", "other_health"):
        pool = [d for d in medtech if d.exam_types] or medtech
        return _pick(pool, [size.get(d.department_id, 0.0) for d in pool], u)
    if q == "management":
        return _pick(admin, [1.0] * len(admin), u)
    if q == "support":
        pool = admin + support
        return _pick(pool, [1.0] * len(pool), u)
    return None  # village doctors (paid at their clinic, no department)


def assignments(
    ctx: CountyContext, staff: pa.Table, depts: list[Dept], size: dict[str, float]
) -> pd.DataFrame:
    """On-duty workers of each year-end snapshot who are paid, with their department."""
    n_costed = ctx.n_hospitals + len(ctx.inst.centres)
    ids = ctx.institution_ids()
    index = {iid: i for i, iid in enumerate(ids)}
    by_inst: dict[int, list[Dept]] = {}
    for d in depts:
        by_inst.setdefault(d.institution, []).append(d)
    rows = []
    for r in staff.to_pylist():
        if not r["on_duty"]:
            continue
        i = index[r["institution_id"]]
        year = r["snapshot_date"].year
        if i < n_costed:
            dept = assign(r, by_inst.get(i, []), size)
            dept_id = dept.department_id if dept else None
            setting = dept.setting if dept else "none"
        elif r["qualification"] in ("village_doctor", "assistant_physician"):
            dept_id, setting = None, "none"
        else:
            continue
        rows.append(
            {
                "institution": i,
                "institution_id": r["institution_id"],
                "staff_id_number": r["staff_id_number"],
                "year": year,
                "department_id": dept_id,
                "setting": setting,
                "qualification": r["qualification"],
                "title": r["title"] or "none",
                "is_gp": bool(r["is_general_practitioner"]),
                "team_id": r["family_doctor_team_id"],
            }
        )
    return pd.DataFrame(rows)


def _team_pools(ctx: CountyContext, income: pd.DataFrame) -> dict[tuple[str, int], int]:
    """Fee pool (fen) per team and year: the share of its contract fees paid to its members."""
    last = max(ctx.years)
    low_centre = ctx.inst.centres[-1].institution_id if ctx.inst.centres else ""
    pools = {}
    for r in income.itertuples(index=False):
        low = r.institution_id == low_centre and r.year == last
        share = FAMILY_DOCTOR_SHARE_LOW if low else FAMILY_DOCTOR_SHARE
        pools[(r.team_id, int(r.year))] = round(int(r.fee) * share)
    return pools


def annual_pay(
    ctx: CountyContext, people: pd.DataFrame, finance: pa.Table, income: pd.DataFrame
) -> pd.DataFrame:
    """Each worker's pay items for the year (fen), before the split into months."""
    personnel = dict(
        zip(
            zip(finance.column("institution_id").to_pylist(), finance.column("year").to_pylist(),
                strict=True),
            fen(finance.column("personnel_expenditure")),
            strict=True,
        )
    )  # fmt: skip
    pools = _team_pools(ctx, income)
    n_hosp = ctx.n_hospitals
    n_costed = n_hosp + len(ctx.inst.centres)
    out = people.copy()
    for c in PAY_ITEM_COLUMNS:
        out[c] = 0
    for (iid, year), grp in people.groupby(["institution_id", "year"]):
        idx = grp.index.to_numpy()
        i = int(grp.institution.iloc[0])
        costed = i < n_costed
        gross = round(personnel.get((iid, year), 0) / (ON_COSTS if costed else 1.0))
        weights = np.array([
            TITLE_WEIGHT.get(t, 0.8) * QUAL_WEIGHT.get(q, 0.8)
            * (0.9 + 0.2 * _unit(p, "pay"))
            for t, q, p in zip(grp.title, grp.qualification, grp.staff_id_number, strict=True)
        ])  # fmt: skip
        share = split_fen(gross, weights)
        gp = (grp.is_gp.to_numpy() & (i >= n_hosp) & costed) * GP_ALLOWANCE * 12
        ward = np.isin(grp.qualification, ["licensed_physician", "assistant_physician",
                                           "registered_nurse"]) & (grp.setting == "inpatient")  # fmt: skip
        night = ward.to_numpy() * NIGHT_SHIFT[i < n_hosp] * 12
        rural = np.array([
            i < n_hosp and q == "licensed_physician" and _unit(p, "rural") < 0.125
            for q, p in zip(grp.qualification, grp.staff_id_number, strict=True)
        ]) * RURAL_SUBSIDY * 12  # fmt: skip
        fixed = gp + night + rural
        out.loc[idx, "gp_allowance"] = gp
        out.loc[idx, "night_shift"] = night
        out.loc[idx, "rural_subsidy"] = rural
        rest = np.maximum(share - fixed, 0)
        parts = {k: np.floor(rest * v).astype(np.int64) for k, v in REST_SPLIT.items()}
        parts["other_pay"] += rest - sum(parts.values())
        for k, v in parts.items():
            out.loc[idx, k] = v
    # family-doctor fees: each team's pool split among its paid members
    members = out[out.team_id.notna()]
    for (team, year), grp in members.groupby(["team_id", "year"]):
        pool = pools.get((team, int(year)), 0)
        w = np.where(grp.is_gp.to_numpy(), 1.2, 1.0)
        out.loc[grp.index, "family_doctor_fee"] = split_fen(pool, w)
    return out


def _nullable(column: pd.Series) -> np.ndarray:
    """Text values with None (not NaN) where missing."""
    values = column.to_numpy(dtype=object)
    return np.where(pd.isna(values), None, values)


def staff_pay_table(ctx: CountyContext, yearly: pd.DataFrame) -> tuple[pa.Table, pd.DataFrame]:
    """Twelve monthly rows per worker-year, and the department pay per month (fen) that the
    department costs' personnel item follows."""
    n = len(yearly)
    months = np.tile(np.arange(1, 13), n)
    rep = np.repeat(np.arange(n), 12)
    monthly: dict[str, np.ndarray] = {}
    flat = np.ones(12)
    quarterly = np.array([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1], float)
    for c in PAY_ITEM_COLUMNS:
        profile = {"incentive_performance": INCENTIVE_MONTHS, "family_doctor_fee": quarterly}.get(
            c, flat
        )
        values = yearly[c].to_numpy(dtype=np.int64)
        monthly[c] = np.concatenate([split_fen(int(v), profile) for v in values]) if n else (
            np.zeros(0, np.int64))  # fmt: skip
    table = pa.table(
        {
            "institution_id": pa.array(yearly.institution_id.to_numpy()[rep], pa.string()),
            "staff_id_number": pa.array(yearly.staff_id_number.to_numpy()[rep], pa.string()),
            "year": pa.array(yearly.year.to_numpy()[rep].astype(np.int64)),
            "month": pa.array(months.astype(np.int64)),
            "department_id": pa.array(_nullable(yearly.department_id)[rep], pa.string()),
            **{c: money(monthly[c]) for c in PAY_ITEM_COLUMNS},
        }
    )
    total = sum(monthly[c] for c in PAY_ITEM_COLUMNS)
    by_dept = pd.DataFrame(
        {
            "department_id": _nullable(yearly.department_id)[rep],
            "year": yearly.year.to_numpy()[rep],
            "month": months,
            "pay": total,
        }
    )
    by_dept = by_dept[by_dept.department_id.notna()]
    return table, by_dept.groupby(["department_id", "year", "month"], as_index=False).sum()


def envelopes_table(ctx: CountyContext, yearly: pd.DataFrame, finance: pa.Table) -> pa.Table:
    """The approved performance-pay envelope per hospital and township centre and year."""
    rng = ctx.rng("operations-envelope")
    n_costed = ctx.n_hospitals + len(ctx.inst.centres)
    medical = dict(
        zip(
            zip(finance.column("institution_id").to_pylist(), finance.column("year").to_pylist(),
                strict=True),
            fen(finance.column("medical_revenue")),
            strict=True,
        )
    )  # fmt: skip
    paid = (
        yearly[yearly.institution < n_costed]
        .groupby(["institution_id", "year"])[list(PERFORMANCE_ITEMS)]
        .sum()
        .sum(axis=1)
    )
    rows = []
    for (iid, year), perf in paid.items():
        total = round(int(perf) * rng.uniform(0.97, 1.06) / 100_000) * 100_000
        rows.append(
            (iid, int(year), total, round(float(rng.uniform(72, 96)), 1),
             round(medical.get((iid, year), 0) * float(rng.uniform(0.03, 0.06))))
        )  # fmt: skip
    county = ctx.spec.code
    return pa.table(
        {
            "institution_id": pa.array([r[0] for r in rows], pa.string()),
            "year": pa.array([r[1] for r in rows], pa.int64()),
            "approved_total": money(np.array([r[2] for r in rows], np.int64)),
            "approved_on": dates(
                np.array([np.datetime64(f"{r[1]}-03-31") for r in rows], dtype="datetime64[D]")
            ),
            "approved_by": pa.array(
                [f"{county}人社〔{r[1]}〕{k + 1}号" for k, r in enumerate(rows)], pa.string()
            ),
            "appraisal_score": pa.array([r[3] for r in rows], pa.float64()),
            "fund_withdrawals": money(np.array([r[4] for r in rows], np.int64)),
        }
    )
