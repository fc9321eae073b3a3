"""DRG payment (按疾病诊断相关分组付费), settled per group with only outliers case by case.

Source: payment research notes §5.7 (暂行办法 第十六、十七条 via [S1]); outlier thresholds have
no national number and are local parameters.

* rate (费率): ``fixed`` = ``base_rate``; ``floating_cost`` (浮动费率法) = Σ cost ÷ Σ weight of
  the paid-by-DRG cases; ``budget`` = DRG fund ÷ Σ (weight × coefficient). Rounded half-up to
  ``rate_decimals``.
* payment standard (支付标准) = rate × weight × hospital coefficient (by level), to the fen —
  one figure per (weight, level) band, with its low and high thresholds (standard × ratio,
  to the fen);
* stays with los ≤ ``min_los`` or ≥ ``max_los`` are excluded: paid cost × ``excluded_cost_share``;
* low outlier (低倍率): cost < low threshold → paid the actual cost;
* high outlier (高倍率): cost > high threshold → standard + (cost − threshold) ×
  ``high_excess_share``;
* otherwise the standard.

The bands are computed once in ``Decimal``; cases are classified and paid on whole int64
columns of fen (:mod:`yigong.payment.fen_arrays`), so a province-year settles in seconds with
the same fen a per-case ``Decimal`` loop would give (tested against one).

Ledger: the DRG pool (``fund:drg_pool``) receives the DRG fund — the ``drg_fund`` of a budget
rate, else what the cases are paid — and pays each hospital its total. With a budget, what is
left of it (or the overrun) moves to ``fund:carry_forward`` under ``drg.unspent``, so the
unspent DRG fund is a ledger line, not a figure nobody sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from yigong.payment.columns import Codes, duplicate_positions, encode, file_line
from yigong.payment.errors import PaymentInputError
from yigong.payment.fen_arrays import decimal_ratio, group_sum, scale_fen, to_money, units
from yigong.payment.ledger import Ledger
from yigong.payment.policy_casemix import DrgPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, in_context

__all__ = [
    "CATEGORIES",
    "DrgCase",
    "DrgCaseColumns",
    "DrgCaseResult",
    "DrgHospitalResult",
    "DrgResult",
    "drg_rate",
    "settle_drg",
    "settle_drg_columns",
]

#: case categories, by their code in :attr:`DrgResult.category`
CATEGORIES = ("normal", "low", "high", "excluded")
NORMAL, LOW, HIGH, EXCLUDED = range(4)
#: at most this many rows are listed per kind of bad input (the count says how many more)
MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class DrgCase:
    """A grouped discharge: DRG code and relative weight (权重) from the grouper's pack."""

    case_id: str
    institution_id: str
    level: str
    drg: str
    weight: Decimal
    cost: Money
    los: int


