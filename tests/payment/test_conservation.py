"""Conservation (money in = money out + balances) as Hypothesis properties over random counties
and random policies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from yigong.payment.budget import settle_budget
from yigong.payment.budget_input_checks import budget_input_issues
from yigong.payment.invariants import budget_violations
from yigong.payment.records import (
    AssessmentScore,
    BudgetInputs,
    Claim,
    ClaimSetting,
    Community,
    FundHistory,
    Institution,
    PriorScore,
    ReferralStatus,
)
from yigong.schema.money import Money

from ._support import policy_variant

fen = st.integers(min_value=0, max_value=5 * 10**9).map(lambda f: Money(Decimal(f).scaleb(-2)))
share = st.integers(min_value=0, max_value=100).map(lambda p: Decimal(p).scaleb(-2))


@st.composite
def counties(draw: st.DrawFn) -> BudgetInputs:
    n = draw(st.integers(min_value=1, max_value=4))
    ids = [f"C{i}" for i in range(n)]
    communities = tuple(
        Community(c, c, draw(st.integers(min_value=1, max_value=500_000))) for c in ids
    )
    institutions = tuple(
        Institution(f"{c}-H{j}", c, "h", "county_hospital") for c in ids for j in range(2)
    )
    history = tuple(FundHistory(c, y, draw(fen)) for c in ids for y in (2022, 2023, 2024))
    # every community has claims in every month (a month without any is refused as missing)
    monthly = st.lists(fen, min_size=12, max_size=12)
    claims = {
        (c, f"{c}-H0", m, ClaimSetting.IN_COUNTY, ReferralStatus.NOT_APPLICABLE): paid
        for c in ids
        for m, paid in zip(range(1, 13), draw(monthly), strict=True)
    }
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        c = draw(st.sampled_from(ids))
        month = draw(st.integers(min_value=1, max_value=12))
        if draw(st.booleans()):
            inst = draw(st.sampled_from([i.institution_id for i in institutions]))
            key = (c, inst, month, ClaimSetting.IN_COUNTY, ReferralStatus.NOT_APPLICABLE)
        else:
            ref = draw(st.sampled_from([ReferralStatus.REFERRED, ReferralStatus.SELF_REFERRED]))
            key = (c, "OUT", month, ClaimSetting.OUT_OF_COUNTY, ref)
        claims[key] = draw(fen)  # one row per key, as a bundle must have
    scores = tuple(
        AssessmentScore(c, q, Decimal(draw(st.integers(min_value=0, max_value=10000))).scaleb(-2))
        for c in ids
        for q in range(1, 5)
    )
    fund = Money(Decimal(draw(st.integers(min_value=100, max_value=10**12))).scaleb(-2))
    rows = tuple(Claim(*k, paid) for k, paid in claims.items())
    prior = tuple(
        PriorScore(c, 2024, Decimal(draw(st.integers(min_value=0, max_value=10000))).scaleb(-2))
        for c in ids
    )
    return BudgetInputs("X", 2025, fund, communities, institutions, history, rows, scores, prior)


@st.composite
def policies(draw: st.DrawFn) -> Any:
    risk, quality, major = (
        Decimal(draw(st.integers(min_value=0, max_value=30))).scaleb(-2) for _ in range(3)
    )
    withhold = draw(st.integers(min_value=0, max_value=50))
    charge = draw(share)
    mode = draw(st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_DOWN"]))
    head = draw(share)
    deduct = draw(st.booleans())

    def change(d: dict[str, Any]) -> None:
        d["reserves"]["risk_adjustment"]["share"] = risk
        d["reserves"]["quality_guarantee"]["share"] = quality
        d["reserves"]["major_illness"]["share"] = major
        d["prepayment"]["withhold_share"] = Decimal(withhold).scaleb(-2)
        d["out_of_county"]["self_referred"]["charge_to_quota"] = charge
        d["rounding"]["mode"] = mode
        d["quota"]["headcount_weight"] = head
        d["out_of_county"]["deduct_from_prepayment"] = deduct

    return policy_variant(change)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counties(), policies())
def test_money_in_equals_money_out_plus_balances(inputs: BudgetInputs, policy: Any) -> None:
    assume(not budget_input_issues(inputs, policy))
    result = settle_budget(inputs, policy)
    assert budget_violations(result, inputs.annual_fund) == []
    balances = result.ledger.balances()
    paid_out = Money.sum(
        [
            b
            for a, b in balances.items()
            if a.startswith(("institution:", "external:out_of_county:"))
        ]
    )
    held = Money.sum([b for a, b in balances.items() if a.startswith(("fund:", "community:"))])
    assert inputs.annual_fund == paid_out + held
    # every claim is paid in full to its provider, whatever the policy
    assert paid_out == Money.sum([c.fund_paid for c in inputs.claims])


def test_violations_detect_a_broken_ledger(worked_inputs: BudgetInputs) -> None:
    """The checker is not vacuous: tamper with the ledger and it complains."""
    from yigong.payment.loader import load_policy

    result = settle_budget(worked_inputs, load_policy("henan-default"))
    result.ledger.transfer(date="2025-12-31", period="2025-YE", source="fund:quota:A", target="community:A",
                           amount=Money.of("0.01"), rule_id="reconcile.final", clause="test")  # fmt: skip
    assert any(
        "fund:quota:A not closed" in v for v in budget_violations(result, worked_inputs.annual_fund)
    )
