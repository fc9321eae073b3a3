"""DIP settlement (按病种分值付费结算) of one year's cases, per group, outliers case by case.

Per case ([S1] §5.4–5.5 of the payment research notes):

* group: core (dx4 + procedure) if in the catalogue's core set, else comprehensive (dx3 +
  treatment attribute), else **unmatched** — scored by its own cost (cost ÷ M × scale) and
  listed for review;
* reference cost (the same-level group standard, 支付标准) = group mean × hospital coefficient,
  **rounded to the fen**: it is an amount of money, and the policy states it in yuan and fen;
* deviation cases (偏差病例, DIP 1.0), compared **exactly** (cost × 2 < reference, never a
  rounded quotient): cost < ``low_ratio`` × reference → points = score × coef × cost ÷
  reference; cost > ``high_ratio`` × reference → points = score × coef × (cost ÷ reference −
  high_ratio + 1); cost > ``extreme_ratio`` × reference → same formula, flagged for expert
  review (特例单议); otherwise points = score × coef. Points are rounded once, half-up to
  ``score_decimals``.

A case exactly at 50 % of its reference is *not* low (the text says "below 50 %"): with a
group mean of 3,000.20 ÷ 3 and a coefficient of 0.6 the reference is 600.04, and a case of
300.02 keeps its full points (``tests/payment/test_audit_findings.py``).

Point value (结算点值) = (fund available for DIP ÷ fund payment ratio) ÷ total points, rounded
half-up to ``point_value_decimals``; fund payment ratio = Σ fund paid ÷ Σ cost of the DIP cases.
Hospital settlement = points × point value × payment ratio × assessment coefficient − audit
deductions, rounded once to the fen. What rounding leaves in the DIP pool is reported.

Normal cases of a group and level share one figure (their points), computed once; only the
deviation cases are computed case by case, on int64 columns (:mod:`.fen_arrays`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from yigong.payment.columns import Codes, duplicate_positions, encode, file_line
from yigong.payment.dip_catalog import DipCatalog, ProcedureKind, group_keys
from yigong.payment.errors import PaymentInputError
from yigong.payment.fen_arrays import I64_LIMIT, decimal_ratio, group_sum, muldiv, units
from yigong.payment.ledger import Ledger
from yigong.payment.policy_casemix import DipPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, divide, in_context

__all__ = [
    "DEVIATIONS",
    "DipCase",
    "DipCaseColumns",
    "DipCaseResult",
    "DipHospitalResult",
    "DipResult",
    "HospitalAdjustment",
    "settle_dip",
    "settle_dip_columns",
]

#: deviation kinds, by their code in :attr:`DipResult.deviation`
DEVIATIONS = ("normal", "low", "high", "extreme", "unmatched")
NORMAL, LOW, HIGH, EXTREME, UNMATCHED = range(5)
MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class DipCase:
    """A discharge of the settlement year, with its total cost and fund-paid amount."""

    case_id: str
    institution_id: str
    level: str
    diagnosis: str
    procedure: str
    procedure_kind: ProcedureKind
    cost: Money
    fund_paid: Money


@dataclass(frozen=True, slots=True, eq=False)  # numpy fields: identity equality
class DipCaseColumns:
    """DIP cases as columns (costs and fund paid in fen; text as codes)."""

    case_id: Sequence[str]
    institution: Codes
    level: Codes
    diagnosis: Codes
    procedure: Codes
    kind: Codes
    cost_fen: np.ndarray
    fund_fen: np.ndarray
    source: str = "dip_cases.csv"
    lines: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.cost_fen)

    @classmethod
    def from_records(
        cls, cases: Sequence[DipCase], source: str = "dip_cases.csv"
    ) -> DipCaseColumns:
        return cls(
            [c.case_id for c in cases],
            Codes.of([c.institution_id for c in cases]),
            Codes.of([c.level for c in cases]),
            Codes.of([c.diagnosis for c in cases]),
            Codes.of([c.procedure for c in cases]),
            Codes.of([str(c.procedure_kind) for c in cases]),
            np.array([c.cost.fen for c in cases], dtype=np.int64),
            np.array([c.fund_paid.fen for c in cases], dtype=np.int64),
            source,
            np.arange(2, len(cases) + 2, dtype=np.int64),
        )

    def __iter__(self) -> Iterator[DipCase]:
        """The cases as records, in column order."""
        cols = (self.institution, self.level, self.diagnosis, self.procedure, self.kind)
        inst, lv, dx, pr, kind = (list(x.values()) for x in cols)
        for i in range(len(self)):
            yield DipCase(str(self.case_id[i]), inst[i], lv[i], dx[i], pr[i], ProcedureKind(kind[i]),
                          Money.from_fen(int(self.cost_fen[i])), Money.from_fen(int(self.fund_fen[i])))  # fmt: skip

    def canonical_rows(self) -> list[list[str]]:
        """Every case as text (for the run's input hash)."""
        cols = (self.institution, self.level, self.diagnosis, self.procedure, self.kind)
        texts = [list(x.values()) for x in cols]
        return [
            [str(self.case_id[i]), *(t[i] for t in texts),
             str(Money.from_fen(int(self.cost_fen[i]))), str(Money.from_fen(int(self.fund_fen[i])))]
            for i in range(len(self))
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class HospitalAdjustment:
    """Assessment coefficient (考核系数) and audit deductions (审核扣减) of one hospital."""

    institution_id: str
    assessment_coefficient: Decimal = Decimal(1)
    deductions: Money = field(default_factory=Money.zero)


@dataclass(frozen=True, slots=True)
class DipCaseResult:
    case_id: str
    institution_id: str
    group_id: str
    score: Decimal
    coefficient: Decimal
    reference_cost: Decimal
    ratio: Decimal
    deviation: str  # normal | low | high | extreme | unmatched
    points: Decimal


@dataclass(frozen=True, slots=True)
class DipHospitalResult:
    institution_id: str
    cases: int
    points: Decimal
    gross: Money
    assessment_coefficient: Decimal
    deductions: Money
    settlement: Money


@dataclass(frozen=True)
class DipResult:
    """The settlement: per-case columns (group, deviation, reference in fen, points in units
    of 10⁻``points_places``), per hospital totals, the point value and the ledger."""

    year: int
    fund_available: Money
    payment_ratio: Decimal
    total_points: Decimal
    point_value: Decimal
    inputs: DipCaseColumns
    group_ids: tuple[str, ...]
    group: np.ndarray
    deviation: np.ndarray
    reference_fen: np.ndarray
    points_units: np.ndarray
    points_places: int
    hospitals: tuple[DipHospitalResult, ...]
    residual: Money
    ledger: Ledger
    catalog: DipCatalog
    coefficients: dict[str, Decimal] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {name: int((self.deviation == k).sum()) for k, name in enumerate(DEVIATIONS)}

    @property
    def cases(self) -> tuple[DipCaseResult, ...]:
        """Every case as a record, ordered by case id (for files and explanations)."""
        c = self.inputs
        out = []
        for i in sorted(range(len(c)), key=lambda i: c.case_id[i]):
            g = int(self.group[i])
            dev = DEVIATIONS[int(self.deviation[i])]
            points = Decimal(int(self.points_units[i])).scaleb(-self.points_places, CONTEXT)
            if g < 0:
                out.append(DipCaseResult(str(c.case_id[i]), c.institution[i], "", Decimal(0),
                                         Decimal(1), Decimal(0), Decimal(0), dev, points))  # fmt: skip
                continue
            gid = self.group_ids[g]
            ref = Decimal(int(self.reference_fen[i])).scaleb(-2, CONTEXT)
            ratio = divide(Decimal(int(c.cost_fen[i])).scaleb(-2, CONTEXT), ref)
            out.append(
                DipCaseResult(str(c.case_id[i]), c.institution[i], gid, self.catalog.groups[gid].score,
                              self.coefficients[c.level[i]], ref, ratio, dev, points)
            )  # fmt: skip
        return tuple(out)


def _issue(code: str, msg: str, cols: DipCaseColumns, row: int | None, fld: str) -> Issue:
    line = None if row is None else file_line(cols.lines, row)
    return Issue(Level.ERROR, code, msg, cols.source, line, fld)


def _listed(code: str, rows: np.ndarray, what: str, cols: DipCaseColumns, fld: str) -> list[Issue]:
    out = [_issue(code, f"case {cols.case_id[int(r)]}: {what}", cols, int(r), fld)
           for r in rows[:MAX_LISTED]]  # fmt: skip
    if len(rows) > MAX_LISTED:
        out.append(_issue(code, f"… and {len(rows) - MAX_LISTED} more such cases", cols, None, fld))
    return out


def dip_input_issues(
    cols: DipCaseColumns, fund: Money, adjustments: Sequence[HospitalAdjustment], check_ids: bool
) -> list[Issue]:
    """Every bad input of a DIP settlement, before any point is computed."""
    if not len(cols):
        return [_issue("dip.cases.empty", "no cases to settle", cols, None, "")]
    issues = _listed("dip.case.cost", np.flatnonzero(cols.cost_fen <= 0), "cost must be > 0",
                     cols, "cost")  # fmt: skip
    issues += _listed("dip.case.fund_paid", np.flatnonzero(cols.fund_fen < 0),
                      "fund paid must be >= 0", cols, "fund_paid")  # fmt: skip
    if check_ids:
        dup = np.array(duplicate_positions(cols.case_id), dtype=np.int64)
        issues += _listed("dip.case.duplicate", dup, "case id listed twice", cols, "case_id")
    if fund.is_negative:
        issues.append(Issue(Level.ERROR, "dip.fund.negative", f"dip_fund {fund} must not be negative",
                            "bundle.yaml", None, "dip_fund"))  # fmt: skip
    seen: set[str] = set()
    for i, a in enumerate(adjustments):
        where = ("dip_adjustments.csv", i + 2)
        if a.institution_id in seen:
            issues.append(Issue(Level.ERROR, "dip.adjustment.duplicate",
                                f"institution {a.institution_id!r} listed twice", *where, "institution_id"))  # fmt: skip
        seen.add(a.institution_id)
        if a.assessment_coefficient < 0:
            issues.append(Issue(Level.ERROR, "dip.adjustment.coefficient",
                                f"assessment coefficient {a.assessment_coefficient} must not be negative",
                                *where, "assessment_coefficient"))  # fmt: skip
        if a.deductions.is_negative:
            issues.append(Issue(Level.ERROR, "dip.adjustment.deductions",
                                f"deductions {a.deductions} must not be negative", *where, "deductions"))  # fmt: skip
    if not issues and int(cols.fund_fen.sum()) == 0:
        issues.append(_issue(
            "dip.cases.no_fund_paid",
            f"every one of the {len(cols)} DIP cases has fund_paid 0: the fund payment ratio "
            "(Σ fund paid ÷ Σ cost) is 0, so no point value can be derived",
            cols, None, "fund_paid"))  # fmt: skip
    return issues


def _below(a: np.ndarray, ratio: Decimal, b: np.ndarray) -> np.ndarray:
    """a < ratio × b exactly, for non-negative int64 columns (a × den < num × b)."""
    num, den = decimal_ratio(ratio)
    if int(a.max(initial=0)) * den < I64_LIMIT and int(b.max(initial=0)) * num < I64_LIMIT:
        return a * den < b * num
    return np.array(
        [x * den < y * num for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool
    )


def _case_groups(cols: DipCaseColumns, catalog: DipCatalog) -> tuple[np.ndarray, list[str]]:
    """Per case the index of its group in the returned ids (−1: unmatched)."""
    core_idx, core_text, comp_idx, comp_text = group_keys(cols.diagnosis, cols.procedure, cols.kind)
    ids: dict[str, int] = {}
    core_map = np.array(
        [
            ids.setdefault(f"core:{k}", len(ids)) if k in catalog.core_keys else -1
            for k in core_text
        ],
        dtype=np.int64,
    )
    comp_map = np.array(
        [ids.setdefault(f"comp:{k}", len(ids)) if f"comp:{k}" in catalog.groups else -1
         for k in comp_text],
        dtype=np.int64,
    )  # fmt: skip
    by_core = core_map[core_idx] if len(core_map) else np.full(len(cols), -1, dtype=np.int64)
    by_comp = comp_map[comp_idx] if len(comp_map) else np.full(len(cols), -1, dtype=np.int64)
    return np.where(by_core >= 0, by_core, by_comp), list(ids)


@in_context
def settle_dip_columns(
    cols: DipCaseColumns,
    catalog: DipCatalog,
    policy: DipPolicy,
    fund_available: Money,
    year: int,
    rounding: RoundingRule,
    adjustments: Sequence[HospitalAdjustment] = (),
    *,
    check_ids: bool = True,
) -> DipResult:
    """Score every case, derive the point value and settle each hospital."""
    problems = dip_input_issues(cols, fund_available, adjustments, check_ids)
    if problems:
        raise PaymentInputError(problems)
    sd = policy.score_decimals
    group, group_ids = _case_groups(cols, catalog)
    matched = group >= 0
    n_lv = len(cols.level.labels)
    coefs = [catalog.coefficients.get(lv) for lv in cols.level.labels]
    missing = [k for k, c in enumerate(coefs) if c is None]
    if missing:
        bad = np.flatnonzero(matched & np.isin(cols.level.index, missing))
        if len(bad):
            lv = cols.level.labels[int(cols.level.index[bad[0]])]
            raise PaymentInputError(_listed("dip.level", bad, f"no coefficient for level {lv!r}",
                                            cols, "level"))  # fmt: skip
    # one band per (group, level) present: reference (fen), base points, normal points
    pair = np.where(matched, group * n_lv + cols.level.index, -1)
    bands, band_of = encode(pair)
    base_places = 0
    base: list[Decimal] = []
    ref_fen = np.zeros(len(bands), dtype=np.int64)
    for b, key in enumerate(bands.tolist()):
        if key < 0:
            base.append(Decimal(0))
            continue
        g, lv = divmod(key, n_lv)
        grp, coef = catalog.groups[group_ids[g]], coefs[lv]
        assert coef is not None
        ref_fen[b] = Money.of(CONTEXT.multiply(grp.mean_cost, coef), rounding).fen
        base.append(CONTEXT.multiply(grp.score, coef))
        base_places = max(base_places, -int(base[-1].as_tuple().exponent))
    zero = [b for b, key in enumerate(bands.tolist()) if key >= 0 and ref_fen[b] <= 0]
    if zero:
        zg, zl = divmod(int(bands[zero[0]]), n_lv)
        raise PaymentInputError([_issue(
            "dip.reference.zero",
            f"group {group_ids[zg]} at level {cols.level.labels[zl]!r}: the reference cost (group "
            f"mean {catalog.groups[group_ids[zg]].mean_cost:.2f} × coefficient {coefs[zl]}) rounds "
            f"to 0.00, so no case of it can be compared with it ({len(zero)} such groups)",
            cols, None, "level")])  # fmt: skip
    base_units = np.array([units(x, base_places) for x in base], dtype=np.int64)
    normal_units = np.array(
        [
            units(x.quantize(Decimal(1).scaleb(-sd, CONTEXT), rounding=ROUND_HALF_UP), sd)
            for x in base
        ],
        dtype=np.int64,
    )
    ref = ref_fen[band_of]
    cost = cols.cost_fen
    deviation = np.full(len(cols), NORMAL, dtype=np.int8)
    deviation[~matched] = UNMATCHED
    low = matched & _below(cost, policy.low_ratio, ref)
    high = matched & ~low & _above(cost, policy.high_ratio, ref)
    extreme = high & _above(cost, policy.extreme_ratio, ref)
    deviation[low] = LOW
    deviation[high] = HIGH
    deviation[extreme] = EXTREME
    points = normal_units[band_of]
    shift = 10 ** (base_places - sd) if base_places >= sd else None
    points[low] = _deviation_points(
        base_units[band_of[low]], cost[low], ref[low], 1, 0, shift, base_places, sd
    )
    num_h, den_h = decimal_ratio(policy.high_ratio)
    hi = high  # high and extreme share the formula
    points[hi] = _deviation_points(base_units[band_of[hi]], cost[hi], ref[hi], den_h, num_h - den_h,
                                   shift, base_places, sd)  # fmt: skip
    unmatched = np.flatnonzero(~matched)
    q = Decimal(1).scaleb(-sd, CONTEXT)
    for r in unmatched.tolist():
        value = CONTEXT.multiply(divide(Decimal(int(cost[r])).scaleb(-2, CONTEXT), catalog.overall_mean),
                                 policy.score_scale).quantize(q, rounding=ROUND_HALF_UP)  # fmt: skip
        points[r] = units(value, sd)
    return _settle_hospitals(cols, catalog, policy, fund_available, year, rounding, adjustments,
                             group_ids, group, deviation, ref, points, coefs)  # fmt: skip


def _above(a: np.ndarray, ratio: Decimal, b: np.ndarray) -> np.ndarray:
    """a > ratio × b exactly (a × den > num × b)."""
    num, den = decimal_ratio(ratio)
    if int(a.max(initial=0)) * den < I64_LIMIT and int(b.max(initial=0)) * num < I64_LIMIT:
        return a * den > b * num
    return np.array(
        [x * den > y * num for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool
    )


def _deviation_points(
    base_units: np.ndarray,
    cost: np.ndarray,
    ref: np.ndarray,
    den: int,
    excess: int,
    shift: int | None,
    base_places: int,
    sd: int,
) -> np.ndarray:
    """base × (cost × den − excess × ref) ÷ (ref × den), rounded half-up to ``sd`` places.

    Low cases: den = 1, excess = 0 (base × cost ÷ ref). High cases with high ratio h = n/d:
    den = d, excess = n − d (base × (cost ÷ ref − h + 1))."""
    if not len(cost):
        return np.zeros(0, dtype=np.int64)
    top = cost * den - ref * excess
    if shift is not None:
        return muldiv(base_units, top, ref * (den * shift))
    # the base has fewer places than the points: scale the numerator up instead
    return muldiv(base_units * 10 ** (sd - base_places), top, ref * den)


def _settle_hospitals(
    cols: DipCaseColumns,
    catalog: DipCatalog,
    policy: DipPolicy,
    fund_available: Money,
    year: int,
    rounding: RoundingRule,
    adjustments: Sequence[HospitalAdjustment],
    group_ids: list[str],
    group: np.ndarray,
    deviation: np.ndarray,
    ref: np.ndarray,
    points: np.ndarray,
    coefs: list[Decimal | None],
) -> DipResult:
    sd = policy.score_decimals
    total_cost = Decimal(int(cols.cost_fen.sum())).scaleb(-2, CONTEXT)
    total_fund = Decimal(int(cols.fund_fen.sum())).scaleb(-2, CONTEXT)
    payment_ratio = divide(total_fund, total_cost)
    total_points = Decimal(int(points.sum())).scaleb(-sd, CONTEXT)
    pv_q = Decimal(1).scaleb(-policy.point_value_decimals, CONTEXT)
    point_value = divide(divide(fund_available.amount, payment_ratio), total_points).quantize(
        pv_q, rounding=ROUND_HALF_UP
    )
    n_inst = len(cols.institution.labels)
    inst = cols.institution.index
    by_inst = group_sum(inst, points, n_inst)
    count = np.bincount(inst, minlength=n_inst)
    adj = {a.institution_id: a for a in adjustments}
    ledger = Ledger()
    clause = policy.clause
    day, period = f"{year}-12-31", f"{year}-YE"
    ledger.transfer(date=day, period=period, source="external:fund_income", target="fund:dip_pool",
                    amount=fund_available, rule_id="dip.fund", clause=clause,
                    inputs={"fund_available": fund_available})  # fmt: skip
    hospitals = []
    for k in sorted(range(n_inst), key=lambda i: cols.institution.labels[i]):
        if not count[k]:
            continue
        name = cols.institution.labels[k]
        a = adj.get(name, HospitalAdjustment(name))
        pts = Decimal(int(by_inst[k])).scaleb(-sd, CONTEXT)
        gross = Money.of(
            CONTEXT.multiply(CONTEXT.multiply(pts, point_value), payment_ratio), rounding
        )
        settled = gross.scale(a.assessment_coefficient, rounding) - a.deductions
        hospitals.append(DipHospitalResult(name, int(count[k]), pts, gross, a.assessment_coefficient,
                                           a.deductions, settled))  # fmt: skip
        ledger.transfer(date=day, period=period, source="fund:dip_pool", target=f"institution:{name}",
                        amount=settled, rule_id="dip.settle", clause=clause,
                        inputs={"points": pts, "point_value": point_value, "payment_ratio": payment_ratio,
                                "assessment_coefficient": a.assessment_coefficient, "deductions": a.deductions})  # fmt: skip
    residual = ledger.balance("fund:dip_pool")
    coef_map = {lv: c for lv, c in zip(cols.level.labels, coefs, strict=True) if c is not None}
    return DipResult(year, fund_available, payment_ratio, total_points, point_value, cols,
                     tuple(group_ids), group, deviation, ref, points, sd, tuple(hospitals),
                     residual, ledger, catalog, coef_map)  # fmt: skip


@in_context
def settle_dip(
    cases: Sequence[DipCase],
    catalog: DipCatalog,
    policy: DipPolicy,
    fund_available: Money,
    year: int,
    rounding: RoundingRule,
    adjustments: Sequence[HospitalAdjustment] = (),
) -> DipResult:
    """:func:`settle_dip_columns` for record cases (a bundle, a test)."""
    if not cases:
        raise PaymentInputError(
            [Issue(Level.ERROR, "dip.cases.empty", "no cases to settle", "dip_cases.csv")]
        )
    return settle_dip_columns(DipCaseColumns.from_records(cases), catalog, policy, fund_available,
                              year, rounding, adjustments)  # fmt: skip
