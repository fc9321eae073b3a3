"""Targets as data: which target binds a node in a period, the gap to it, and a trajectory.

A target (in a catalog file) names its indicator, comparator, value, deadline year, the years
it applies from, the nodes it binds (``*``, a node level such as ``community``, or a node id
such as ``division:130423``) and the policy text it comes from. The most specific target wins
(node id > level > ``*``), then the nearest deadline not yet passed.

The trajectory is a least-squares line through the node's yearly values; its value at the
deadline year says whether the node will reach the target if the trend holds. A year whose
data are partial or implausible does not enter the line (`plausible_points`): a year counts
only when the indicator's denominator (its numerator for a count) is at least half the median
over the years with a value, so a year held by a few stray records (the 2020 sliver of the
demo: two discharges dated 2020) cannot pull the trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median
from typing import Protocol

from yigong.indicators.periods import Period
from yigong.indicators.spec import Comparator, Target
from yigong.warehouse.hierarchy import Node

__all__ = [
    "PARTIAL_SHARE",
    "TargetCheck",
    "Trajectory",
    "check",
    "plausible_points",
    "project",
    "select_target",
]

#: a year is partial when its size (denominator, or numerator of a count) is below this share
#: of the median size of the years with a value.
PARTIAL_SHARE = 0.5


class _Sized(Protocol):
    @property
    def value(self) -> float | None: ...
    @property
    def numerator(self) -> int | Decimal | None: ...
    @property
    def denominator(self) -> int | Decimal | None: ...


def plausible_points(
    yearly: list[tuple[int, _Sized]],
) -> tuple[list[tuple[int, float]], tuple[int, ...]]:
    """The (year, value) points a trend may use, and the years left out as partial.

    A year is used when it has a value and its size (denominator, or the numerator when there
    is no denominator) is at least `PARTIAL_SHARE` of the median size over the years with a
    value. Sizes that are not plain counts or sums (growth) are not judged.
    """
    sized = []
    for year, c in yearly:
        if c.value is None:
            continue
        size = c.denominator if c.denominator is not None else c.numerator
        sized.append((year, c.value, None if size is None else abs(Decimal(size))))
    known = [s for _, _, s in sized if s is not None and s > 0]
    if len(known) < 2:
        return [(y, v) for y, v, _ in sized], ()
    floor = Decimal(str(PARTIAL_SHARE)) * Decimal(median(known))
    kept = [(y, v) for y, v, s in sized if s is None or s >= floor]
    dropped = tuple(y for y, _, s in sized if s is not None and s < floor)
    return kept, dropped


def _specificity(t: Target, node: Node, attrs: dict[str, str]) -> int | None:
    if t.institution_filter and (
        not attrs or any(attrs.get(k) not in v for k, v in t.institution_filter.items())
    ):
        return None
    best = None
    for sel in t.nodes:
        if sel == str(node) or sel == f"{node.kind.value}:{node.id}":
            rank = 2
        elif sel == node.kind.value:
            rank = 1
        elif sel == "*":
            rank = 0
        else:
            continue
        best = rank if best is None else max(best, rank)
    return best


def select_target(
    targets: list[Target], node: Node, period: Period, attrs: dict[str, str] | None = None
) -> Target | None:
    """The target binding ``node`` in ``period`` (targets of one indicator), or None."""
    ranked = []
    for t in targets:
        rank = _specificity(t, node, attrs or {})
        if rank is None or (t.from_year is not None and period.year < t.from_year):
            continue
        pending = t.deadline >= period.year
        ranked.append((rank, pending, -t.deadline if pending else t.deadline, t))
    if not ranked:
        return None
    ranked.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    return ranked[0][3]


@dataclass(frozen=True)
class TargetCheck:
    """An actual value against its target: ``gap`` > 0 is what is still to close."""

    value: float | None
    comparator: str
    deadline: int
    gap: float | None
    met: bool | None
    source: str
    source_text: str
    benchmark: str = ""


def _gap(cmp: Comparator, target: float, value: float) -> float:
    if cmp in (Comparator.AT_LEAST, Comparator.MORE_THAN):
        return target - value
    if cmp in (Comparator.AT_MOST, Comparator.LESS_THAN):
        return value - target
    return abs(value - target)


def _met(t: Target, value: float) -> bool:
    gap = _gap(t.comparator, t.value or 0.0, value)
    if t.comparator is Comparator.ABOUT:
        return gap <= t.tolerance
    strict = t.comparator in (Comparator.MORE_THAN, Comparator.LESS_THAN)
    return gap < 0 if strict else gap <= 0


def check(t: Target, value: float | None) -> TargetCheck:
    """Compare an actual value with a target (no verdict when either is missing)."""
    if t.value is None or value is None:
        gap, met = None, None
    else:
        gap, met = _gap(t.comparator, t.value, value), _met(t, value)
    return TargetCheck(
        t.value, t.comparator.value, t.deadline, gap, met, t.source, t.source_text, t.benchmark
    )


@dataclass(frozen=True)
class Trajectory:
    """A linear trend through yearly values and what it says about the deadline."""

    points: tuple[tuple[int, float], ...]
    slope: float | None
    projected: float | None  # value of the trend line in the deadline year
    deadline: int
    will_meet: bool | None
    note: str
    left_out: tuple[int, ...] = ()  # years not used: partial or implausible data


def project(
    points: list[tuple[int, float]], t: Target, left_out: tuple[int, ...] = ()
) -> Trajectory:
    """Least-squares line through (year, value) points, read at the deadline year."""
    traj = _project(points, t)
    if not left_out:
        return traj
    years = ", ".join(str(y) for y in left_out)
    return Trajectory(
        traj.points,
        traj.slope,
        traj.projected,
        traj.deadline,
        traj.will_meet,
        f"{traj.note}; left out as partial: {years}",
        tuple(left_out),
    )


def _project(points: list[tuple[int, float]], t: Target) -> Trajectory:
    pts = tuple(sorted(points))
    if t.value is None:
        return Trajectory(
            pts,
            None,
            None,
            t.deadline,
            None,
            f"target is a benchmark ({t.benchmark}) without a value",
        )
    known = {y: v for y, v in pts}
    if t.deadline in known:
        met = _met(t, known[t.deadline])
        return Trajectory(
            pts,
            None,
            known[t.deadline],
            t.deadline,
            met,
            "deadline year observed: actual value used",
        )
    if len(pts) < 2:
        return Trajectory(
            pts, None, None, t.deadline, None, "fewer than two years of history: no trend"
        )
    if t.deadline < pts[-1][0]:
        return Trajectory(
            pts,
            None,
            None,
            t.deadline,
            None,
            "deadline passed with no value observed in the deadline year",
        )
    n = len(pts)
    mx = sum(y for y, _ in pts) / n
    my = sum(v for _, v in pts) / n
    sxx = sum((y - mx) ** 2 for y, _ in pts)
    slope = sum((y - mx) * (v - my) for y, v in pts) / sxx
    projected = my + slope * (t.deadline - mx)
    return Trajectory(
        pts, slope, projected, t.deadline, _met(t, projected), f"linear trend over {n} years"
    )
