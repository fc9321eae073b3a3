"""DIP properties over random catalogues and years: every fen of the DIP fund is either paid to
a hospital or reported as residual, and the residual is only the point-value rounding."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.payment.dip_catalog import DipHistoricalCase, ProcedureKind, build_catalog
from yigong.payment.dip_settle import DipCase, settle_dip
from yigong.payment.loader import load_policy
from yigong.schema.money import Money
from yigong.schema.rounding import DEFAULT_RULE

POLICY = load_policy("henan-default").dip
assert POLICY is not None
DX = ["I21.0", "I21.1", "J18.9", "K35.8", "K35.9", "N18.5"]
PROC = ["", "36.0601", "47.0101"]
KINDS = list(ProcedureKind)
LEVELS = ["county_hospital", "township_center"]
cost = st.integers(min_value=100, max_value=10_000_000).map(lambda f: Money(Decimal(f).scaleb(-2)))


@st.composite
def row(draw: st.DrawFn, year: int | None) -> tuple[object, ...]:
    return (
        draw(st.sampled_from([2022, 2023, 2024])) if year is None else year,
        draw(st.sampled_from(["H1", "H2", "T1"])),
        draw(st.sampled_from(LEVELS)),
        draw(st.sampled_from(DX)),
        draw(st.sampled_from(PROC)),
        draw(st.sampled_from(KINDS)),
        draw(cost),
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(row(None), min_size=1, max_size=60), st.lists(row(2025), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=10**10))  # fmt: skip
def test_dip_fund_fully_accounted(history: list[tuple], cases: list[tuple], fund_fen: int) -> None:  # type: ignore[type-arg]
    base = [
        (2024, "H1", level, "A00.0", "", ProcedureKind.CONSERVATIVE, Money.of("1000"))
        for level in LEVELS
    ]
    catalog = build_catalog(tuple(DipHistoricalCase(*r) for r in [*base, *history]), 2025, POLICY)
    dip_cases = tuple(
        DipCase(f"c{i}", r[1], r[2], r[3], r[4], r[5], r[6], r[6].scale(Decimal("0.7")))
        for i, r in enumerate(cases)
    )
    fund = Money(Decimal(fund_fen).scaleb(-2))
    res = settle_dip(dip_cases, catalog, POLICY, fund, 2025, DEFAULT_RULE)
    paid = Money.sum([h.settlement for h in res.hospitals])
    assert paid + res.residual == fund
    # residual comes only from rounding the point value (half a unit of its last place per
    # point, times the payment ratio) and from rounding each hospital to the fen
    bound = res.total_points * Decimal(1).scaleb(
        -POLICY.point_value_decimals
    ) * res.payment_ratio + Decimal("0.01") * len(res.hospitals)
    assert abs(res.residual.amount) <= bound
    assert all(r.points >= 0 for r in res.cases)
