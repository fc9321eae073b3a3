"""The insurance bureau's tables of one synthetic county: contribution standards, fund accounts,
designated providers and pharmacies, agreements, monthly claims and their payment, and
agreement inspections (docs/synthetic-data.md, "Medical-insurance money").

Published figures used (each named in ``docs/synthetic-data.md``): the national minimum
per-capita financing of the residents' scheme (subsidy + individual contribution) of the yearly
notices; the employees' fund expenditure ÷ income of the 2022 NHSA statistical bulletin
(15,243.80 ÷ 20,793.27亿); the residents' fund's months of payment (8.5 at the end of 2023,
2023 bulletin). Everything else is an assumption, stated where it is used.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.synth._arrow import dates, money, padded
from yigong.synth.context import CountyContext

#: residents' scheme, national minimum per year: (fiscal subsidy, individual contribution) yuan
RESIDENT_STANDARD = {
    2016: (420, 150), 2017: (450, 180), 2018: (490, 220), 2019: (520, 250), 2020: (550, 280),
    2021: (580, 320), 2022: (610, 350), 2023: (640, 380), 2024: (670, 400), 2025: (700, 400),
}  # fmt: skip
RESIDENT_SOURCE = "国家医保局 财政部 国家税务总局 年度城乡居民基本医疗保障工作通知 (全国最低标准)"
#: employees: the synthetic county's pooled-fund spending per insured employee ÷ the national
#: employees' expenditure/income ratio (2022 NHSA bulletin: 15,243.80 ÷ 20,793.27 = 0.7331),
#: split 2:6 between employee and employer (assumption)
EMPLOYEE_SPENT_PER_INCOME = 0.7331
EMPLOYEE_SOURCE = "synthetic: 统筹基金支出 ÷ 0.7331 (2022年全国医疗保障事业发展统计公报 职工医保支出/收入); 个人:单位 = 2:6"
#: the residents' fund starts 2021 with 7 months of payment, so that it holds about the 2023
#: national 8.5 (NHSA bulletin) by 2023; employees 12 (assumptions)
OPENING_MONTHS = {"resident": 7.0, "employee": 12.0}
#: spending outside the settlements, as a share of income: the residents' major-illness
#: insurance premium (8 %, the reserve share of the henan-default policy) and 2 % other
#: (assumption); none for employees here
OTHER_EXPENDITURE = {"resident": 0.10, "employee": 0.0}
#: interest on the opening balance (assumption)
INTEREST = 0.015
#: quality deposit = 5 % of an agreement's quota (assumption); pharmacies a flat 5,000 yuan
DEPOSIT_SHARE, PHARMACY_DEPOSIT_FEN = 0.05, 500_000
#: one designated pharmacy per this many residents (assumption)
RESIDENTS_PER_PHARMACY = 5_000
SETTLEMENT_DAYS = 30


def _spent(ctx: CountyContext, settlements: pa.Table, scheme: str, year: int) -> int:
    """Fund paid (fen) of the scheme's settlements of the county's insured in the year."""
    d = settlements.filter(
        pc.and_(
            pc.and_(pc.equal(settlements.column("scheme"), scheme),
                    pc.starts_with(settlements.column("insured_area"), ctx.spec.code)),
            pc.equal(pc.year(settlements.column("settle_date")), year),
        )
    )  # fmt: skip
    return int(_fen(d.column("fund_paid")).sum())


def contribution_standards_table(
    ctx: CountyContext, insured: pa.Table, settlements: pa.Table
) -> pa.Table:
    heads = {(int(r["year"]), r["scheme"]): int(r["insured_count"]) for r in insured.to_pylist()}
    rows = []
    for y in ctx.years:
        subsidy, individual = RESIDENT_STANDARD.get(y, RESIDENT_STANDARD[max(RESIDENT_STANDARD)])
        rows.append(("resident", y, individual, subsidy, RESIDENT_SOURCE))
        per_capita = (
            _spent(ctx, settlements, "employee", y) / 100 / max(heads.get((y, "employee"), 1), 1)
        )
        total = int(round(per_capita / EMPLOYEE_SPENT_PER_INCOME))
        rows.append(
            ("employee", y, round(total * 2 / 8), total - round(total * 2 / 8), EMPLOYEE_SOURCE)
        )
    return pa.table(
        {
            "division_code": pa.array([ctx.spec.code] * len(rows), pa.string()),
            "year": pa.array([r[1] for r in rows], pa.int64()),
            "scheme": pa.array([r[0] for r in rows], pa.string()),
            "individual": money(np.array([r[2] * 100 for r in rows], dtype=np.int64)),
            "subsidy": money(np.array([r[3] * 100 for r in rows], dtype=np.int64)),
            "source": pa.array([r[4] for r in rows], pa.string()),
        }
    )


def _fen(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """decimal(18,2) → int64 fen, exactly."""
    return pc.cast(pc.multiply(arr, 100), pa.int64()).to_numpy(zero_copy_only=False)


def fund_accounts_table(
    ctx: CountyContext, insured: pa.Table, standards: pa.Table, settlements: pa.Table
) -> pa.Table:
    """Opening balance, interest and source per scheme and year; the income is left empty (the
    bureau's desk computes insured × standard), and each year opens with the previous year's
    closing balance, so the accounts and the settlements agree."""
    y = pc.year(settlements.column("settle_date")).to_numpy(zero_copy_only=False)
    scheme = np.asarray(settlements.column("scheme").to_pylist(), dtype=object)
    own = np.asarray(
        pc.starts_with(settlements.column("insured_area"), ctx.spec.code).to_pylist(), dtype=bool
    )
    fund = _fen(settlements.column("fund_paid"))
    heads = {(int(r["year"]), r["scheme"]): int(r["insured_count"]) for r in insured.to_pylist()}
    std = {(int(r["year"]), r["scheme"]): r for r in standards.to_pylist()}
    rows = []
    for s in ("resident", "employee"):
        balance = None
        for year in ctx.years:
            spent = int(fund[(y == year) & (scheme == s) & own].sum())
            if balance is None:
                balance = int(round(spent / 12 * OPENING_MONTHS[s]))
            interest = int(round(max(balance, 0) * INTEREST))
            st = std[(year, s)]
            per_capita = int((st["individual"] + st["subsidy"]) * 100)
            income = heads.get((year, s), 0) * per_capita + interest
            other_out = int(round(income * OTHER_EXPENDITURE[s]))
            rows.append((s, year, balance, interest, other_out))
            balance = balance + income - spent - other_out
    return pa.table(
        {
            "division_code": pa.array([ctx.spec.code] * len(rows), pa.string()),
            "year": pa.array([r[1] for r in rows], pa.int64()),
            "scheme": pa.array([r[0] for r in rows], pa.string()),
            "opening_balance": money(np.array([r[2] for r in rows], dtype=np.int64)),
            "income": pa.nulls(len(rows), pa.decimal128(18, 2)),
            "other_income": money(np.array([r[3] for r in rows], dtype=np.int64)),
            "other_expenditure": money(np.array([r[4] for r in rows], dtype=np.int64)),
            "source": pa.array(
                ["synthetic: opening = closing of the year before"] * len(rows), pa.string()
            ),  # fmt: skip
        }
    )


def _pharmacies(ctx: CountyContext) -> list[dict[str, object]]:
    n = max(1, ctx.spec.residents // RESIDENTS_PER_PHARMACY)
    towns = [t.code for t in ctx.geo.townships]
    rng = ctx.rng("pharmacies")
    out = []
    for k in range(n):
        out.append({
            "code": f"P{ctx.spec.code}{k + 1:05d}",
            "name": f"{ctx.spec.name_zh}{'康仁惠民同济益寿百姓'[k % 10]}大药房第{k + 1}店",
            "division": towns[int(rng.integers(0, len(towns)))],
        })  # fmt: skip
    return out


def designated_providers_table(ctx: CountyContext) -> pa.Table:
    """The county's hospitals and health centres (designated since they opened, from 2016) —
    village clinics are settled through their township centre (乡村一体化) — and its retail
    pharmacies; the last pharmacy lost its designation for violations on 2023-06-30."""
    inst = [
        i for i in ctx.inst.all if i.institution_type not in ("public_health", "village_clinic")
    ]
    ph = _pharmacies(ctx)
    start = [max(i.opened_on, "2016-01-01") for i in inst] + ["2018-01-01"] * len(ph)
    end: list[str | None] = [None] * (len(inst) + len(ph))
    reason: list[str | None] = [None] * len(end)
    if len(ph) > 1:
        end[-1], reason[-1] = "2023-06-30", "violation"
    valid_end = np.array([e is not None for e in end])
    return pa.table(
        {
            "provider_code": pa.array(
                [i.institution_id for i in inst] + [p["code"] for p in ph], pa.string()
            ),  # fmt: skip
            "name_zh": pa.array([i.name_zh for i in inst] + [p["name"] for p in ph], pa.string()),
            "provider_kind": pa.array(
                ["medical_institution"] * len(inst) + ["retail_pharmacy"] * len(ph), pa.string()
            ),  # fmt: skip
            "institution_id": pa.array(
                [i.institution_id for i in inst] + [None] * len(ph), pa.string()
            ),  # fmt: skip
            "division_code": pa.array(
                [i.division_code for i in inst] + [p["division"] for p in ph], pa.string()
            ),  # fmt: skip
            "level": pa.array([i.level for i in inst] + [None] * len(ph), pa.string()),
            "designated_from": dates(np.array(start, dtype="datetime64[D]")),
            "designated_to": dates(
                np.array([e or "1970-01-01" for e in end], dtype="datetime64[D]"), valid_end
            ),  # fmt: skip
            "termination_reason": pa.array(reason, pa.string()),
        }
    )


def _provider_year_paid(settlements: pa.Table) -> dict[tuple[str, int], int]:
    """Fund paid (fen) per provider code and settlement year."""
    y = pc.year(settlements.column("settle_date"))
    t = pa.table({"p": settlements.column("provider_code"), "y": y,
                  "f": pc.cast(pc.multiply(settlements.column("fund_paid"), 100), pa.int64())})  # fmt: skip
    agg = t.group_by(["p", "y"]).aggregate([("f", "sum")])
    return {(p, int(yy)): int(f) for p, yy, f in zip(agg.column("p").to_pylist(),
            agg.column("y").to_pylist(), agg.column("f_sum").to_pylist(), strict=True)}  # fmt: skip


_SERVICES = {
    "hospital": "inpatient|outpatient|outpatient_chronic",
    "centre": "inpatient|outpatient|outpatient_chronic",
    "clinic": "outpatient",
    "pharmacy": "pharmacy",
}


def _methods(kind: str, year: int) -> str:
    if kind == "hospital":
        return "|".join(["fee_for_service", *(["drg"] if year >= 2022 else []),
                         "per_bed_day", *(["day_surgery"] if year >= 2023 else [])])  # fmt: skip
    if kind == "centre":
        return "|".join(["fee_for_service", *(["dip"] if year >= 2023 else []), "per_head"])
    if kind == "clinic":
        return "fee_for_service|per_head"
    return "fee_for_service"


def provider_agreements_table(
    ctx: CountyContext, providers: pa.Table, settlements: pa.Table
) -> pa.Table:
    """One agreement per provider and year of designation: quota = the provider's fund paid of
    the year before (of the same year in the first year) × 1.03, to the thousand yuan
    (assumption); deposit 5 % of it; 30 days to settle a claim."""
    paid = _provider_year_paid(settlements)
    kinds = {
        i.institution_id: "hospital" if i.institution_type.startswith("county")
        else "centre" if i.institution_type.endswith("centre") else "clinic"
        for i in ctx.inst.all
    }  # fmt: skip
    rows = []
    for r in providers.to_pylist():
        code = r["provider_code"]
        kind = kinds.get(code, "pharmacy")
        first = r["designated_from"].year
        last = r["designated_to"].year if r["designated_to"] else max(ctx.years)
        for year in ctx.years:
            if not first <= year <= last:
                continue
            base = paid.get((code, year - 1), paid.get((code, year), 0))
            quota = (
                None
                if kind in ("clinic", "pharmacy")
                else int(round(base * 1.03 / 100_000)) * 100_000
            )
            deposit = PHARMACY_DEPOSIT_FEN if kind == "pharmacy" else (
                int(round(quota * DEPOSIT_SHARE / 10_000)) * 10_000 if quota else 100_000)  # fmt: skip
            end = (
                r["designated_to"]
                if r["designated_to"] and r["designated_to"].year == year
                else date(year, 12, 31)
            )
            rows.append((f"XY{year}{code}", code, date(year, 1, 1), end, _SERVICES[kind],
                         _methods(kind, year), quota, deposit))  # fmt: skip
    n = len(rows)
    quota = np.array([r[6] or 0 for r in rows], dtype=np.int64)
    return pa.table(
        {
            "agreement_id": pa.array([r[0] for r in rows], pa.string()),
            "provider_code": pa.array([r[1] for r in rows], pa.string()),
            "valid_from": pa.array([r[2] for r in rows], pa.date32()),
            "valid_to": pa.array([r[3] for r in rows], pa.date32()),
            "services": pa.array([r[4] for r in rows], pa.string()),
            "payment_methods": pa.array([r[5] for r in rows], pa.string()),
            "annual_quota": money(quota, np.array([r[6] is not None for r in rows])),
            "deposit": money(np.array([r[7] for r in rows], dtype=np.int64)),
            "settlement_days": pa.array([SETTLEMENT_DAYS] * n, pa.int64()),
        }
    )


def claim_submissions_table(ctx: CountyContext, settlements: pa.Table) -> pa.Table:
    """Each in-county provider's monthly claim (Σ fund paid of its settlements that month),
    submitted on day 3–14 of the next month, approved less up to 1 %, paid 12–28 days later;
    6 % of claims are paid 31–60 days later, and half the claims of the last month are still
    unpaid (assumptions) — the time-limit report's overdue alerts."""
    rng = ctx.rng("claims")
    inside = pc.starts_with(settlements.column("service_area"), ctx.spec.code)
    s = settlements.filter(inside)
    d = s.column("settle_date")
    t = pa.table({"p": s.column("provider_code"), "y": pc.year(d), "m": pc.month(d),
                  "f": pc.cast(pc.multiply(s.column("fund_paid"), 100), pa.int64())})  # fmt: skip
    agg = t.group_by(["p", "y", "m"]).aggregate([("f", "sum")]).sort_by([("p", "ascending"),
                                                                          ("y", "ascending"),
                                                                          ("m", "ascending")])  # fmt: skip
    agg = agg.filter(pc.is_in(agg.column("y"), pa.array(list(ctx.years), pa.int64())))
    n = agg.num_rows
    year = agg.column("y").to_numpy(zero_copy_only=False).astype(np.int64)
    month = agg.column("m").to_numpy(zero_copy_only=False).astype(np.int64)
    claimed = agg.column("f_sum").to_numpy(zero_copy_only=False).astype(np.int64)
    first = (year + (month == 12)).astype(str).astype(object) + "-" + np.char.zfill(
        (month % 12 + 1).astype(str), 2).astype(object) + "-01"  # fmt: skip
    submitted = np.array(first.tolist(), dtype="datetime64[D]") + rng.integers(2, 14, n)
    approved = claimed - (claimed * rng.uniform(0, 0.01, n)).astype(np.int64)
    late = rng.random(n) < 0.06
    lag = np.where(late, rng.integers(31, 61, n), rng.integers(12, 29, n))
    paid = submitted + lag
    last = (year == max(ctx.years)) & (month == 12)
    unpaid = last & (rng.random(n) < 0.5)
    ids = pc.binary_join_element_wise(
        "SB", agg.column("p"), pc.cast(agg.column("y"), pa.string()), padded(month, 2), ""
    )
    return pa.table(
        {
            "submission_id": ids,
            "provider_code": agg.column("p"),
            "year": pa.array(year),
            "month": pa.array(month),
            "submitted_date": dates(submitted),
            "amount_claimed": money(claimed),
            "amount_approved": money(approved),
            "paid_date": dates(paid, ~unpaid),
            "amount_paid": money(approved, ~unpaid),
        }
    )


#: inspection items recorded per provider-year (the rest of the assessment is computed)
INSPECTION_ITEMS = ("violations", "satisfaction", "upload_timeliness")


def agreement_inspections_table(ctx: CountyContext, agreements: pa.Table) -> pa.Table:
    """Violations found (Poisson, mean 0.3; 2 for one hospital in the last year), satisfaction
    72–97 and settlement-list upload timeliness 86–100 % per provider-year with an agreement
    (assumptions: plausible orders of magnitude, no published figure)."""
    rng = ctx.rng("inspections")
    pairs = sorted({(p, v.year) for p, v in zip(agreements.column("provider_code").to_pylist(),
                                                agreements.column("valid_from").to_pylist(), strict=True)})  # fmt: skip
    n = len(pairs)
    violations = rng.poisson(0.3, n)
    if n:
        violations[n // 2] = 2
    satisfaction = np.round(rng.uniform(72, 97, n), 1)
    upload = np.round(rng.uniform(86, 100, n), 1)
    items, values, codes, years = [], [], [], []
    for i, (p, y) in enumerate(pairs):
        for item, v in zip(
            INSPECTION_ITEMS, (violations[i], satisfaction[i], upload[i]), strict=True
        ):
            codes.append(p)
            years.append(y)
            items.append(item)
            values.append(int(round(float(v) * 100)))
    return pa.table(
        {
            "provider_code": pa.array(codes, pa.string()),
            "year": pa.array(years, pa.int64()),
            "item": pa.array(items, pa.string()),
            "value": money(np.array(values, dtype=np.int64)),
            "note": pa.nulls(len(codes), pa.string()),
        }
    )


__all__ = [
    "agreement_inspections_table",
    "claim_submissions_table",
    "contribution_standards_table",
    "designated_providers_table",
    "fund_accounts_table",
    "provider_agreements_table",
]
