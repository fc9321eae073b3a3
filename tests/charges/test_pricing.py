"""One price-adjustment scenario worked by hand (docs/drugs-and-charges.md, price adjustment).

Items of the year (institution, item, category, revenue, the fund's share):
H1 bed general_service 1,000.00 (0.6), H1 surgery treatment 500.00 (0.8), H1 CT diagnosis
600.00 (0.5), H1 a drug 900.00 (0.7), T1 bed general_service 200.00 (0.5).

Raise general_service and treatment, lower diagnosis by 10 %, room 30.00 (half of 60.00 of
VBP savings): raised revenue 1,700.00, cut 60.00, rate r = (30 + 60) / 1,700 = 0.052941…
H1 bed +52.94, H1 surgery +26.47, T1 bed +10.59, CT −60.00, the drug 0: change 30.00 = the
room (residual 0.00). The fund pays 31.76 + 21.18 − 30.00 + 5.30 (5.295 rounded up) = 28.24,
patients 1.76. H1's medical-service share goes from 1,500 / 3,000 = 50 % to
1,579.41 / 3,019.41.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from yigong.charges.policy import AdjustmentRule, load_policy
from yigong.charges.pricing import ItemRevenue, NothingToRaise, assess, figures, simulate
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT

M = Money.of


def _item(inst: str, code: str, cat: str, kind: str, amount: str, share: str) -> ItemRevenue:
    return ItemRevenue(inst, code, code, cat, kind, Decimal(1), M(amount), Decimal(share))


ROWS = [
    _item("H1", "BED", "general_service", "service", "1000.00", "0.6"),
    _item("H1", "OP", "treatment", "service", "500.00", "0.8"),
    _item("H1", "CT", "diagnosis", "service", "600.00", "0.5"),
    _item("H1", "DRUG", "western_drugs", "drug", "900.00", "0.7"),
    _item("T1", "BED", "general_service", "service", "200.00", "0.5"),
]
RULE = AdjustmentRule(
    raise_categories=["general_service", "treatment"],
    lower_categories=["diagnosis"],
    lower_rate=Decimal("0.10"),
    space_share=Decimal("0.5"),
    outpatient_fund_share=Decimal("0.5"),
    clause="test",
)


def test_the_scenario_to_the_fen():
    figs = figures(ROWS, M("60.00"), RULE)
    assert figs.room == M("30.00") and figs.medical == M("3200.00") and figs.service == M("1700.00")
    sim = simulate(ROWS, RULE, figs.room)
    assert sim.raise_rate == CONTEXT.divide(Decimal(90), Decimal(1700))  # 34 digits
    changes = {(r.institution_id, r.item_code): d for r, d, _ in sim.items}
    assert changes == {
        ("H1", "BED"): M("52.94"),
        ("H1", "OP"): M("26.47"),
        ("H1", "CT"): M("-60.00"),
        ("H1", "DRUG"): M("0"),
        ("T1", "BED"): M("10.59"),
    }
    assert (sim.change, sim.residual) == (M("30.00"), M("0.00"))
    assert (sim.fund_change, sim.patient_change) == (M("28.24"), M("1.76"))
    h1, t1 = sim.institutions
    assert (h1.medical_before, h1.medical_after) == (M("3000.00"), M("3019.41"))
    assert (h1.service_before, h1.service_after) == (M("1500.00"), M("1579.41"))
    assert h1.share_before == Decimal("0.5")
    assert h1.share_after == M("1579.41").ratio(M("3019.41"))
    assert (t1.change, t1.fund_change, t1.patient_change) == (M("10.59"), M("5.30"), M("5.29"))


def test_revenue_neutral_without_room():
    sim = simulate(ROWS, RULE, M("0"))
    assert sim.raise_rate == CONTEXT.divide(Decimal(60), Decimal(1700))
    assert abs(sim.residual.amount) <= Decimal("0.02")  # three rounded rises against one cut


def test_triggers_of_the_shipped_policy():
    pol = load_policy()
    figs = figures(ROWS, M("60.00"), pol.adjustment)
    started, results = assess(figs, pol.triggers)
    by = {r.metric: r for r in results}
    assert by["service_share"].value == Decimal("0.53125") and not by["service_share"].met
    assert by["space_share"].value == Decimal("0.009375") and by["space_share"].met
    assert not started  # start_when: all


def test_nothing_to_raise_is_refused():
    with pytest.raises(NothingToRaise):
        simulate([ROWS[3]], RULE, M("10.00"))
