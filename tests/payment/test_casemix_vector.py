"""The vectorised DRG and DIP settlements equal a plain per-case Decimal restatement of their
rules, fen for fen and point for point, on random cases and policies (Hypothesis)."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.payment.dip_catalog import (
    DipHistoricalCase,
    ProcedureKind,
    build_catalog,
    group_id_for,
)
from yigong.payment.dip_settle import DipCase, settle_dip
from yigong.payment.drg import DrgCase, settle_drg
from yigong.payment.errors import PaymentInputError
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, DEFAULT_RULE, divide

from ._support import policy_variant

LEVELS = ("county_hospital", "township_center")
money = st.integers(min_value=1, max_value=5_000_000).map(Money.from_fen)


def _drg_policy(low: str, high: str, share: str, method: str) -> Any:
    policy = policy_variant(lambda d: d["drg"].update(
        rate_method=method, base_rate=Decimal("8123.45"), low_ratio=Decimal(low),
        high_ratio=Decimal(high), high_excess_share=Decimal(share),
        excluded_cost_share=Decimal("0.85")))  # fmt: skip
    assert policy.drg is not None
    return policy.drg


def _drg_reference(cases: list[DrgCase], policy: Any) -> dict[str, Money]:
    """The DRG rules of docs/payment.md, case by case in Decimal."""

    def excluded(c: DrgCase) -> bool:
        return c.los <= policy.min_los or c.los >= policy.max_los

    paid = [c for c in cases if not excluded(c)]
    if policy.rate_method == "fixed":
        rate = policy.base_rate
    else:
        rate = divide(sum((c.cost.amount for c in paid), Decimal(0)),
                      sum((c.weight for c in paid), Decimal(0))).quantize(Decimal("0.01"),
                                                                          rounding=ROUND_HALF_UP)  # fmt: skip
    out = {}
    for c in cases:
        std = Money.of(
            CONTEXT.multiply(CONTEXT.multiply(rate, c.weight), policy.coefficients[c.level])
        )
        low, cap = std.scale(policy.low_ratio), std.scale(policy.high_ratio)
        if excluded(c):
            pay = c.cost.scale(policy.excluded_cost_share)
        elif c.cost < low:
            pay = c.cost
        elif c.cost > cap:
            pay = std + (c.cost - cap).scale(policy.high_excess_share)
        else:
            pay = std
        out[c.case_id] = pay
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(LEVELS), st.integers(1, 40), money, st.integers(0, 80)),
        min_size=1, max_size=60,
    ),
    st.sampled_from(["0.35", "0.4", "0.5"]),
    st.sampled_from(["1.5", "2", "3"]),
    st.sampled_from(["1", "0.7", "0.333"]),
    st.sampled_from(["fixed", "floating_cost"]),
)  # fmt: skip
def test_drg_vector_equals_per_case(rows: list[Any], low: str, high: str, share: str,
                                    method: str) -> None:  # fmt: skip
    cases = [
        DrgCase(f"c{i:03d}", f"H{i % 3}", lv, f"G{w % 7}", Decimal(w).scaleb(-1) + Decimal("0.0123"),
                cost, los)
        for i, (lv, w, cost, los) in enumerate(rows)
    ]  # fmt: skip
    policy = _drg_policy(low, high, share, method)
    if method == "floating_cost" and all(c.los <= 2 or c.los >= 60 for c in cases):
        return  # refused, see test_audit_findings
    res = settle_drg(cases, policy, 2025, DEFAULT_RULE)
    assert {r.case_id: r.payment for r in res.cases} == _drg_reference(cases, policy)


def _dip_policy() -> Any:
    def change(d: dict[str, Any]) -> None:
        d["dip"]["core_threshold"] = 2
        d["dip"]["coefficient_method"] = "by_level"

    policy = policy_variant(change)
    assert policy.dip is not None
    return policy.dip


DX = ("I21.0", "J18.9", "K35.8", "K35.9", "A09.0", "N18.5")
PROC = ("", "36.0601", "47.0101", "39.9501")
KINDS = tuple(ProcedureKind)


def _dip_reference(cases: list[DipCase], catalog: Any, policy: Any) -> dict[str, Decimal]:
    """The DIP point rules of docs/payment.md, case by case in Decimal (reference to the fen,
    thresholds compared exactly)."""
    q = Decimal(1).scaleb(-policy.score_decimals)
    out = {}
    for c in cases:
        gid = group_id_for(c.diagnosis, c.procedure, c.procedure_kind, catalog)
        if gid is None:
            out[c.case_id] = CONTEXT.multiply(divide(c.cost.amount, catalog.overall_mean),
                                              policy.score_scale).quantize(q, rounding=ROUND_HALF_UP)  # fmt: skip
            continue
        g, coef = catalog.groups[gid], catalog.coefficients[c.level]
        ref = Money.of(CONTEXT.multiply(g.mean_cost, coef)).amount
        base = CONTEXT.multiply(g.score, coef)
        cost = c.cost.amount
        if cost < policy.low_ratio * ref:
            pts = base * cost / ref
        elif cost > policy.high_ratio * ref:
            pts = base * (cost / ref - policy.high_ratio + 1)
        else:
            pts = base
        out[c.case_id] = pts.quantize(q, rounding=ROUND_HALF_UP)
    return out


case_rows = st.lists(
    st.tuples(st.integers(0, 1), st.sampled_from(DX), st.sampled_from(PROC),
              st.sampled_from(KINDS), money),
    min_size=3, max_size=40,
)  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(case_rows, case_rows)
def test_dip_vector_equals_per_case(hist_rows: list[Any], rows: list[Any]) -> None:
    history = tuple(
        DipHistoricalCase(2022 + i % 3, "X", LEVELS[lv], dx, pr, k, cost)
        for i, (lv, dx, pr, k, cost) in enumerate(hist_rows)
    )
    cases = [
        DipCase(f"c{i:03d}", f"H{lv}", LEVELS[lv], dx, pr, k, cost, cost.scale(Decimal("0.6")))
        for i, (lv, dx, pr, k, cost) in enumerate(rows)
    ]
    policy = _dip_policy()
    catalog = build_catalog(history, 2025, policy)
    if any(lv not in catalog.coefficients for lv in {c.level for c in cases}):
        return  # a level without history has no coefficient: refused
    refs = [
        Money.of(CONTEXT.multiply(catalog.groups[g].mean_cost, catalog.coefficients[c.level]))
        for c in cases
        if (g := group_id_for(c.diagnosis, c.procedure, c.procedure_kind, catalog))
    ]
    if any(r.is_zero for r in refs):  # a coefficient rounded to 0: refused, never divided by
        with pytest.raises(PaymentInputError, match="rounds to 0.00"):
            settle_dip(cases, catalog, policy, Money.of("100000"), 2025, DEFAULT_RULE)
        return
    with decimal.localcontext(CONTEXT):
        expected = _dip_reference(cases, catalog, policy)
    res = settle_dip(cases, catalog, policy, Money.of("100000"), 2025, DEFAULT_RULE)
    assert {r.case_id: r.points for r in res.cases} == expected
