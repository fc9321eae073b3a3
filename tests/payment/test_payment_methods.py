"""Per bed-day, per-head and day-surgery payment: hand-worked cases to the fen (docs/payment.md,
"Per bed-day, per head, day surgery"), and their ledgers and statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yigong.payment.bed_day import BedDayStay, settle_bed_days
from yigong.payment.day_surgery import DaySurgeryStay, settle_day_surgery
from yigong.payment.errors import PaymentInputError
from yigong.payment.loader import load_policy
from yigong.payment.per_head import HeadCount, settle_per_head
from yigong.schema.money import Money
from yigong.schema.rounding import DEFAULT_RULE

from ._support import policy_variant

POLICY = load_policy("henan-default")
assert POLICY.simple is not None
SIMPLE = POLICY.simple
CH, TC = "county_hospital", "township_center"
DOCS = " ".join(
    (__import__("pathlib").Path(__file__).parents[2] / "docs" / "payment.md")
    .read_text(encoding="utf-8")
    .split()
)


def test_bed_day_hand_worked() -> None:
    """p1 schizophrenia at the county hospital, 100 days: 90 × 320 + 10 × 320 × 0.5 =
    30,400.00; r1 stroke sequelae at a township centre, 75 days: 60 × 220 (the 15 days beyond
    are not paid) = 13,200.00; l1 COPD, 63 days at the county hospital: long stay 63 × 600 =
    37,800.00; g1 a bed-day stay fitting no category, 20 days: general 20 × 600 = 12,000.00."""
    assert SIMPLE.per_bed_day is not None
    stays = [
        BedDayStay("p1", "H1", CH, "F20.0", 100, 3),
        BedDayStay("r1", "T1", TC, "I69.3", 75, 3),
        BedDayStay("l1", "H1", CH, "J44.1", 63, 4),
        BedDayStay("g1", "H1", CH, "N18.5", 20, 4),
    ]
    res = settle_bed_days(stays, SIMPLE.per_bed_day, 2025, DEFAULT_RULE)
    got = {c.case_id: (c.category, c.days_paid, c.days_beyond, c.payment) for c in res.details}
    assert got == {
        "p1": ("psychiatric", 90, 10, Money.of("30400")),
        "r1": ("rehabilitation", 60, 15, Money.of("13200")),
        "l1": ("long_stay", 63, 0, Money.of("37800")),
        "g1": ("general", 20, 0, Money.of("12000")),
    }
    assert {i.institution_id: i.payment for i in res.institutions} == {
        "H1": Money.of("80200"),
        "T1": Money.of("13200"),
    }
    rows = [(r.institution_id, r.period, r.cases, r.payment) for r in res.statements()]
    assert rows == [
        ("H1", "2025-03", 1, Money.of("30400")),
        ("H1", "2025-04", 2, Money.of("49800")),
        ("T1", "2025-03", 1, Money.of("13200")),
    ]
    assert "30,400.00" in DOCS and "13,200.00" in DOCS


def test_bed_day_level_without_standard_is_refused() -> None:
    assert SIMPLE.per_bed_day is not None
    with pytest.raises(
        PaymentInputError, match="no psychiatric bed-day standard for level 'clinic'"
    ):
        settle_bed_days([BedDayStay("x", "V1", "clinic", "F20.0", 5, 1)], SIMPLE.per_bed_day, 2025,
                        DEFAULT_RULE)  # fmt: skip


def test_per_head_hand_worked() -> None:
    """T1: 1,000 persons under contract in January–June, 1,001 in July–December, 120 yuan a
    year: 120 × 1,000 ÷ 12 = 10,000.00 and 120 × 1,001 ÷ 12 = 10,010.00 a month, 120,060.00 in
    the year. At 125 yuan a month of 1,001 persons is 10,427.083… → 10,427.08."""
    assert SIMPLE.per_head_outpatient is not None
    counts = [HeadCount("T1", TC, m, 1000 if m <= 6 else 1001) for m in range(1, 13)]
    res = settle_per_head(counts, SIMPLE.per_head_outpatient, 2025, DEFAULT_RULE)
    assert [d.payment for d in res.details][5:7] == [Money.of("10000"), Money.of("10010")]
    assert res.institutions[0].payment == Money.of("120060")
    assert res.institutions[0].units == Decimal(12006)  # person-months
    policy = policy_variant(lambda d: d["simple"]["per_head_outpatient"].update(annual_rate=125))
    assert policy.simple is not None and policy.simple.per_head_outpatient is not None
    res = settle_per_head([HeadCount("T1", TC, 7, 1001)], policy.simple.per_head_outpatient, 2025,
                          DEFAULT_RULE)  # fmt: skip
    assert res.institutions[0].payment == Money.of("10427.08")
    assert "120,060.00" in DOCS and "10,427.08" in DOCS


def test_day_surgery_hand_worked() -> None:
    """d1 laparoscopic cholecystectomy costing 4,018.00: the standard 4,200.00; d2 the same
    costing 1,900.00, below half the standard (2,100.00): its cost; d3 cataract costing
    3,500.00: the standard 2,900.00 (the hospital bears 600.00); d4 a day-surgery stay whose
    procedure (47.0101) is not in the catalogue: its cost 5,000.00, listed."""
    assert SIMPLE.day_surgery is not None
    stays = [
        DaySurgeryStay("d1", "H1", CH, "51.2300", Money.of("4018"), 5),
        DaySurgeryStay("d2", "H1", CH, "51.2300", Money.of("1900"), 5),
        DaySurgeryStay("d3", "H2", CH, "13.4100x001", Money.of("3500"), 6),
        DaySurgeryStay("d4", "H2", CH, "47.0101", Money.of("5000"), 6),
    ]
    res = settle_day_surgery(stays, SIMPLE.day_surgery, 2025, DEFAULT_RULE)
    got = {c.case_id: (c.category, c.payment) for c in res.details}
    assert got == {
        "d1": ("standard", Money.of("4200")),
        "d2": ("low", Money.of("1900")),
        "d3": ("standard", Money.of("2900")),
        "d4": ("not_in_catalogue", Money.of("5000")),
    }
    assert {i.institution_id: i.payment for i in res.institutions} == {
        "H1": Money.of("6100"),
        "H2": Money.of("7900"),
    }
    assert res.counts == {"standard": 2, "low": 1, "not_in_catalogue": 1}
    line = next(ln for ln in res.ledger.lines if ln.account == "institution:H1")
    assert line.rule_id == "day_surgery.settle" and "day surgery" in line.clause
    assert "4,200.00" in DOCS and "not_in_catalogue" in DOCS


def test_duplicate_stay_is_refused() -> None:
    assert SIMPLE.day_surgery is not None
    stay = DaySurgeryStay("d1", "H1", CH, "51.2300", Money.of("4018"), 5)
    with pytest.raises(PaymentInputError, match="listed twice"):
        settle_day_surgery([stay, stay], SIMPLE.day_surgery, 2025, DEFAULT_RULE)