@dataclass(frozen=True, slots=True, eq=False)  # numpy fields: identity equality
class DrgCaseColumns:
    """DRG cases as columns: weights in units of 10⁻``weight_places``, costs in fen."""

    case_id: Sequence[str]
    institution: Codes
    level: Codes
    drg: Codes
    weight_units: np.ndarray
    weight_places: int
    cost_fen: np.ndarray
    los: np.ndarray
    source: str = "drg_cases.csv"
    lines: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.cost_fen)

    @classmethod
    def from_records(
        cls, cases: Sequence[DrgCase], source: str = "drg_cases.csv"
    ) -> DrgCaseColumns:
        """Columns of record cases, in their order; file lines are record *i* → line *i* + 2."""
        places = max((max(0, -int(c.weight.as_tuple().exponent)) for c in cases), default=0)
        return cls(
            [c.case_id for c in cases],
            Codes.of([c.institution_id for c in cases]),
            Codes.of([c.level for c in cases]),
            Codes.of([c.drg for c in cases]),
            np.array([units(c.weight, places) for c in cases], dtype=np.int64),
            places,
            np.array([c.cost.fen for c in cases], dtype=np.int64),
            np.array([c.los for c in cases], dtype=np.int64),
            source,
            np.arange(2, len(cases) + 2, dtype=np.int64),
        )

    def __iter__(self) -> Iterator[DrgCase]:
        """The cases as records, in column order."""
        inst, lv, drg = (list(c.values()) for c in (self.institution, self.level, self.drg))
        for i in range(len(self)):
            yield DrgCase(str(self.case_id[i]), inst[i], lv[i], drg[i], self.weight(i),
                          Money.from_fen(int(self.cost_fen[i])), int(self.los[i]))  # fmt: skip

    def canonical_rows(self) -> list[list[str]]:
        """Every case as text (for the run's input hash)."""
        inst, lv, drg = (list(c.values()) for c in (self.institution, self.level, self.drg))
        return [
            [str(self.case_id[i]), inst[i], lv[i], drg[i], str(self.weight(i)),
             str(Money.from_fen(int(self.cost_fen[i]))), str(int(self.los[i]))]
            for i in range(len(self))
        ]  # fmt: skip

    def weight(self, row: int) -> Decimal:
        return Decimal(int(self.weight_units[row])).scaleb(-self.weight_places, CONTEXT)


@dataclass(frozen=True, slots=True)
class DrgCaseResult:
    case_id: str
    institution_id: str
    drg: str
    standard: Money
    category: str  # normal | low | high | excluded
    payment: Money


@dataclass(frozen=True, slots=True)
class DrgHospitalResult:
    institution_id: str
    cases: int
    total_weight: Decimal
    cost: Money
    payment: Money


@dataclass(frozen=True, slots=True)
class DrgGroupRow:
    """One hospital's cases of one DRG and level: the per-group settlement."""

    institution_id: str
    drg: str
    level: str
    standard: Money
    cases: int
    normal: int
    low: int
    high: int
    excluded: int
    payment: Money


@dataclass(frozen=True)
class DrgResult:
    """The settlement: the rate, per-case columns (category, standard, payment in fen), per
    hospital totals, the ledger, and — with a budget — the unspent DRG fund."""

    year: int
    rate: Decimal
    inputs: DrgCaseColumns
    category: np.ndarray
    standard_fen: np.ndarray
    payment_fen: np.ndarray
    hospitals: tuple[DrgHospitalResult, ...]
    ledger: Ledger
    fund: Money
    unspent: Money
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cases(self) -> tuple[DrgCaseResult, ...]:
        """Every case as a record, ordered by case id (for files and explanations)."""
        c = self.inputs
        order = sorted(range(len(c)), key=lambda i: c.case_id[i])
        return tuple(
            DrgCaseResult(
                str(c.case_id[i]),
                c.institution[i],
                c.drg[i],
                to_money(self.standard_fen[i]),
                CATEGORIES[int(self.category[i])],
                to_money(self.payment_fen[i]),
            )
            for i in order
        )

    def groups(self) -> tuple[DrgGroupRow, ...]:
        """Per hospital, DRG and level: cases by category and what they are paid."""
        c = self.inputs
        nd, nl = len(c.drg.labels), len(c.level.labels)
        key = (c.institution.index * nd + c.drg.index) * nl + c.level.index
        uniq, inv = np.unique(key, return_inverse=True)
        n = len(uniq)
        by_cat = [np.bincount(inv[self.category == k], minlength=n) for k in range(4)]
        paid = group_sum(inv, self.payment_fen, n)
        first = np.zeros(n, dtype=np.int64)
        first[inv[::-1]] = np.arange(len(inv))[::-1]
        rows = []
        for g in range(n):
            i = int(first[g])
            normal, low, high, excluded = (int(b[g]) for b in by_cat)
            rows.append(
                DrgGroupRow(
                    c.institution[i],
                    c.drg[i],
                    c.level[i],
                    to_money(self.standard_fen[i]),
                    int(sum(b[g] for b in by_cat)),
                    normal,
                    low,
                    high,
                    excluded,
                    to_money(paid[g]),
                )
            )
        return tuple(sorted(rows, key=lambda r: (r.institution_id, r.drg, r.level)))


