"""Family-doctor fee distribution: policy floor, exact conservation, fair leftover fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yigong.graded_care.contracts import (
    KeyPopulation,
    distribute_fee,
    parse_populations,
    primary_population,
)
from yigong.graded_care.errors import InvalidRequest

D = Decimal


def test_worked_example() -> None:
    d = distribute_fee(D("1000.00"), "T1", [("gp", D("2")), ("nurse", D("1")), ("phys", D("1"))])
    assert d.team_amount == D("700.00") and d.institution_amount == D("300.00")
    assert [(ln.recipient, ln.amount) for ln in d.lines] == [
        ("T1", D("300.00")),
        ("gp", D("350.00")),
        ("nurse", D("175.00")),
        ("phys", D("175.00")),
    ]
    assert "≥70 %" in d.lines[1].rule


def test_leftover_fen_go_to_largest_remainders() -> None:
    # team 70 % of 100.00 = 70.00 split three ways: 23.333… each → 23.33 ×3 + 1 fen to "a".
    d = distribute_fee(D("100.00"), "T1", [("c", D("1")), ("a", D("1")), ("b", D("1"))])
    assert {ln.recipient: ln.amount for ln in d.lines} == {
        "T1": D("30.00"),
        "a": D("23.34"),
        "b": D("23.33"),
        "c": D("23.33"),
    }


def test_half_up_on_team_total() -> None:
    d = distribute_fee(D("0.05"), "T1", [("gp", D("1"))])  # 0.035 → 0.04 (HALF_UP)
    assert d.team_amount == D("0.04") and d.institution_amount == D("0.01")


@pytest.mark.parametrize(
    ("share", "members", "total", "message"),
    [
        (D("0.69"), [("a", D(1))], D("10"), "outside"),
        (D("1.01"), [("a", D(1))], D("10"), "outside"),
        (D("0.8"), [], D("10"), "at least one"),
        (D("0.8"), [("a", D(0))], D("10"), "positive"),
        (D("0.8"), [("a", D(1)), ("a", D(1))], D("10"), "distinct"),
        (D("0.8"), [("a", D(1))], D("10.001"), "2 decimals"),
    ],
)
def test_refusals(
    share: Decimal, members: list[tuple[str, Decimal]], total: Decimal, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        distribute_fee(total, "T1", members, share)


@given(
    total_fen=st.integers(min_value=0, max_value=10**9),
    share_pct=st.integers(min_value=70, max_value=100),
    weights=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
)
def test_conservation_and_floor(total_fen: int, share_pct: int, weights: list[int]) -> None:
    total = D(total_fen) / 100
    members = [(f"m{i}", D(w)) for i, w in enumerate(weights)]
    d = distribute_fee(total, "T1", members, D(share_pct) / 100)
    assert sum(ln.amount for ln in d.lines) == total
    team = sum(ln.amount for ln in d.lines if ln.recipient_kind == "team_member")
    assert team == d.team_amount >= (total * D("0.70")).quantize(D("0.01")) - D("0.01")
    assert all(ln.amount >= 0 and ln.amount == ln.amount.quantize(D("0.01")) for ln in d.lines)
    ideal = [d.team_amount * D(w) / sum(D(x) for x in weights) for w in weights]
    got = [ln.amount for ln in d.lines[1:]]
    assert all(abs(g - i) < D("0.01") for g, i in zip(got, ideal, strict=True))


def test_populations() -> None:
    assert parse_populations("elderly, hypertension,elderly") == (
        KeyPopulation.HYPERTENSION,
        KeyPopulation.ELDERLY,
    )
    assert primary_population(parse_populations("elderly,child")) == "child"
    assert primary_population(()) == "general"
    assert parse_populations([]) == ()
    with pytest.raises(InvalidRequest, match="unknown key population 'pets'"):
        parse_populations("pets")
