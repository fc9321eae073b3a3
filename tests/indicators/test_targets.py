"""Targets: selection per node and period, gap, and the trajectory to the deadline."""

from __future__ import annotations

import pytest

from yigong.indicators.evaluate import evaluate
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import Target
from yigong.indicators.targets import check, plausible_points, project, select_target
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
    ev = evaluate(wh, cat, parse_node("community:C1"), parse_period("2024"), ["C01", "P13", "P03"])
    got = {r.indicator: r for r in ev.results}
    # C01 = 2 of 3 admissions of C1's residents against the Hebei 90 % for 2025
    assert got["C01"].target.value == 90 and got["C01"].target.deadline == 2025
    assert got["C01"].target.gap == pytest.approx(90 - 200 / 3) and got["C01"].target.met is False
    # C01 history: 2023 = s10 (a resident of the township, treated in the county) → 100 %
    traj = got["C01"].trajectory
    assert traj.points == ((2023, 100.0), (2024, pytest.approx(200 / 3)))
    assert traj.will_meet is False and traj.left_out == ()
    # P13 (standardised workload): 40 % in 2024 against ≥ 50 % from 2021
    assert got["P13"].target.value == 50 and got["P13"].target.gap == pytest.approx(10)
    # P03 nurses per 1,000 of the township: 0.25 against 3.8 by 2025 (2023: 12 + 6 / 115,000)
    assert got["P03"].target.gap == pytest.approx(3.55)
    assert got["P03"].trajectory.points[0] == (2023, pytest.approx(18 / 115))


class _C:
    def __init__(self, value: float | None, num: int | None, den: int | None) -> None:
        self.value, self.numerator, self.denominator = value, num, den


def test_partial_year_is_left_out_of_the_trend():
    # 2020 holds two stray records (the demo's sliver): 2 / 2 = 100 %, far below half the
    # median denominator (1,400,000) of the years with a value, so the line ignores it
    yearly = [
        (2020, _C(100.0, 2, 2)),
        (2021, _C(96.0, 1_344_000, 1_400_000)),
        (2022, _C(96.2, 1_347_000, 1_400_000)),
        (2023, _C(96.4, 1_350_000, 1_400_500)),
        (2024, _C(96.6, 1_353_000, 1_400_600)),
    ]
    kept, left_out = plausible_points(yearly)
    assert left_out == (2020,) and [y for y, _ in kept] == [2021, 2022, 2023, 2024]
    traj = project(kept, tgt(value=90, deadline=2025), left_out)
    assert traj.slope == pytest.approx(0.2) and traj.projected == pytest.approx(96.8)
    assert "left out as partial: 2020" in traj.note and traj.left_out == (2020,)
    # with the sliver the line would fall: 100 in 2020 pulls the slope below zero
    assert project([(y, c.value) for y, c in yearly], tgt(value=90, deadline=2025)).slope < 0
    # a count (no denominator) is judged by its numerator: 5 < half of the median 452.5
    kept, left_out = plausible_points(
        [(2022, _C(880.0, 880, None)), (2023, _C(5.0, 5, None)), (2024, _C(900.0, 900, None))]
    )
    assert left_out == (2023,) and kept == [(2022, 880.0), (2024, 900.0)]