def _issue(code: str, message: str, cols: DrgCaseColumns, row: int | None, fld: str) -> Issue:
    line = None if row is None else file_line(cols.lines, row)
    return Issue(Level.ERROR, code, message, cols.source, line, fld)


def _listed(code: str, rows: np.ndarray, what: str, cols: DrgCaseColumns, fld: str) -> list[Issue]:
    """One issue per bad row (at most ``MAX_LISTED``, then one naming how many more)."""
    out = [
        _issue(code, f"case {cols.case_id[int(r)]}: {what}", cols, int(r), fld)
        for r in rows[:MAX_LISTED]
    ]
    if len(rows) > MAX_LISTED:
        out.append(_issue(code, f"… and {len(rows) - MAX_LISTED} more such cases", cols, None, fld))
    return out


def drg_input_issues(
    cols: DrgCaseColumns, policy: DrgPolicy, check_ids: bool = True
) -> list[Issue]:
    """Every bad case: values out of range, a duplicated case id, a level without coefficient."""
    if not len(cols):
        return [_issue("drg.cases.empty", "no cases to settle", cols, None, "")]
    issues = _listed(
        "drg.case.weight",
        np.flatnonzero(cols.weight_units <= 0),
        "weight must be > 0",
        cols,
        "weight",
    )
    issues += _listed(
        "drg.case.cost", np.flatnonzero(cols.cost_fen < 0), "cost must be >= 0", cols, "cost"
    )
    issues += _listed("drg.case.los", np.flatnonzero(cols.los < 0), "los must be >= 0", cols, "los")
    if check_ids:
        dup = np.array(duplicate_positions(cols.case_id), dtype=np.int64)
        issues += _listed("drg.case.duplicate", dup, "case id listed twice", cols, "case_id")
    if policy.coefficients:
        missing = [lv for lv in cols.level.labels if lv not in policy.coefficients]
        for lv in missing:
            code = cols.level.labels.index(lv)
            rows = np.flatnonzero(cols.level.index == code)
            issues += _listed("drg.level", rows, f"no coefficient for level {lv!r}", cols, "level")
    return issues


def _excluded(cols: DrgCaseColumns, policy: DrgPolicy) -> np.ndarray:
    out = np.zeros(len(cols), dtype=bool)
    if policy.min_los is not None:
        out |= cols.los <= policy.min_los
    if policy.max_los is not None:
        out |= cols.los >= policy.max_los
    return out


def _coefficients(cols: DrgCaseColumns, policy: DrgPolicy) -> list[Decimal]:
    """The coefficient of each level label (1 when the policy sets none)."""
    return [policy.coefficients.get(lv, Decimal(1)) if policy.coefficients else Decimal(1)
            for lv in cols.level.labels]  # fmt: skip


