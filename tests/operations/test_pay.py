"""Performance pay: the envelope's appraisal coefficient, exact distribution with a balanced
ledger, and the pay checks of the policy texts."""

from __future__ import annotations

from decimal import Decimal

from yigong.operations.loader import load_operations_policy
from yigong.operations.pay import (
    DepartmentWork,
    StaffMonths,
    distribute_envelope,
    envelope_coefficient,
)
from yigong.operations.pay_checks import (
    PersonRecord,
    fixed_salary_checks,
    gp_parity_checks,
    personnel_share_check,
)
from yigong.schema.money import Money

PAY = load_operations_policy().pay
M = Money.of


def test_bands_link_the_envelope_to_the_appraisal() -> None:
    assert envelope_coefficient(Decimal("90"), PAY) == Decimal("1.05")
    assert envelope_coefficient(Decimal("89.9"), PAY) == Decimal("1.00")
    assert envelope_coefficient(Decimal("12"), PAY) == Decimal("0.90")
    assert envelope_coefficient(None, PAY) == Decimal(1)


def test_distribution_is_exact_and_explained() -> None:
    work = [
        DepartmentWork("W1", "内科", case_weight=Decimal("10.5"), bed_days=300),  # 1050 + 600
        DepartmentWork("W2", "外科", case_weight=Decimal("8"), bed_days=200, low_risk_deaths=2),
        DepartmentWork("A1", "院办公室"),  # no workload: 0.9 × points per head × staff
    ]
    staff = [
        StaffMonths("s1", "W1", "senior", 12, M("0")), StaffMonths("s2", "W1", "junior", 12, M("0")),
        StaffMonths("s3", "W2", "intermediate", 6, M("0")), StaffMonths("s4", "A1", "none", 12, M("0")),
    ]  # fmt: skip
    d = distribute_envelope("H1", 2024, M("100000"), Decimal("85"), M("40000"), work, staff, PAY)
    assert d.distributable == M("100000") and d.pool == M("60000")
    points = {x.department_id: x.points for x in d.departments}
    assert points["W1"] == Decimal("1650")
    assert points["W2"] == Decimal("1080")  # (8 × 100 + 200 × 2) × (1 − 0.05 × 2 deaths)
    # the office: 0.9 × the points per head of the working departments × 1 head
    assert points["A1"] == Decimal("0.9") * (Decimal("1650") + Decimal("1080")) / 3
    assert Money.sum([x.pool for x in d.departments]) == d.pool
    assert Money.sum([s.entitled for s in d.staff]) == d.pool
    assert sum((ln.amount.amount for ln in d.ledger.lines), Decimal(0)) == 0  # double entry
    assert {ln.rule_id for ln in d.ledger.lines} >= {"pay.envelope", "pay.department", "pay.staff"}


def test_pay_checks() -> None:
    def person(key, inst, itype, title, gp, post, incentive, qual="licensed_physician"):  # noqa: ANN001, ANN202
        return PersonRecord(key, inst, itype, qual, title, gp,
                            {"post_pay": M(post), "incentive_performance": M(incentive)})  # fmt: skip

    people = [
        person("g1", "T1", "township_centre", "intermediate", True, "40000", "30000"),
        person("g2", "T1", "township_centre", "intermediate", True, "40000", "10000"),
        person("c1", "H1", "county_general", "intermediate", False, "50000", "30000"),
        person("c2", "H1", "county_general", "intermediate", False, "40000", "20000"),
        person("c3", "H1", "county_general", "junior", False, "40000", "20000"),
    ]
    gp = gp_parity_checks(people, PAY)
    assert [(c.institution_id, c.subject, c.numerator, c.denominator, c.ok) for c in gp] == [
        ("T1", "intermediate", M("60000"), M("70000"), False)]  # fmt: skip
    fixed = {c.institution_id: c for c in fixed_salary_checks(people, PAY)}
    assert fixed["H1"].value == Decimal("0.6500") and fixed["H1"].ok  # 130000 of 200000
    share = personnel_share_check("H1", M("37"), M("100"), Decimal("38"), "placeholder", PAY)
    assert share.value == Decimal("37.0000") and share.ok is False
    assert personnel_share_check("H1", M("37"), M("100"), None, "", PAY).ok is None
