"""One test per budget policy rule: change the rule, see exactly the money it moves."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yigong.payment.budget import settle_budget
from yigong.payment.bundle import read_budget_bundle
from yigong.payment.errors import PaymentInputError
from yigong.payment.invariants import budget_violations
from yigong.payment.loader import load_policy
from yigong.payment.records import (
    AssessmentScore,
    BudgetInputs,
    Claim,
    ClaimSetting,
    ReferralStatus,
)
from yigong.schema.money import Money

from ._support import WORKED, policy_variant


def m(text: str) -> Money:
    return Money.of(text)


def run(inputs: BudgetInputs, change: Any = None) -> Any:
    policy = policy_variant(change) if change else load_policy("henan-default")
    result = settle_budget(inputs, policy)
    assert budget_violations(result, inputs.annual_fund) == []
    return result


def test_reserve_shares(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["reserves"]["risk_adjustment"]["share"] = Decimal("0.1")

    result = run(worked_inputs, change)
    line = next(
        ln
        for ln in result.ledger.lines
        if ln.rule_id == "reserve.risk_adjustment" and ln.amount.amount > 0
    )
    assert line.amount == m("1200000")
    assert sum((c.quota for c in result.communities), Money.zero()) == m("9240000")


def test_quota_by_headcount_only(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["quota"]["headcount_weight"] = 1

    a, b = run(worked_inputs, change).communities
    assert (a.quota, b.quota) == (m("5904000"), m("3936000"))  # 0.6 / 0.4 of 9,840,000


def test_quota_history_weights(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["quota"]["headcount_weight"] = 0
        d["quota"]["history_weights"] = {1: 1}  # last year only: A 3.0M, B 3.2M

    a, b = run(worked_inputs, change).communities
    assert a.quota + b.quota == m("9840000")
    assert a.quota == Money.of(Decimal("9840000") * Decimal(3) / Decimal("6.2"))  # 4,761,290.32…


def test_no_withholding_means_no_release(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["prepayment"]["withhold_share"] = 0

    result = run(worked_inputs, change)
    a = result.communities[0]
    assert a.prepaid == a.quota and a.released.is_zero
    assert all(q.released.is_zero for q in result.quarters)


def test_quarterly_release_linear(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["assessment"]["quarterly_release"] = {"method": "linear", "zero_at": 50, "full_at": 100}

    result = run(worked_inputs, change)
    b_q1 = next(q for q in result.quarters if q.community_id == "B" and q.quarter == 1)
    assert b_q1.release_share == Decimal("0.5") and b_q1.released == m(
        "55350"
    )  # 110,700 × (75 − 50)/50


def test_out_of_county_partly_charged_to_risk_fund(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["out_of_county"]["self_referred"]["charge_to_quota"] = Decimal("0.5")

    result = run(worked_inputs, change)
    a = result.communities[0]
    assert a.out_of_county_charged == m("550000") and a.out_of_county_total == m("600000")
    uncharged = [
        ln
        for ln in result.ledger.lines
        if ln.rule_id == "claims.out_of_county.uncharged" and ln.amount.amount > 0
    ]
    assert sorted(ln.amount for ln in uncharged) == [m("50000"), m("100000")]


def test_surplus_single_tier_keeps_all(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["sharing"]["surplus_tiers"] = [{"up_to": None, "retained": 1}]

    a = run(worked_inputs, change).communities[0]
    assert a.retained == a.surplus == m("612000")


def test_overspend_borne_by_community_when_fund_share_zero(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["sharing"]["overspend_tiers"] = [{"up_to": None, "fund_share": 0}]

    b = run(worked_inputs, change).communities[1]
    assert b.fund_share.is_zero and b.community_borne == m("392000")


def test_overspend_share_capped_by_risk_fund(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["reserves"]["risk_adjustment"]["share"] = Decimal("0.001")  # 12,000 only

    result = run(worked_inputs, change)
    b = result.communities[1]
    assert b.fund_share == m("12000") and b.community_borne == b.overspend - m("12000")
    assert result.ledger.balance("fund:reserve:risk_adjustment").is_zero


def test_quality_return_linear(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["assessment"]["quality_return"] = {"method": "linear", "zero_at": 60, "full_at": 100}

    a, b = run(worked_inputs, change).communities
    assert b.quality_return_share == Decimal("0.28125") and b.quality_returned == m("75937.50")
    assert a.quality_returned == m("247500")  # 330,000 × 0.75


def test_rounding_mode_from_policy(worked_inputs: BudgetInputs) -> None:
    odd = dataclasses.replace(worked_inputs, annual_fund=m("12000000.10"))  # 5 % = 600,000.005
    up = run(odd)
    even = run(odd, lambda d: d["rounding"].__setitem__("mode", "ROUND_HALF_EVEN"))

    def risk(r: Any) -> Money:
        return next(
            ln.amount
            for ln in r.ledger.lines
            if ln.rule_id == "reserve.risk_adjustment" and ln.amount.amount > 0
        )

    assert (risk(up), risk(even)) == (m("600000.01"), m("600000.00"))


def test_invalid_inputs_reported_all_at_once(worked_inputs: BudgetInputs) -> None:
    bad = dataclasses.replace(
        worked_inputs,
        claims=(
            *worked_inputs.claims,
            Claim("A", "NOPE", 13, ClaimSetting.IN_COUNTY, ReferralStatus.NOT_APPLICABLE, m("1")),
        ),
        assessments=tuple(
            a for a in worked_inputs.assessments if a != AssessmentScore("B", 4, Decimal(70))
        ),
    )
    with pytest.raises(PaymentInputError) as info:
        settle_budget(bad, load_policy("henan-default"))
    codes = {i.code for i in info.value.issues}
    assert {"claims.institution", "claims.month", "assessments.missing"} <= codes
    row = next(i for i in info.value.issues if i.code == "claims.month")
    assert (
        row.file == "claims.csv"
        and row.line == len(worked_inputs.claims) + 2
        and row.field == "month"
    )


def test_bundle_cell_errors_name_file_line_field(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(WORKED, bundle)
    text = (bundle / "claims.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace("320000.00", "320000.005").replace("in_county", "inside")
    (bundle / "claims.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(PaymentInputError) as info:
        read_budget_bundle(bundle)
    found = {(i.line, i.field) for i in info.value.issues}
    assert found == {(4, "fund_paid"), (4, "setting")}
    assert all(i.file.endswith("claims.csv") for i in info.value.issues)


def test_month_weights_and_payment_day(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["prepayment"]["month_weights"] = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
        d["prepayment"]["day_of_month"] = 5

    result = run(worked_inputs, change)
    prepay = [
        ln
        for ln in result.ledger.lines
        if ln.rule_id == "prepay.monthly" and ln.account == "community:A"
    ]
    assert [ln.date for ln in prepay[:2]] == ["2025-01-05", "2025-02-05"]
    # 5,412,000 × 2/13 = 832,615.3846…: largest remainder gives January 832,615.39
    # (remainders .46 > .23: the 3 spare fen go to Jan, Feb, Mar); withheld 10 % = 83,261.54
    assert prepay[0].amount == m("749353.85")
    assert prepay[1].amount == m("374676.93")  # 416,307.70 − 41,630.77
    assert prepay[3].amount == m("374676.92")  # 416,307.69 − 41,630.77
    assert result.communities[0].prepaid + Money.sum(
        [q.withheld for q in result.quarters if q.community_id == "A"]
    ) == m("5412000")


def test_quarter_weights_for_annual_score(worked_inputs: BudgetInputs) -> None:
    def change(d: dict[str, Any]) -> None:
        d["assessment"]["quarter_weights"] = [0, 0, 0, 1]  # only Q4 counts

    a, b = run(worked_inputs, change).communities
    assert (a.annual_score, b.annual_score) == (Decimal("88.00"), Decimal("70.00"))
    assert b.quality_returned == m("162000")  # 70 → band 0.6