@in_context
def drg_rate(cols: DrgCaseColumns, policy: DrgPolicy, budget: Money | None) -> Decimal:
    """The year's DRG rate (费率) by the policy's method, from the cases not excluded."""
    q = Decimal(1).scaleb(-policy.rate_decimals, CONTEXT)
    if policy.rate_method == "fixed":
        assert policy.base_rate is not None
        return policy.base_rate
    paid = ~_excluded(cols, policy)
    if not paid.any():
        bounds = f"los <= {policy.min_los} or >= {policy.max_los}"
        raise PaymentInputError(
            [_issue("drg.cases.all_excluded",
                    f"every one of the {len(cols)} stays is excluded by length of stay ({bounds}): "
                    f"the {policy.rate_method} rate has no paid case to be computed from",
                    cols, None, "los")]
        )  # fmt: skip
    # sums over the paid cases in place (no copy of millions of values); int64, exact
    weight_units = int(np.sum(cols.weight_units, where=paid, dtype=np.int64))
    weight = Decimal(weight_units).scaleb(-cols.weight_places, CONTEXT)
    if policy.rate_method == "floating_cost":
        cost_fen = int(np.sum(cols.cost_fen, where=paid, dtype=np.int64))
        cost = Decimal(cost_fen).scaleb(-2, CONTEXT)
        return CONTEXT.divide(cost, weight).quantize(q, rounding=ROUND_HALF_UP)
    if budget is None:
        raise PaymentInputError(
            [Issue(Level.ERROR, "drg.budget", "rate_method 'budget' needs drg_fund in bundle.yaml "
                   "(or --drg-fund)", "bundle.yaml", None, "drg_fund")]
        )  # fmt: skip
    coefs = _coefficients(cols, policy)
    per_level = np.zeros(len(coefs), dtype=np.int64)
    np.add.at(per_level, cols.level.index[paid], cols.weight_units[paid])
    units_ = sum(
        (CONTEXT.multiply(Decimal(int(w)).scaleb(-cols.weight_places, CONTEXT), coefs[k])
         for k, w in enumerate(per_level.tolist())),
        Decimal(0),
    )  # fmt: skip
    return CONTEXT.divide(budget.amount, units_).quantize(q, rounding=ROUND_HALF_UP)


#: band keys (weight units × levels) below this are coded through a dense lookup table
_DENSE_BANDS = 1 << 24


def _band_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct band keys and each case's position among them: a lookup table when the keys
    are small non-negative integers (one scatter and one gather over the cases), else a hash
    (`encode`); never a sort of tens of millions of cases."""
    if not len(key) or int(key.min()) < 0 or int(key.max()) >= _DENSE_BANDS:
        return encode(key)
    present = np.zeros(int(key.max()) + 1, dtype=bool)
    present[key] = True
    uniq = np.flatnonzero(present).astype(np.int64)
    lookup = np.zeros(len(present), dtype=np.int64)
    lookup[uniq] = np.arange(len(uniq), dtype=np.int64)
    return uniq, lookup[key]


def _bands(
    cols: DrgCaseColumns, policy: DrgPolicy, rate: Decimal, rounding: RoundingRule
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Per case: the payment standard, the low and the high threshold (fen), one Decimal
    computation per distinct (weight, level) band."""
    nl = len(cols.level.labels)
    key = cols.weight_units * nl + cols.level.index
    uniq, inv = _band_codes(key)
    coefs = _coefficients(cols, policy)
    std, low, high = [], [], []
    for k in uniq.tolist():
        w_units, lv = divmod(k, nl)
        weight = Decimal(w_units).scaleb(-cols.weight_places, CONTEXT)
        standard = Money.of(CONTEXT.multiply(CONTEXT.multiply(rate, weight), coefs[lv]), rounding)
        std.append(standard.fen)
        if policy.low_ratio is not None:
            low.append(standard.scale(policy.low_ratio, rounding).fen)
        if policy.high_ratio is not None:
            high.append(standard.scale(policy.high_ratio, rounding).fen)

    def as_col(xs: list[int]) -> np.ndarray | None:
        return np.array(xs, dtype=np.int64)[inv] if xs else None

    standard_fen = as_col(std)
    assert standard_fen is not None
    return standard_fen, as_col(low), as_col(high)


