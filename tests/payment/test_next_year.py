"""Assessment → next year: last year's annual score adjusts this year's quota ([N] (4)2), this
year's score sets the quality-deposit return and next year's factor; and the option to deduct
out-of-county care from monthly prepayments instead of at year end."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from yigong.payment.budget import settle_budget
from yigong.payment.errors import PaymentInputError
from yigong.payment.invariants import budget_violations
from yigong.payment.loader import load_policy
from yigong.payment.records import BudgetInputs, PriorScore
from yigong.schema.money import Money

from ._support import policy_variant


def _with_prior(inputs: BudgetInputs, a: str, b: str) -> BudgetInputs:
    return replace(
        inputs,
        prior_scores=(PriorScore("A", 2024, Decimal(a)), PriorScore("B", 2024, Decimal(b))),
    )


def test_same_band_leaves_the_quotas_as_they_were(worked_inputs: BudgetInputs) -> None:
    """The worked example's prior scores (88.50 and 81.25) both earn 1.00: quotas 5,412,000.00
    and 4,428,000.00 as in docs/payment.md."""
    res = settle_budget(worked_inputs, load_policy("henan-default"))
    assert [c.quota for c in res.communities] == [Money.of("5412000"), Money.of("4428000")]
    assert [b.factor for b in res.bases] == [Decimal("1.00"), Decimal("1.00")]


def test_prior_score_adjusts_the_quota_by_hand(worked_inputs: BudgetInputs) -> None:
    """A scored 92 last year (factor 1.02), B 75 (0.97): 0.55 × 1.02 = 0.561 and 0.45 × 0.97 =
    0.4365, re-normalised over 0.9975; 9,840,000 × 0.561 ÷ 0.9975 = 5,534,075.1879… and
    9,840,000 × 0.4365 ÷ 0.9975 = 4,305,924.8120…; the last fen goes to the larger remainder."""
    res = settle_budget(_with_prior(worked_inputs, "92", "75"), load_policy("henan-default"))
    assert [c.quota for c in res.communities] == [Money.of("5534075.19"), Money.of("4305924.81")]
    assert sum((c.quota for c in res.communities), Money.zero()) == Money.of("9840000")
    line = next(
        ln for ln in res.ledger.lines if ln.rule_id == "quota.allocate" and ln.amount.amount > 0
    )
    assert line.inputs["assessment_factor"] == Decimal("1.02")
    assert line.inputs["prior_annual_score"] == Decimal("92")
    assert "next year" in line.clause or "quota" in line.clause
    assert budget_violations(res, worked_inputs.annual_fund) == []


def test_this_years_score_sets_next_years_factor_and_the_deposit(
    worked_inputs: BudgetInputs,
) -> None:
    res = settle_budget(worked_inputs, load_policy("henan-default"))
    nxt = {n.community_id: n for n in res.next_year}
    assert (nxt["A"].annual_score, nxt["A"].quota_factor) == (Decimal("90.00"), Decimal("1.02"))
    assert (nxt["B"].annual_score, nxt["B"].quota_factor) == (Decimal("71.25"), Decimal("0.97"))
    by = {c.community_id: c for c in res.communities}
    assert by["A"].quality_returned == Money.of("330000")  # score 90 → the whole deposit part
    assert by["B"].quality_returned == Money.of("162000")  # 71.25 → 0.6 of 270,000


def test_missing_prior_score_is_refused(worked_inputs: BudgetInputs) -> None:
    inputs = replace(worked_inputs, prior_scores=(PriorScore("A", 2024, Decimal("90")),))
    with pytest.raises(PaymentInputError) as err:
        settle_budget(inputs, load_policy("henan-default"))
    assert [(i.file, i.field) for i in err.value.issues] == [("prior_scores.csv", "annual_score")]
    assert "'B'" in err.value.issues[0].message


def test_without_the_rule_no_prior_score_is_needed(worked_inputs: BudgetInputs) -> None:
    policy = policy_variant(lambda d: d["quota"].pop("assessment_adjustment"))
    res = settle_budget(replace(worked_inputs, prior_scores=()), policy)
    assert [c.quota for c in res.communities] == [Money.of("5412000"), Money.of("4428000")]


def _deducting() -> Any:
    return policy_variant(lambda d: d["out_of_county"].update(deduct_from_prepayment=True))


def test_out_of_county_deducted_from_the_next_prepayments(worked_inputs: BudgetInputs) -> None:
    """A: 500,000 (June) takes all of July's 405,900 prepayment and 94,100 of August's;
    100,000 (September) comes off October. B: 300,000 (March) off April; 200,000 (November)
    off December. The money moves earlier in the year; every community's net position is the
    same as without the option, and A repays 600,000 less at year end."""
    plain = settle_budget(worked_inputs, load_policy("henan-default"))
    res = settle_budget(worked_inputs, _deducting())
    lines = [ln for ln in res.ledger.lines
             if ln.rule_id == "prepay.out_of_county_deduction" and ln.account.startswith("community:")]  # fmt: skip
    got = [(ln.account, ln.period, -ln.amount) for ln in lines]
    assert got == [
        ("community:B", "2025-04", Money.of("300000")),
        ("community:A", "2025-07", Money.of("405900")),
        ("community:A", "2025-08", Money.of("94100")),
        ("community:A", "2025-10", Money.of("100000")),
        ("community:B", "2025-12", Money.of("200000")),
    ]
    a0, a1 = (next(c for c in r.communities if c.community_id == "A") for r in (plain, res))
    assert a1.net_position == a0.net_position
    assert a1.final_payment - a0.final_payment == Money.of("600000")
    assert a1.out_of_county_deducted == Money.of("600000")
    for r in (plain, res):
        assert budget_violations(r, worked_inputs.annual_fund) == []
    b0, b1 = (next(c for c in r.communities if c.community_id == "B") for r in (plain, res))
    assert b1.net_position == b0.net_position
