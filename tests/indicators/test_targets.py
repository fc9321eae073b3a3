"""Targets: selection per node and period, gap, and the trajectory to the deadline."""

from __future__ import annotations

import pytest

from yigong.indicators.evaluate import evaluate
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import Target
from yigong.indicators.targets import check, project, select_target
from yigong.warehouse.hierarchy import parse_node


def tgt(**kw) -> Target:
    base = dict(
        indicator="X", comparator=">=", value=3.8, deadline=2025, source="H", source_text="…"
    )
    return Target.model_validate({**base, **kw})


def test_specific_node_beats_level_beats_star():
    star = tgt(value=1)
    level = tgt(value=2, nodes=["community"])
    node = tgt(value=3, nodes=["community:C1"])
    other = tgt(value=4, nodes=["community:C2"])
    p = parse_period("2024")
    assert select_target([star, level, node, other], parse_node("community:C1"), p) is node
    assert select_target([star, level, other], parse_node("community:C1"), p) is level
    assert select_target([star, level], parse_node("inst:H1"), p) is star


def test_pending_deadline_first_then_latest_passed():
    t2020 = tgt(value=45, deadline=2020)
    t2021 = tgt(value=50, deadline=2021, from_year=2021)
    t2025 = tgt(value=60, deadline=2025, from_year=2022)
    assert (
        select_target([t2020, t2021, t2025], parse_node("inst:H1"), parse_period("2020")) is t2020
    )
    assert select_target([t2020, t2021], parse_node("inst:H1"), parse_period("2024")) is t2021
    assert (
        select_target([t2020, t2021, t2025], parse_node("inst:H1"), parse_period("2023")) is t2025
    )


def test_institution_filter_binds_only_matching_institutions():
    t = tgt(nodes=["institution"], institution_filter={"level": ["3"]})
    node = parse_node("inst:H1")
    assert select_target([t], node, parse_period("2022"), {"level": "3"}) is t
    assert select_target([t], node, parse_period("2022"), {"level": "2"}) is None


def test_gap_and_met():
    assert check(tgt(value=3.8), 3.0).gap == pytest.approx(0.8)
    assert check(tgt(value=3.8), 3.0).met is False
    low = tgt(comparator="<=", value=10)
    assert check(low, 11.0).gap == pytest.approx(1.0) and check(low, 9.0).met is True
    strict = tgt(comparator=">", value=30)
    assert check(strict, 30.0).met is False and check(strict, 30.1).met is True
    bench = tgt(comparator="<=", value=None, benchmark="national median")
    assert check(bench, 5.0).gap is None and check(bench, 5.0).met is None


def test_trajectory_least_squares():
    pts = [(2022, 2.0), (2023, 2.5), (2024, 3.0)]  # +0.5 a year → 3.5 in 2025
    off = project(pts, tgt(value=3.8))
    assert off.slope == pytest.approx(0.5) and off.projected == pytest.approx(3.5)
    assert off.will_meet is False
    assert project(pts, tgt(value=3.4)).will_meet is True
    assert project([(2024, 3.0)], tgt()).will_meet is None  # one point: no trend
    observed = project([(2024, 4.0), (2025, 3.9)], tgt())
    assert observed.will_meet is True and "observed" in observed.note


def test_results_carry_target_gap_and_trajectory(wh, cat):
    ev = evaluate(wh, cat, parse_node("community:C1"), parse_period("2024"), ["C02", "P13", "P03"])
    got = {r.indicator: r for r in ev.results}
    # C02 = 92.5 % against the Hebei 90 % for 2025 (the Henan 2020 target has passed)
    assert got["C02"].target.value == 90 and got["C02"].target.deadline == 2025
    assert got["C02"].target.gap == pytest.approx(-2.5) and got["C02"].target.met is True
    # C02 history: 2023 = H1's 5 visits + 2 stays, no out-of-county care → 100 %; 2024 92.5 %
    traj = got["C02"].trajectory
    assert traj.points == ((2023, 100.0), (2024, 92.5))
    assert traj.projected == pytest.approx(92.5 - 7.5) and traj.will_meet is False
    # P13: 40 % in 2024 against ≥ 50 % from 2021
    assert got["P13"].target.value == 50 and got["P13"].target.gap == pytest.approx(10)
    # P03 nurses per 1,000: 0.15 against 3.8 by 2025 (2023: 12 + 6 nurses / 190,000)
    assert got["P03"].target.gap == pytest.approx(3.65)
    assert got["P03"].trajectory.points[0] == (2023, pytest.approx(18 / 190))