@in_context
def settle_drg_columns(
    cols: DrgCaseColumns,
    policy: DrgPolicy,
    year: int,
    rounding: RoundingRule,
    budget: Money | None = None,
    *,
    check_ids: bool = True,
) -> DrgResult:
    """Pay every case and total per hospital; each hospital's total is a ledger transfer.

    ``check_ids=False`` skips the duplicate-id check for cases whose ids are a table's key
    (the warehouse's discharges), where it cannot fail."""
    problems = drg_input_issues(cols, policy, check_ids)
    if problems:
        raise PaymentInputError(problems)
    rate = drg_rate(cols, policy, budget)
    standard, low, high = _bands(cols, policy, rate, rounding)
    cost = cols.cost_fen
    category = np.full(len(cols), NORMAL, dtype=np.int8)
    payment = standard.copy()
    excluded = _excluded(cols, policy)
    if low is not None:
        is_low = ~excluded & (cost < low)
        category[is_low] = LOW
        np.copyto(payment, cost, where=is_low)
    if high is not None:
        is_high = ~excluded & (cost > high) & (category == NORMAL)
        category[is_high] = HIGH
        excess = scale_fen(cost[is_high] - high[is_high], policy.high_excess_share, rounding)
        payment[is_high] = standard[is_high] + excess
    category[excluded] = EXCLUDED
    payment[excluded] = scale_fen(cost[excluded], policy.excluded_cost_share, rounding)

    n_inst = len(cols.institution.labels)
    inst = cols.institution.index
    count = np.bincount(inst, minlength=n_inst)
    weight = group_sum(inst, cols.weight_units, n_inst)
    cost_sum = group_sum(inst, cost, n_inst)
    paid = group_sum(inst, payment, n_inst)
    total_paid = Money.from_fen(int(paid.sum()))
    fund = budget if policy.rate_method == "budget" and budget is not None else total_paid
    ledger = Ledger()
    day, period = f"{year}-12-31", f"{year}-YE"
    fund_rule = "drg.fund_budget" if fund is budget else "drg.fund_paid"
    ledger.transfer(date=day, period=period, source="external:fund_income", target="fund:drg_pool",
                    amount=fund, rule_id=fund_rule, clause=policy.clause,
                    inputs={"rate_method": policy.rate_method, "fund": fund, "cases": len(cols)})  # fmt: skip
    hospitals = []
    for k in sorted(range(n_inst), key=lambda i: cols.institution.labels[i]):
        if not count[k]:
            continue
        name = cols.institution.labels[k]
        total_weight = Decimal(int(weight[k])).scaleb(-cols.weight_places, CONTEXT)
        amount = Money.from_fen(int(paid[k]))
        hospitals.append(
            DrgHospitalResult(
                name, int(count[k]), total_weight, Money.from_fen(int(cost_sum[k])), amount
            )
        )
        ledger.transfer(date=day, period=period, source="fund:drg_pool", target=f"institution:{name}",
                        amount=amount, rule_id="drg.settle", clause=policy.clause,
                        inputs={"rate": rate, "cases": int(count[k]), "total_weight": total_weight})  # fmt: skip
    unspent = ledger.balance("fund:drg_pool")
    ledger.transfer(date=day, period=period, source="fund:drg_pool", target="fund:carry_forward",
                    amount=unspent, rule_id="drg.unspent", clause=policy.clause,
                    inputs={"drg_fund": fund, "paid": total_paid, "unspent": unspent})  # fmt: skip
    per_category = np.bincount(category, minlength=len(CATEGORIES))
    counts = {name: int(per_category[k]) for k, name in enumerate(CATEGORIES)}
    return DrgResult(
        year,
        rate,
        cols,
        category,
        standard,
        payment,
        tuple(hospitals),
        ledger,
        fund,
        unspent,
        counts,
    )


@in_context
def settle_drg(
    cases: Sequence[DrgCase],
    policy: DrgPolicy,
    year: int,
    rounding: RoundingRule,
    budget: Money | None = None,
) -> DrgResult:
    """:func:`settle_drg_columns` for record cases (a bundle, a test)."""
    if not cases:
        raise PaymentInputError(
            [Issue(Level.ERROR, "drg.cases.empty", "no cases to settle", "drg_cases.csv")]
        )
    return settle_drg_columns(DrgCaseColumns.from_records(cases), policy, year, rounding, budget)


__all__ += ["DrgGroupRow", "drg_input_issues"]
_ = decimal_ratio  # re-exported for callers comparing thresholds exactly
