"""DIP: catalogue by the big-data method, scores, coefficients, deviation cases, point value
and hospital settlement — a hand-computed example (see docs/payment.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yigong.payment.dip_catalog import DipHistoricalCase, ProcedureKind, build_catalog
from yigong.payment.dip_settle import DipCase, HospitalAdjustment, settle_dip
from yigong.payment.errors import PaymentInputError
from yigong.schema.money import Money
from yigong.schema.rounding import DEFAULT_RULE

from ._support import policy_variant

S, C = ProcedureKind.SURGICAL, ProcedureKind.CONSERVATIVE
CH, TC = "county_hospital", "township_center"


def dip_policy(**changes: Any) -> Any:
    def change(d: dict[str, Any]) -> None:
        d["dip"]["core_threshold"] = 2
        d["dip"]["coefficient_method"] = "fixed"
        d["dip"]["fixed_coefficients"] = {CH: 1, TC: Decimal("0.8")}
        d["dip"].update(changes)

    policy = policy_variant(change)
    assert policy.dip is not None
    return policy.dip


def h(
    year: int, level: str, dx: str, proc: str, kind: ProcedureKind, cost: str
) -> DipHistoricalCase:
    return DipHistoricalCase(year, "X", level, dx, proc, kind, Money.of(cost))


# 2024 history: M = 60,000 / 6 = 10,000
HISTORY = (
    h(2024, CH, "I21.0", "36.0601", S, "20000"),
    h(2024, CH, "I21.0", "36.0601", S, "22000"),  # core I210|360601, mean 21,000 → score 2100
    h(2024, CH, "J18.9", "", C, "3000"),
    h(2024, TC, "J18.9", "", C, "1000"),  # core J189|-, mean 2,000 → score 200
    h(2024, CH, "K35.8", "47.0101", S, "8000"),
    h(
        2024, TC, "K35.9", "47.0901", S, "6000"
    ),  # 1 case each → comprehensive K35|surgical, 7,000 → 700
)


def case(cid: str, level: str, dx: str, proc: str, kind: ProcedureKind, cost: str) -> DipCase:
    inst = "H1" if level == CH else "T1"
    return DipCase(
        cid, inst, level, dx, proc, kind, Money.of(cost), Money.of(cost).scale(Decimal("0.7"))
    )


CASES = (
    case("c1", CH, "I21.0", "36.0601", S, "21000"),  # normal: 2100
    case("c2", CH, "I21.0", "36.0601", S, "50000"),  # high: 2100 × (50000/21000 − 2 + 1) = 2900
    case("c3", TC, "J18.9", "", C, "600"),  # low: 200 × 0.8 × 600/1600 = 60
    case("c4", TC, "K35.1", "47.0101", S, "5600"),  # comprehensive: 700 × 0.8 = 560
    case("c5", CH, "A09.0", "", C, "1500"),  # unmatched: 1500/10000 × 1000 = 150
)


def test_catalog_core_and_comprehensive_groups() -> None:
    cat = build_catalog(HISTORY, 2025, dip_policy())
    assert cat.overall_mean == Decimal(10000)
    scores = {g: grp.score for g, grp in cat.groups.items()}
    assert scores == {
        "core:I210|360601": Decimal("2100.0000"),
        "core:J189|-": Decimal("200.0000"),
        "comp:K35|surgical": Decimal("700.0000"),
    }


def test_settlement_worked_example() -> None:
    policy = dip_policy()
    cat = build_catalog(HISTORY, 2025, policy)
    res = settle_dip(CASES, cat, policy, Money.of("40390"), 2025, DEFAULT_RULE)
    by_case = {r.case_id: (r.deviation, r.points) for r in res.cases}
    assert by_case == {
        "c1": ("normal", Decimal("2100.0000")),
        "c2": ("high", Decimal("2900.0000")),
        "c3": ("low", Decimal("60.0000")),
        "c4": ("normal", Decimal("560.0000")),
        "c5": ("unmatched", Decimal("150.0000")),
    }
    assert res.payment_ratio == Decimal("0.7") and res.total_points == Decimal("5770.0000")
    assert res.point_value == Decimal("10.000000")  # 40,390 ÷ 0.7 ÷ 5,770
    assert {x.institution_id: x.settlement for x in res.hospitals} == {
        "H1": Money.of("36050"),
        "T1": Money.of("4340"),
    }
    assert res.residual.is_zero


def test_assessment_coefficient_and_deductions() -> None:
    policy = dip_policy()
    cat = build_catalog(HISTORY, 2025, policy)
    adj = (HospitalAdjustment("T1", Decimal("0.95"), Money.of("100")),)
    res = settle_dip(CASES, cat, policy, Money.of("40390"), 2025, DEFAULT_RULE, adj)
    t1 = next(x for x in res.hospitals if x.institution_id == "T1")
    assert t1.settlement == Money.of("4023")  # 4,340 × 0.95 − 100
    assert res.residual == Money.of("317")  # what stays in the DIP pool, reported
    assert Money.sum([ln.amount for ln in res.ledger.lines]).is_zero


def test_extreme_case_flagged() -> None:
    policy = dip_policy()
    cat = build_catalog(HISTORY, 2025, policy)
    res = settle_dip(
        (case("x", CH, "I21.0", "36.0601", S, "126000"),),
        cat,
        policy,
        Money.of("1000"),
        2025,
        DEFAULT_RULE,
    )
    assert (
        res.cases[0].deviation == "extreme" and res.cases[0].points == Decimal("2100") * 5
    )  # ratio 6 → 6 − 2 + 1


def test_deviation_thresholds_are_parameters() -> None:
    policy = dip_policy(low_ratio=Decimal("0.3"))
    cat = build_catalog(HISTORY, 2025, policy)
    res = settle_dip((CASES[2],), cat, policy, Money.of("100"), 2025, DEFAULT_RULE)
    assert res.cases[0].deviation == "normal"  # ratio 0.375 is not below 0.3


def test_year_weights_1_2_7() -> None:
    hist = tuple(
        h(y, CH, "I10", "", C, cost) for y, cost in ((2022, "100"), (2023, "200"), (2024, "300"))
    )
    cat = build_catalog(hist, 2025, dip_policy(core_threshold=5))
    assert cat.groups["comp:I10|conservative"].mean_cost == Decimal(
        260
    )  # (100 + 2×200 + 7×300) / 10


def test_core_threshold() -> None:
    assert (
        "core:I210|360601" not in build_catalog(HISTORY, 2025, dip_policy(core_threshold=3)).groups
    )


def test_level_coefficients() -> None:
    by_level = build_catalog(HISTORY, 2025, dip_policy(coefficient_method="by_level"))
    assert by_level.coefficients == {
        CH: Decimal("1.3250"),
        TC: Decimal("0.3500"),
    }  # 13,250 / 10,000; 3,500 / 10,000
    casemix = build_catalog(HISTORY, 2025, dip_policy(coefficient_method="by_level_casemix"))
    assert casemix.coefficients == {
        CH: Decimal("1.0392"),
        TC: Decimal("0.7778"),
    }  # 53,000/51,000; 7,000/9,000


def test_history_outside_window_is_an_error() -> None:
    with pytest.raises(PaymentInputError, match="outside the window"):
        build_catalog((h(2019, CH, "I10", "", C, "1"),), 2025, dip_policy())


def test_zero_cost_case_is_an_error() -> None:
    policy = dip_policy()
    cat = build_catalog(HISTORY, 2025, policy)
    zero = DipCase("z", "H1", CH, "I21.0", "36.0601", S, Money.zero(), Money.zero())
    with pytest.raises(PaymentInputError) as info:
        settle_dip((CASES[0], zero), cat, policy, Money.of("1"), 2025, DEFAULT_RULE)
    assert [(i.line, i.field) for i in info.value.issues] == [(3, "cost")]
