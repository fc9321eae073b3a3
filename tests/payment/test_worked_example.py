"""The worked example of docs/payment.md, computed by hand, exact to the fen.

County 示例县, 2025, annual fund 12,000,000.00; policy henan-default.

Reserves: risk 5 % = 600,000; quality 5 % = 600,000; major illness 8 % = 960,000
→ distributable 9,840,000.
Basis: headcount A 60,000 / B 40,000 → 0.6 / 0.4. History (weights 7·2024 + 2·2023 + 1·2022):
A 7×3.0M + 2×3.0M + 1×3.0M = 30.0M; B 7×3.2M + 2×2.4M + 1×2.8M = 30.0M → 0.5 / 0.5.
Basis A = 0.5×0.6 + 0.5×0.5 = 0.55 → quota 5,412,000; B 0.45 → 4,428,000.
Monthly: A 451,000 (pay 405,900, withhold 45,100); B 369,000 (pay 332,100, withhold 36,900).
Scores A 92/85/95/88 → release 1/0.9/1/0.9 of 135,300 → 135,300 + 121,770 + 135,300 + 121,770
= 514,140; annual 90.00 → quality return share 1.
Scores B 75/58/82/70 → release 0.7/0/0.9/0.7 of 110,700 → 77,490 + 0 + 99,630 + 77,490
= 254,610; annual 71.25 → quality return share 0.6.
Claims A: in-county 12×(300,000 + 50,000) = 4,200,000; out of county 500,000 + 100,000 = 600,000;
E = 4,800,000 → surplus 612,000. Tiers on quota 5,412,000: 270,600×1 + 270,600×0.6 + 70,800×0.3
= 270,600 + 162,360 + 21,240 = 454,200 retained; 157,800 back to the fund.
Received A = 12×405,900 + 514,140 = 5,384,940 → final = 4,200,000 + 454,200 − 5,384,940 = −730,740.
Claims B: in-county 12×(320,000 + 40,000) = 4,320,000; out of county 300,000 + 200,000 = 500,000;
E = 4,820,000 → overspend 392,000. Tiers: 221,400×0.5 + 170,600×0.3 = 110,700 + 51,180
= 161,880 from the risk fund; B bears 230,120.
Received B = 12×332,100 + 254,610 = 4,239,810; quota left = 4,428,000 − 3,985,200 − 442,800
− 500,000 + 188,190 (withheld not released) = −311,810 = final payment (B pays it back).
Quality fund 600,000 split by quota 0.55/0.45 → 330,000 / 270,000; returned 330,000 and 162,000.
Net: A = 454,200 + 330,000 = 784,200; B = 161,880 − 392,000 + 162,000 = −68,120.
"""

from __future__ import annotations

from decimal import Decimal

from yigong.payment.budget import settle_budget
from yigong.payment.invariants import budget_violations
from yigong.payment.loader import load_policy
from yigong.payment.records import BudgetInputs
from yigong.schema.money import Money


def m(text: str) -> Money:
    return Money.of(text)


def test_worked_example_exact(worked_inputs: BudgetInputs) -> None:
    result = settle_budget(worked_inputs, load_policy("henan-default"))
    a, b = result.communities
    assert (a.quota, b.quota) == (m("5412000"), m("4428000"))
    assert (a.prepaid, b.prepaid) == (m("4870800"), m("3985200"))
    assert (a.released, b.released) == (m("514140"), m("254610"))
    assert (a.in_county, a.out_of_county_charged) == (m("4200000"), m("600000"))
    assert (b.in_county, b.out_of_county_charged) == (m("4320000"), m("500000"))
    assert (a.surplus, a.retained, a.final_payment) == (m("612000"), m("454200"), m("-730740"))
    assert (b.overspend, b.fund_share, b.community_borne, b.final_payment) == (
        m("392000"),
        m("161880"),
        m("230120"),
        m("-311810"),
    )
    assert (a.annual_score, b.annual_score) == (Decimal("90.00"), Decimal("71.25"))
    assert (a.quality_share, a.quality_returned) == (m("330000"), m("330000"))
    assert (b.quality_share, b.quality_returned) == (m("270000"), m("162000"))
    assert (a.net_position, b.net_position) == (m("784200"), m("-68120"))
    balances = result.ledger.balances()
    assert balances["fund:carry_forward"] == m("265800")
    assert balances["fund:reserve:risk_adjustment"] == m("438120")
    assert balances["fund:reserve:major_illness"] == m("960000")
    assert balances["external:out_of_county:OUT-PROV-HOSP"] == m("900000")
    assert budget_violations(result, worked_inputs.annual_fund) == []
    releases = [(q.community_id, q.quarter, q.released) for q in result.quarters]
    assert releases == [
        ("A", 1, m("135300")), ("B", 1, m("77490")), ("A", 2, m("121770")), ("B", 2, m("0")),
        ("A", 3, m("135300")), ("B", 3, m("99630")), ("A", 4, m("121770")), ("B", 4, m("77490")),
    ]  # fmt: skip
    nxt = {n.community_id: n for n in result.next_year}
    assert (
        nxt["A"].year == 2026
        and nxt["A"].fund_paid == m("4800000")
        and nxt["B"].fund_paid == m("4820000")
    )


def test_every_line_names_rule_clause_and_inputs(worked_inputs: BudgetInputs) -> None:
    result = settle_budget(worked_inputs, load_policy("henan-default"))
    for line in result.ledger.lines:
        assert line.rule_id and line.clause and line.inputs and line.date.startswith("2025-")
    tier_line = next(
        ln
        for ln in result.ledger.lines
        if ln.rule_id == "reconcile.final" and ln.account == "community:A"
    )
    assert (
        tier_line.inputs["tiers"]
        == "270600.00×1=270600.00; 270600.00×0.6=162360.00; 70800.00×0.3=21240.00"
    )
