"""Distribution rules: procurement surplus 60–70 % [H], township incentive ≥ 60 % [N],
family-doctor fee ≥ 70 % [N]."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yigong.payment.distribution import (
    FinanceRecord,
    check_finance,
    family_doctor_minimum,
    split_procurement_surplus,
    township_incentive_minimum,
)
from yigong.payment.loader import load_policy
from yigong.schema.money import Money

DIST = load_policy("henan-default").distribution
assert DIST is not None


def m(text: str) -> Money:
    return Money.of(text)


def test_procurement_split_exact_and_bounded() -> None:
    staff, dev = split_procurement_surplus(
        m("100000.01"), Decimal("0.65"), DIST.procurement_surplus
    )
    assert (staff, dev) == (
        m("65000.01"),
        m("35000.00"),
    )  # 65,000.0065 → .01; the rest to development
    with pytest.raises(ValueError, match="outside"):
        split_procurement_surplus(m("100"), Decimal("0.75"), DIST.procurement_surplus)


def test_township_minimum_rounds_up_and_passes_its_own_check() -> None:
    balance, minimum = township_incentive_minimum(
        m("1000000.01"), m("600000"), m("100000"), DIST.township_incentive
    )
    assert balance == m("300000.01") and minimum == m("180000.01")  # 180,000.006 rounded up
    row = FinanceRecord(
        "T1",
        service_revenue=m("1000000.01"),
        service_costs=m("600000"),
        fund_withdrawals=m("100000"),
        incentive_paid=minimum,
    )
    assert check_finance((row,), DIST)[0].ok
    short = FinanceRecord(
        "T1",
        service_revenue=m("1000000.01"),
        service_costs=m("600000"),
        fund_withdrawals=m("100000"),
        incentive_paid=m("180000.00"),
    )
    assert not check_finance((short,), DIST)[0].ok


def test_family_doctor_at_least_70_percent() -> None:
    assert family_doctor_minimum(m("10000"), DIST.family_doctor) == m("7000")
    checks = check_finance(
        (
            FinanceRecord("T1", contract_income=m("10000"), contract_team_paid=m("7000")),
            FinanceRecord("T2", contract_income=m("10000"), contract_team_paid=m("6999.99")),
        ),
        DIST,
    )
    assert [(c.institution_id, c.ok, c.share) for c in checks] == [
        ("T1", True, Decimal("0.7")),
        ("T2", False, Decimal("0.699999")),
    ]


def test_procurement_check_over_finance_rows() -> None:
    rows = (
        FinanceRecord(
            "H1",
            procurement_retained=m("100"),
            procurement_staff=m("70"),
            procurement_development=m("30"),
        ),
        FinanceRecord(
            "H2",
            procurement_retained=m("100"),
            procurement_staff=m("71"),
            procurement_development=m("29"),
        ),
        FinanceRecord(
            "H3",
            procurement_retained=m("100"),
            procurement_staff=m("60"),
            procurement_development=m("30"),
        ),  # 10 missing
    )
    assert [c.ok for c in check_finance(rows, DIST)] == [True, False, False]


def test_rows_without_data_are_not_checked() -> None:
    assert check_finance((FinanceRecord("X"),), DIST) == []
