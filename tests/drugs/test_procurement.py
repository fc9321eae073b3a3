"""Volume-based procurement worked by hand (docs/drugs-and-charges.md): completion, savings, the fund
saved, the retained fund and its 60–70 % split, the platform share and unified distribution.

Policy procurement-2024: fund share 0.65, retention share 0.5, completion required 1.0, staff
share 0.65 (inside henan-default's 0.6–0.7).

A  H1 ceftriaxone: agreed 1,000, bought 1,100 at 1.20 (pre-VBP 8.50): completion 1.1;
   spend 1,320.00; savings 1,100 × 7.30 = 8,030.00; fund saved × 0.65 = 5,219.50;
   retained × 0.5 = 2,609.75
B  H1 amlodipine: agreed 10,000, bought 9,000 at 0.05 (1.20): completion 0.9, not met;
   savings 9,000 × 1.15 = 10,350.00; fund saved 6,727.50; retained 0
C  T1 amoxicillin: agreed 3,000, bought 3,000 at 0.10 (0.45): completion 1.0, met;
   savings 1,050.00; fund saved 682.50; retained 341.25
H1 retained 2,609.75 → staff 0.65 × = 1,696.3375 → 1,696.34, development 913.41
T1 retained 341.25 → staff 221.8125 → 221.81, development 119.44
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from yigong.drugs.policy import ProcurementPolicyError, load_policy
from yigong.drugs.procurement import (
    PurchaseTotals,
    VbpLine,
    distribution_shares,
    platform_shares,
    retained_funds,
    vbp_results,
)
from yigong.payment.loader import load_policy as load_payment
from yigong.schema.money import Money

M = Money.of


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.fixture(scope="module")
def split():
    return load_payment("henan-default").distribution.procurement_surplus


LINES = [
    VbpLine("H1", "A1", "头孢曲松", 2024, 1000, 1100, M("1.20"), M("8.50")),
    VbpLine("H1", "N1", "氨氯地平", 2024, 10000, 9000, M("0.05"), M("1.20")),
    VbpLine("T1", "A2", "阿莫西林", 2024, 3000, 3000, M("0.10"), M("0.45")),
]


def test_completion_savings_and_retained_fund_by_agreement(policy):
    a, b, c = vbp_results(LINES, policy.vbp)
    assert a.completion == Decimal("1.1") and a.completed
    assert (a.spend, a.savings, a.fund_savings, a.retained) == (
        M("1320.00"), M("8030.00"), M("5219.50"), M("2609.75"))  # fmt: skip
    assert b.completion == Decimal("0.9") and not b.completed
    assert (b.savings, b.fund_savings, b.retained) == (M("10350.00"), M("6727.50"), M("0"))
    assert c.completion == 1 and c.completed  # the agreed volume exactly: met
    assert (c.savings, c.fund_savings, c.retained) == (M("1050.00"), M("682.50"), M("341.25"))


def test_retained_fund_feeds_the_60_70_split(policy, split):
    h1, t1 = retained_funds(vbp_results(LINES, policy.vbp), policy.vbp, split)
    assert (h1.institution_id, h1.agreements, h1.completed) == ("H1", 2, 1)
    assert (h1.retained, h1.staff, h1.development) == (M("2609.75"), M("1696.34"), M("913.41"))
    assert (t1.retained, t1.staff, t1.development) == (M("341.25"), M("221.81"), M("119.44"))
    assert h1.savings == M("18380.00") and h1.fund_savings == M("11947.00")


def test_a_staff_share_outside_the_band_is_refused(policy, split):
    bad = policy.vbp.model_copy(update={"staff_share": Decimal("0.75")})
    with pytest.raises(ValueError, match="outside 0.6"):
        retained_funds(vbp_results(LINES, bad), bad, split)


def test_no_agreed_volume_means_no_completion(policy):
    (r,) = vbp_results([VbpLine("H1", "X", "x", 2024, 0, 5, M("1"), M("2"))], policy.vbp)
    assert r.completion is None and not r.completed and r.retained == M("0")


def test_platform_share_binds_secondary_and_higher_hospitals(policy):
    rows = [
        PurchaseTotals("H1", "2", M("1000.00"), M("800.00")),  # exactly 80 %: met (以上)
        PurchaseTotals("H2", "3", M("1000.00"), M("799.99")),
        PurchaseTotals("T1", "1", M("100.00"), M("10.00")),  # a township centre: not bound
        PurchaseTotals("H3", "2", M("0"), M("0")),
    ]
    h1, h2, t1, h3 = platform_shares(rows, policy.platform)
    assert h1.share == Decimal("0.8") and h1.ok is True
    assert h2.ok is False and h2.share < Decimal("0.8")
    assert not t1.bound and t1.ok is None and t1.share == Decimal("0.1")
    assert h3.share is None and h3.ok is None


def test_unified_distribution_is_monitored(policy):
    (d,) = distribution_shares([("T1", M("850.00"), M("150.00"))], policy.distribution)
    assert d.share == Decimal("0.85") and d.ok is None  # no target set: monitored


def test_a_broken_policy_copy_names_file_line_and_field(tmp_path):
    import shutil

    from yigong.drugs.policy import PACKS_DIR

    folder = tmp_path / "mine"
    shutil.copytree(PACKS_DIR / "procurement-2024", folder)
    path = folder / "procurement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("retention_share: 0.5",
                                                              "retention_share: 1.5"),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ProcurementPolicyError) as exc:
        load_policy(folder)
    found = [i for i in exc.value.issues if i.field == "vbp.retention_share"]
    assert found and found[0].line == 10 and found[0].file.endswith("procurement.yaml")
