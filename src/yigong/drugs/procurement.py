"""Volume-based procurement (带量采购): completion, savings, the retained fund, platform share,
unified distribution. Money is `Money` (Decimal to the fen); every result keeps its parts.

For one VBP drug at one institution in one contract year (docs/drugs-and-charges.md, hand-worked in
tests/drugs/test_procurement.py):

    bought      = own purchases received in the period + distributions received − distributions
                  sent (units; what the institution itself used the agreed volume for)
    completion  = bought ÷ agreed volume                               (约定采购量完成率)
    spend       = bought × VBP price
    savings     = bought × (pre-VBP price − VBP price)                 (对比集采前价格的节约)
    fund saved  = savings × fund share                                 (rounded to the fen)
    retained    = fund saved × retention share, if completion ≥ the required completion, else 0
                                                                       (结余留用, rounded)

An institution's retained fund is the sum over its drugs; it is split by the payment policy's
procurement-surplus rule ([H]: 60–70 % to staff pay, the rest to development) with the staff
share the procurement policy names (`payment.distribution.split_procurement_surplus`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yigong.drugs.policy import DistributionRule, PlatformRule, RetentionRule
from yigong.payment.distribution import split_procurement_surplus
from yigong.payment.policy_casemix import ProcurementSurplusRule
from yigong.schema.money import Money

__all__ = [
    "DistributionShare",
    "PlatformShare",
    "PurchaseTotals",
    "RetainedFund",
    "VbpLine",
    "VbpResult",
    "distribution_shares",
    "platform_shares",
    "retained_funds",
    "vbp_results",
]


@dataclass(frozen=True, slots=True)
class VbpLine:
    """One agreement and what was bought against it in its period."""

    institution_id: str
    item_code: str
    generic_name: str
    contract_year: int
    agreed_quantity: int
    bought_quantity: int
    vbp_price: Money
    pre_vbp_price: Money


@dataclass(frozen=True, slots=True)
class VbpResult:
    """Completion, savings and the retained fund of one agreement, with their parts."""

    line: VbpLine
    completion: Decimal | None  # None when the agreed volume is 0
    completed: bool
    spend: Money
    savings: Money
    fund_savings: Money
    retained: Money


def vbp_results(lines: Iterable[VbpLine], rule: RetentionRule) -> list[VbpResult]:
    """Every agreement's completion, savings and retained fund (module docstring)."""
    out = []
    for ln in lines:
        completion = (
            Decimal(ln.bought_quantity) / Decimal(ln.agreed_quantity)
            if ln.agreed_quantity
            else None
        )
        completed = completion is not None and completion >= rule.completion_required
        spend = ln.vbp_price.scale(ln.bought_quantity)
        savings = (ln.pre_vbp_price - ln.vbp_price).scale(ln.bought_quantity)
        fund = savings.scale(rule.fund_share)
        retained = fund.scale(rule.retention_share) if completed else Money.zero()
        out.append(VbpResult(ln, completion, completed, spend, savings, fund, retained))
    return out


@dataclass(frozen=True, slots=True)
class RetainedFund:
    """An institution's retained fund and its split (staff pay, development)."""

    institution_id: str
    agreements: int
    completed: int
    savings: Money
    fund_savings: Money
    retained: Money
    staff: Money
    development: Money
    staff_share: Decimal
    clause: str


def retained_funds(
    results: Iterable[VbpResult], rule: RetentionRule, split: ProcurementSurplusRule
) -> list[RetainedFund]:
    """Per institution (in first-seen order): the retained fund summed over its agreements,
    split by the payment policy's procurement-surplus rule."""
    by: dict[str, list[VbpResult]] = defaultdict(list)
    for r in results:
        by[r.line.institution_id].append(r)
    out = []
    for inst, rows in by.items():
        retained = Money.sum([r.retained for r in rows])
        staff, development = split_procurement_surplus(retained, rule.staff_share, split)
        out.append(
            RetainedFund(
                inst,
                len(rows),
                sum(1 for r in rows if r.completed),
                Money.sum([r.savings for r in rows]),
                Money.sum([r.fund_savings for r in rows]),
                retained,
                staff,
                development,
                rule.staff_share,
                split.clause,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class PurchaseTotals:
    """An institution's purchases in a period: all, and through the provincial platform."""

    institution_id: str
    level: str
    total: Money
    via_platform: Money


@dataclass(frozen=True, slots=True)
class PlatformShare:
    institution_id: str
    total: Money
    via_platform: Money
    share: Decimal | None
    bound: bool  # whether the rule binds this institution (its level)
    ok: bool | None  # None when not bound or nothing bought
    target: Decimal
    clause: str


def platform_shares(rows: Iterable[PurchaseTotals], rule: PlatformRule) -> list[PlatformShare]:
    """Platform share by value per institution; the target binds the levels the rule names
    ("more than 80 %": met at 80 % and above, as 以上 includes the bound)."""
    out = []
    for r in rows:
        share = None if r.total.is_zero else r.via_platform.ratio(r.total)
        bound = r.level in rule.levels
        ok = (share >= rule.min_share) if bound and share is not None else None
        out.append(
            PlatformShare(
                r.institution_id, r.total, r.via_platform, share, bound, ok, rule.min_share,
                rule.clause,
            )
        )  # fmt: skip
    return out


@dataclass(frozen=True, slots=True)
class DistributionShare:
    """A member's goods in a period: delivered by the community's distribution centre, and
    bought by itself."""

    institution_id: str
    delivered: Money
    own_purchases: Money
    share: Decimal | None
    ok: bool | None
    clause: str


def distribution_shares(
    rows: Iterable[tuple[str, Money, Money]], rule: DistributionRule
) -> list[DistributionShare]:
    """(institution, delivered by the centre, own purchases) → unified-distribution share."""
    out = []
    for inst, delivered, own in rows:
        total = delivered + own
        share = None if total.is_zero else delivered.ratio(total)
        ok = None if rule.target_share is None or share is None else share >= rule.target_share
        out.append(DistributionShare(inst, delivered, own, share, ok, rule.clause))
    return out
