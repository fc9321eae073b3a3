"""The bureau's desk, worked by hand: coverage, fund running and months of payment, time-elapsed
progress, an agreement assessment (points, score, deposit to the fen), the elimination of the
last and settlement time limits (docs/payment.md, "The bureau's desk")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from yigong.payment.agreements import (
    ClaimRecord,
    ProviderYear,
    assess_providers,
    settle_deposits,
    time_limits,
)
from yigong.payment.fund_running import (
    ContributionStandard,
    FundAccount,
    SpendingToDate,
    coverage,
    fund_running,
    progress,
)
from yigong.payment.loader import load_policy
from yigong.schema.money import Money
from yigong.schema.rounding import DEFAULT_RULE

POLICY = load_policy("henan-default")
assert POLICY.fund_running is not None and POLICY.agreements is not None
FR, AG = POLICY.fund_running, POLICY.agreements
DOCS = " ".join(
    (Path(__file__).parents[2] / "docs" / "payment.md").read_text(encoding="utf-8").split()
)


def test_coverage_rate_against_the_target() -> None:
    rows = coverage([("130423", "临漳县", 2024, {"resident": 431_822, "employee": 33_958}, 480_000),
                     ("130424", "成安县", 2024, {"resident": 300_000, "employee": 20_000}, 350_000)], FR)  # fmt: skip
    a, b = rows
    assert (a.total_insured, a.rate, a.meets_target, a.short_of_target) == (
        465_780,
        Decimal("0.9704"),
        True,
        0,
    )
    # 95 % of 350,000 = 332,500 insured needed: 12,500 short
    assert (b.rate, b.meets_target, b.short_of_target) == (Decimal("0.9143"), False, 12_500)


def test_fund_running_and_months_of_payment() -> None:
    """431,822 insured × (670 + 400) = 462,049,540.00 + 1,000,000.00 interest; spent
    400,000,000.00; current balance 63,049,540.00; accumulated 280,000,000.00 + that =
    343,049,540.00; a month of spending 33,333,333.33: 10.3 months (band 'high', 9–15)."""
    std = [ContributionStandard(2024, "resident", Money.of("400"), Money.of("670"), "notice")]
    acc = [
        FundAccount(2024, "resident", Money.of("280000000"), None, Money.of("1000000"), "report")
    ]
    (y,) = fund_running({(2024, "resident"): 431_822}, std, acc,
                        {(2024, "resident"): Money.of("400000000")}, {2024: 12}, FR)  # fmt: skip
    assert y.income == Money.of("463049540") and y.income_basis == "standard"
    assert y.claims_paid == y.expenditure  # no other expenditure on this account
    assert y.current_balance == Money.of("63049540")
    assert y.accumulated_balance == Money.of("343049540")
    assert y.monthly_expenditure == Money.of("33333333.33")
    assert (y.months_payable, y.band) == (Decimal("10.3"), "high")
    assert "343,049,540.00" in DOCS and "10.3" in DOCS


def test_a_running_year_counts_the_months_elapsed() -> None:
    (y,) = fund_running({}, [], [FundAccount(2025, "resident", Money.of("-1000"), Money.of("0"),
                                             Money.zero(), "r")],
                        {(2025, "resident"): Money.of("600")}, {2025: 6}, FR)  # fmt: skip
    assert y.monthly_expenditure == Money.of("100") and y.months_payable == Decimal("-16.0")
    assert y.band == "insufficient"


def test_time_elapsed_progress() -> None:
    """Quota 1,200,000.00; 130,000.00 a month: 520,000.00 by April = 0.4333 of the quota against
    0.3333 of the year elapsed: 10 points ahead, flagged (tolerance 5)."""
    rows = progress([SpendingToDate("community", "C1", "东区", Money.of("1200000"),
                                    tuple(Money.of("130000") for _ in range(4)))], FR)  # fmt: skip
    april = rows[-1]
    assert (april.spent_to_date, april.progress, april.elapsed) == (
        Money.of("520000"),
        Decimal("0.4333"),
        Decimal("0.3333"),
    )
    assert april.flag == "ahead" and rows[0].flag == "on_track"


def _hand_worked() -> ProviderYear:
    return ProviderYear("H001", "县人民医院", "medical_institution", Money.of("123456.78"), {
        "violations": Decimal("0"), "satisfaction": Decimal("84.5"),
        "upload_timeliness": Decimal("97"), "claim_timeliness": Decimal("0.75"),
        "personal_burden": Decimal("0.42"), "cost_growth": Decimal("0.06")})  # fmt: skip


def test_agreement_assessment_hand_worked() -> None:
    """20 (no violation) + 15 × 24.5 ÷ 30 = 12.25 (satisfaction 84.5) + 20 × 17 ÷ 20 = 17
    (upload 97 %) + 15 × 0.15 ÷ 0.4 = 5.625 (claims on time 75 %) + 15 × 0.18 ÷ 0.25 = 10.8
    (personal burden 42 %) + 15 × 0.09 ÷ 0.15 = 9 (cost growth 6 %) = 74.675 → 74.68: the
    70-point band returns 0.7 of the deposit: 123,456.78 × 0.7 = 86,419.746 → 86,419.75
    returned, 37,037.03 kept."""
    (r,) = assess_providers([_hand_worked()], AG, DEFAULT_RULE)
    assert [i.points for i in r.items] == [Decimal("20"), Decimal("12.25"), Decimal("17"),
                                           Decimal("5.625"), Decimal("10.8"), Decimal("9")]  # fmt: skip
    assert r.score == Decimal("74.68") and r.return_share == Decimal("0.7")
    assert (r.returned, r.kept) == (Money.of("86419.75"), Money.of("37037.03"))
    ledger = settle_deposits([r], 2024, AG.assessment.clause)
    assert ledger.balance("institution:H001") == Money.of("-37037.03")
    assert ledger.balance("fund:carry_forward") == Money.of("37037.03")
    assert ledger.balance("fund:deposit:H001").is_zero
    assert "74.68" in DOCS and "86,419.75" in DOCS


def test_missing_item_scores_zero_and_says_so() -> None:
    p = ProviderYear("P1", "药店", "retail_pharmacy", Money.zero(), {"violations": Decimal(5)})
    (r,) = assess_providers([p], AG, DEFAULT_RULE)
    assert r.score == Decimal("0.00")
    assert [i.rule for i in r.items][1] == "no value: 0 points"


def test_elimination_of_the_last() -> None:
    """Twenty medical institutions: the lowest 5 % is one; it is eliminated only below 60."""

    def p(code: str, sat: str) -> ProviderYear:
        return ProviderYear(code, code, "medical_institution", Money.of("1000"),
                            {"satisfaction": Decimal(sat), "violations": Decimal(0),
                             "upload_timeliness": Decimal(100), "claim_timeliness": Decimal(1),
                             "personal_burden": Decimal("0.35"), "cost_growth": Decimal(0)})  # fmt: skip

    ok = [p(f"H{i:02d}", "90") for i in range(19)]
    res = assess_providers([*ok, p("H99", "60")], AG, DEFAULT_RULE)  # 85 points: kept
    assert not any(r.eliminated for r in res)
    bad = ProviderYear(
        "H98", "H98", "medical_institution", Money.of("1000"), {"violations": Decimal(4)}
    )
    res = assess_providers([*ok, bad], AG, DEFAULT_RULE)  # 0 points, last of 20
    assert [r.provider_code for r in res if r.eliminated] == ["H98"]
    assert next(r for r in res if r.provider_code == "H98").rank == 20


def test_settlement_time_limits() -> None:
    claims = [
        ClaimRecord("S1", "H001", 2024, 2, date(2024, 3, 8), Money.of("10"), date(2024, 4, 7), Money.of("10")),
        ClaimRecord("S2", "H001", 2024, 3, date(2024, 4, 8), Money.of("10"), date(2024, 5, 10), Money.of("10")),
        ClaimRecord("S3", "H001", 2024, 11, date(2024, 12, 8), Money.of("10"), None, None),
        ClaimRecord("S4", "H001", 2024, 12, date(2025, 1, 8), Money.of("10"), None, None),
        ClaimRecord("S5", "H002", 2024, 12, date(2025, 1, 2), Money.of("10"), date(2025, 1, 30),
                    Money.of("10"), limit_days=20),
    ]  # fmt: skip
    got = [(t.submission_id, t.days, t.status) for t in time_limits(claims, AG, date(2025, 1, 20))]
    assert got == [("S1", 30, "on_time"), ("S2", 32, "late"), ("S3", 43, "overdue_unpaid"),
                   ("S4", 12, "pending"), ("S5", 28, "late")]  # fmt: skip
