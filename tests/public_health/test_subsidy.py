"""The village subsidy: a hand-worked allocation, and the fund conserved to the fen whatever
the scores and workloads (property test)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.public_health.assessment import Assessment
from yigong.public_health.loader import load_rules
from yigong.public_health.subsidy import UNALLOCATED, allocate_subsidy
from yigong.schema.money import Money

RULES = load_rules()


def clinic(iid, score, workload):
    a = Assessment(iid, 2024)
    a.score, a.workload_assigned = D(score), D(workload)
    return a


def run(fund, clinics):
    return allocate_subsidy(RULES, Money.of(fund), clinics, account="fund:ph", period="2024",
                            date="2024-12-31")  # fmt: skip


def test_one_village_subsidy_by_hand():
    # weights: A 100 × 80/100 = 80, B 50 × 90/100 = 45, C below the 60-point floor = 0
    r = run(
        "1000.00", [clinic("A", "80", "100"), clinic("B", "90", "50"), clinic("C", "59.99", "500")]
    )
    got = {ln.institution_id: ln.amount for ln in r.lines}
    assert got == {"A": Money.of("640.00"), "B": Money.of("360.00"), "C": Money.zero()}
    assert r.ledger.balance("institution:A") == Money.of("640.00")
    assert r.ledger.balance("fund:ph") == Money.of("-1000.00")
    line = next(ln for ln in r.ledger.lines if ln.account == "institution:A")
    assert line.inputs["score"] == D("80") and "考核结果" in line.clause


def test_fen_go_to_the_largest_remainders():
    r = run("100.00", [clinic(x, "100", "1") for x in "ABC"])
    assert [ln.amount for ln in r.lines] == [
        Money.of("33.34"),
        Money.of("33.33"),
        Money.of("33.33"),
    ]


def test_nobody_qualifies():
    r = run("50.00", [clinic("A", "10", "5")])
    assert r.paid == Money.zero() and r.ledger.balance(UNALLOCATED) == Money.of("50.00")


scores = st.decimals(min_value=0, max_value=100, places=2)
workloads = st.decimals(min_value=0, max_value=100000, places=1)


@settings(max_examples=200, deadline=None)
@given(
    fund=st.integers(min_value=0, max_value=10**11),
    clinics=st.lists(st.tuples(scores, workloads), min_size=1, max_size=30),
)
def test_the_fund_is_conserved_to_the_fen(fund, clinics):
    money = Money.from_fen(fund)
    r = run(str(money), [clinic(f"V{i}", s, w) for i, (s, w) in enumerate(clinics)])
    assert r.paid + r.unallocated == money
    assert all(not ln.amount.is_negative for ln in r.lines)
    assert sum(b.amount for b in r.ledger.balances().values()) == 0  # double entry
    if r.paid != money:  # only when no clinic qualifies
        assert r.paid == Money.zero() and r.ledger.balance(UNALLOCATED) == money
    for ln in r.lines:
        if not ln.qualified:
            assert ln.amount == Money.zero()
