"""Cross-field rules a settlement policy must satisfy, as small registered checks.

Each check looks at the validated :class:`~yigong.payment.policy.Policy` and yields issues that
name only their field (``sharing.overspend_tiers.2.up_to``); the loader places each one in the
file and at the line that holds the field. Registration order is report order.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from decimal import Decimal

from yigong.payment.policy import Policy, QualityReturn
from yigong.rulepacks import Checks, FieldPath, Issue, Level, dotted, run_checks
from yigong.schema.rounding import MODES

__all__ = ["POLICY_CHECKS", "semantic_issues"]

POLICY_CHECKS: Checks[Policy] = Checks("payment policy")


def _at(code: str, message: str, path: FieldPath) -> Issue:
    return Issue(Level.ERROR, code, message, "", None, dotted(path))


@POLICY_CHECKS.check("rounding")
def rounding_rule(policy: Policy) -> Iterator[Issue]:
    """The rounding mode is known and the quantum a whole number of fen."""
    if policy.rounding.mode not in MODES:
        yield _at(
            "rounding.mode",
            f"unknown mode; expected one of {sorted(MODES)}",
            ("rounding", "mode"),
        )
    q = policy.rounding.quantum
    if q.quantize(Decimal("0.01"), context=decimal.Context()) != q:
        yield _at(
            "rounding.quantum", "quantum must be a whole number of fen", ("rounding", "quantum")
        )


@POLICY_CHECKS.check("reserves.sum")
def reserves_leave_money(policy: Policy) -> Iterator[Issue]:
    """Reserve shares sum to less than 1 (something is left for the quotas)."""
    r = policy.reserves
    if r.risk_adjustment.share + r.quality_guarantee.share + r.major_illness.share >= 1:
        yield _at("reserves.sum", "reserve shares must sum to less than 1", ("reserves",))


@POLICY_CHECKS.check("quota.history")
def quota_history(policy: Policy) -> Iterator[Issue]:
    """History weights are given when the quota is not by headcount alone; years back 1–3,
    weights positive."""
    q = policy.quota
    if q.headcount_weight < 1 and not q.history_weights:
        yield _at(
            "quota.history",
            "history_weights needed when headcount_weight < 1",
            ("quota", "history_weights"),
        )
    for back, w in q.history_weights.items():
        if not 1 <= back <= 3:
            yield _at(
                "quota.history.years",
                "history years back must be 1, 2 or 3 (text: past 1–3 years)",
                ("quota", "history_weights", str(back)),
            )
        if w <= 0:
            yield _at(
                "quota.history.weight",
                "weights must be positive",
                ("quota", "history_weights", str(back)),
            )


@POLICY_CHECKS.check("prepayment")
def prepayment_weights(policy: Policy) -> Iterator[Issue]:
    """Month weights are non-negative with a positive sum; the withheld share is below 1."""
    p = policy.prepayment
    if any(w < 0 for w in p.month_weights) or sum(p.month_weights) <= 0:
        yield _at(
            "prepayment.weights",
            "month weights must be non-negative with a positive sum",
            ("prepayment", "month_weights"),
        )
    if p.withhold_share >= 1:
        yield _at(
            "prepayment.withhold",
            "withhold_share must be below 1",
            ("prepayment", "withhold_share"),
        )


@POLICY_CHECKS.check("assessment.weights")
def quarter_weights(policy: Policy) -> Iterator[Issue]:
    """Quarter weights are non-negative with a positive sum."""
    a = policy.assessment
    if any(w < 0 for w in a.quarter_weights) or sum(a.quarter_weights) <= 0:
        yield _at(
            "assessment.weights",
            "quarter weights must be non-negative with a positive sum",
            ("assessment", "quarter_weights"),
        )


def _bands(ret: QualityReturn, where: FieldPath) -> Iterator[Issue]:
    if ret.method == "bands":
        if not ret.bands:
            yield _at("bands.empty", "method 'bands' needs at least one band", (*where, "bands"))
        mins = [b.min_score for b in ret.bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            yield _at(
                "bands.order",
                "bands must be listed by strictly falling min_score",
                (*where, "bands"),
            )
        if mins and min(mins) != 0:
            yield _at(
                "bands.cover",
                "the last band must start at min_score 0 so every score maps",
                (*where, "bands"),
            )
        shares = [b.share for b in ret.bands]
        if shares != sorted(shares, reverse=True):
            yield _at(
                "bands.monotone",
                "a higher score must never return a smaller share",
                (*where, "bands"),
            )
    elif ret.zero_at is None or ret.full_at is None:
        yield _at("linear.bounds", "method 'linear' needs zero_at and full_at", where)
    elif ret.zero_at >= ret.full_at:
        yield _at("linear.order", "zero_at must be below full_at", (*where, "zero_at"))


@POLICY_CHECKS.check("bands")
def score_bands(policy: Policy) -> Iterator[Issue]:
    """Score bands fall strictly, cover 0 and never return less for a higher score (or a linear
    mapping has ordered bounds)."""
    yield from _bands(policy.assessment.quarterly_release, ("assessment", "quarterly_release"))
    yield from _bands(policy.assessment.quality_return, ("assessment", "quality_return"))


@POLICY_CHECKS.check("quota.adjustment")
def quota_adjustment(policy: Policy) -> Iterator[Issue]:
    """Quota adjustment bands fall strictly, end at 0, and never give a higher score a smaller
    factor."""
    rule = policy.quota.assessment_adjustment
    if rule is None:
        return
    where = ("quota", "assessment_adjustment", "bands")
    mins = [b.min_score for b in rule.bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        yield _at("bands.order", "bands must be listed by strictly falling min_score", where)
    if min(mins) != 0:
        yield _at(
            "bands.cover", "the last band must start at min_score 0 so every score maps", where
        )
    factors = [b.factor for b in rule.bands]
    if factors != sorted(factors, reverse=True):
        yield _at("bands.monotone", "a higher score must never earn a smaller factor", where)


@POLICY_CHECKS.check("fund_running")
def fund_running_bands(policy: Policy) -> Iterator[Issue]:
    """Months-of-payment bands are listed by strictly falling minimum and end at 0."""
    f = policy.fund_running
    if f is None:
        return
    mins = [b.min_months for b in f.months_bands]
    where = ("fund_running", "months_bands")
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        yield _at("bands.order", "bands must be listed by strictly falling min_months", where)
    if min(mins) > 0:
        yield _at("bands.cover", "the last band must start at min_months 0 (or below)", where)


@POLICY_CHECKS.check("agreements")
def agreement_rules(policy: Policy) -> Iterator[Issue]:
    """Agreement items are unique, linear items have both bounds, deduct items a unit; deposit
    bands fall and cover 0; the item points add up to the score scale of 100."""
    a = policy.agreements
    if a is None:
        return
    items = a.assessment.items
    seen: set[str] = set()
    for i, item in enumerate(items):
        where: FieldPath = ("agreements", "assessment", "items", i)
        if item.id in seen:
            yield _at("agreements.item", f"item {item.id} listed twice", (*where, "id"))
        seen.add(item.id)
        if item.method == "linear" and (item.zero_at is None or item.full_at is None):
            yield _at("agreements.linear", "method 'linear' needs zero_at and full_at", where)
        elif item.method == "linear" and item.zero_at == item.full_at:
            yield _at("agreements.linear", "zero_at and full_at must differ", where)
        if item.method == "deduct" and item.per_unit is None:
            yield _at("agreements.deduct", "method 'deduct' needs per_unit", where)
    total = sum((item.points for item in items), Decimal(0))
    if total != 100:
        yield _at("agreements.points", f"item points add up to {total}, not 100",
                  ("agreements", "assessment", "items"))  # fmt: skip
    mins = [b.min_score for b in a.assessment.deposit_return]
    bands_at: FieldPath = ("agreements", "assessment", "deposit_return")
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins) or min(mins) != 0:
        yield _at("bands.order", "bands must fall strictly and end at min_score 0", bands_at)


@POLICY_CHECKS.check("assessment.score")
def score_rule(policy: Policy) -> Iterator[Issue]:
    """Each indicator of the quarterly score is listed once."""
    rule = policy.assessment.score
    if rule is None:
        return
    seen: set[str] = set()
    for i, item in enumerate(rule.indicators):
        if item.indicator in seen:
            yield _at(
                "assessment.score.indicator",
                f"indicator {item.indicator} listed twice",
                ("assessment", "score", "indicators", i, "indicator"),
            )
        seen.add(item.indicator)


def _tiers(ups: list[Decimal | None], where: FieldPath) -> Iterator[Issue]:
    if ups[-1] is not None:
        yield _at(
            "tiers.open",
            "the last tier must have up_to: null (no upper bound)",
            (*where, len(ups) - 1, "up_to"),
        )
    bounded = ups[:-1]
    for i, u in enumerate(bounded):
        if u is None:
            yield _at("tiers.open", "only the last tier may be open-ended", (*where, i, "up_to"))
    values = [u for u in bounded if u is not None]
    if values != sorted(values) or len(set(values)) != len(values):
        yield _at("tiers.order", "tier bounds must rise strictly", where)


@POLICY_CHECKS.check("tiers")
def sharing_tiers(policy: Policy) -> Iterator[Issue]:
    """Surplus and overspend tiers rise strictly and end open (结余留用、合理超支分担)."""
    sharing = policy.sharing
    yield from _tiers([t.up_to for t in sharing.surplus_tiers], ("sharing", "surplus_tiers"))
    yield from _tiers([t.up_to for t in sharing.overspend_tiers], ("sharing", "overspend_tiers"))


@POLICY_CHECKS.check("dip")
def dip_rules(policy: Policy) -> Iterator[Issue]:
    """DIP deviation ratios are ordered; fixed coefficients are given when the method is fixed."""
    d = policy.dip
    if d is None:
        return
    if not d.low_ratio < 1 < d.high_ratio < d.extreme_ratio:
        yield _at("dip.ratios", "need low_ratio < 1 < high_ratio < extreme_ratio", ("dip",))
    if d.coefficient_method == "fixed" and not d.fixed_coefficients:
        yield _at(
            "dip.coefficients",
            "method 'fixed' needs fixed_coefficients",
            ("dip", "fixed_coefficients"),
        )


@POLICY_CHECKS.check("drg")
def drg_rules(policy: Policy) -> Iterator[Issue]:
    """A fixed DRG rate is given; the high ratio is above 1; min_los is below max_los."""
    g = policy.drg
    if g is None:
        return
    if g.rate_method == "fixed" and g.base_rate is None:
        yield _at("drg.rate", "rate_method 'fixed' needs base_rate", ("drg", "base_rate"))
    if g.high_ratio is not None and g.high_ratio <= 1:
        yield _at("drg.high", "high_ratio must be above 1", ("drg", "high_ratio"))
    if g.min_los is not None and g.max_los is not None and g.min_los >= g.max_los:
        yield _at("drg.los", "min_los must be below max_los", ("drg", "min_los"))


@POLICY_CHECKS.check("distribution.procurement")
def procurement_split(policy: Policy) -> Iterator[Issue]:
    """The staff share of a procurement surplus has its minimum below its maximum."""
    if policy.distribution is None:
        return
    p = policy.distribution.procurement_surplus
    if p.staff_min > p.staff_max:
        yield _at(
            "distribution.procurement",
            "staff_min above staff_max",
            ("distribution", "procurement_surplus"),
        )


def semantic_issues(policy: Policy) -> list[Issue]:
    """Every cross-field issue of ``policy`` (fields named, not yet placed in a file)."""
    return run_checks(POLICY_CHECKS, policy)
