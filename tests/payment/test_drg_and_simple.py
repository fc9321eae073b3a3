"""DRG payment (rate × weight × coefficient, outliers, exclusions) and per bed-day / per head."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yigong.payment.drg import DrgCase, settle_drg
from yigong.payment.errors import PaymentInputError
from yigong.payment.simple import bed_day_payment, per_head_payment
from yigong.schema.money import Money
from yigong.schema.rounding import DEFAULT_RULE

from ._support import policy_variant


def drg_policy(**changes: Any) -> Any:
    policy = policy_variant(lambda d: d["drg"].update(changes))
    assert policy.drg is not None
    return policy.drg


def c(cid: str, level: str, weight: str, cost: str, los: int = 5) -> DrgCase:
    return DrgCase(
        cid,
        "H" if level == "county_hospital" else "T",
        level,
        "GB19",
        Decimal(weight),
        Money.of(cost),
        los,
    )


CASES = (
    c("a", "county_hospital", "1.0", "10000"),  # standard 10,000 (rate 10,000 × 1 × 1): normal
    c(
        "b", "county_hospital", "2.0", "45000"
    ),  # standard 20,000; > 2× → 20,000 + (45,000 − 40,000) × 1 = 25,000
    c(
        "c", "township_center", "0.5", "1000"
    ),  # standard 4,000 (×0.8); < 0.4× = 1,600 → paid cost 1,000
    c("d", "township_center", "1.0", "9000", los=1),  # excluded (los ≤ 2): paid cost 9,000
)


def test_fixed_rate_with_outliers_and_exclusions() -> None:
    res = settle_drg(CASES, drg_policy(rate_method="fixed", base_rate=10000), 2025, DEFAULT_RULE)
    assert [(r.case_id, r.category, r.standard, r.payment) for r in res.cases] == [
        ("a", "normal", Money.of("10000"), Money.of("10000")),
        ("b", "high", Money.of("20000"), Money.of("25000")),
        ("c", "low", Money.of("4000"), Money.of("1000")),
        ("d", "excluded", Money.of("8000"), Money.of("9000")),
    ]
    assert {x.institution_id: x.payment for x in res.hospitals} == {
        "H": Money.of("35000"),
        "T": Money.of("10000"),
    }


def test_floating_rate_is_cost_over_weight() -> None:
    res = settle_drg(CASES, drg_policy(), 2025, DEFAULT_RULE)
    assert res.rate == Decimal("16000.00")  # (10,000 + 45,000 + 1,000) / 3.5, excluded stay out


def test_budget_rate_and_missing_budget() -> None:
    res = settle_drg(
        CASES[:2], drg_policy(rate_method="budget"), 2025, DEFAULT_RULE, Money.of("60000")
    )
    assert res.rate == Decimal("20000.00")  # 60,000 / (1 + 2)
    with pytest.raises(PaymentInputError):
        settle_drg(CASES, drg_policy(rate_method="budget"), 2025, DEFAULT_RULE)


def test_high_excess_share_parameter() -> None:
    res = settle_drg(
        CASES[1:2],
        drg_policy(rate_method="fixed", base_rate=10000, high_excess_share=Decimal("0.5")),
        2025,
        DEFAULT_RULE,
    )
    assert res.cases[0].payment == Money.of("22500")


def test_unknown_level_is_an_error() -> None:
    with pytest.raises(PaymentInputError, match="no coefficient"):
        settle_drg(
            (c("z", "village", "1", "1"),),
            drg_policy(rate_method="fixed", base_rate=1),
            2025,
            DEFAULT_RULE,
        )


def test_bed_day_and_per_head() -> None:
    simple = policy_variant(lambda d: None).simple
    assert (
        simple is not None
        and simple.per_bed_day is not None
        and simple.per_head_outpatient is not None
    )
    assert bed_day_payment("township_center", 30, simple.per_bed_day) == Money.of("5400")
    assert per_head_payment(1000, 12, simple.per_head_outpatient) == Money.of("120000")
    assert per_head_payment(7, 1, simple.per_head_outpatient) == Money.of("70")
    assert per_head_payment(1, 1, simple.per_head_outpatient) == Money.of("10")
    with pytest.raises(PaymentInputError):
        bed_day_payment("village", 1, simple.per_bed_day)


def test_bad_case_values_are_errors() -> None:
    with pytest.raises(PaymentInputError) as info:
        settle_drg((c("a", "county_hospital", "0", "100"),), drg_policy(), 2025, DEFAULT_RULE)
    assert info.value.issues[0].line == 2 and "weight must be > 0" in info.value.issues[0].message
