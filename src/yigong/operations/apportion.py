"""Largest-remainder apportionment of many amounts at once, in whole fen (按比例分摊到分).

Cost accounting splits thousands of department costs over their receivers, and a province's
department costs over millions of discharges. Each split is the project's one rule for money
shares, :func:`yigong.schema.money.allocate`: every share is first rounded down to the fen,
then the fen left over go one each to the shares with the largest remainders, ties to the
earlier share; the shares sum exactly to the amount. Here the same rule runs on whole int64
columns: ``groups`` consecutive runs of items, each run one amount split by the run's weights.

Exact integer arithmetic throughout: the quotient is estimated in float64 and corrected by
the integer remainder, so it is the true floor; when ``amount × weight`` could overflow int64
the affected runs are split with Python integers instead. Equal to ``allocate`` run by run
(`tests/operations/test_apportion.py`, Hypothesis).
"""

from __future__ import annotations

import numpy as np

__all__ = ["apportion", "run_starts"]

_SAFE = 2**62  # amount × weight-sum below this: no int64 product can overflow


def run_starts(run_of_item: np.ndarray, runs: int) -> np.ndarray:
    """Index of the first item of each run (items grouped by run, runs in order 0…runs-1)."""
    counts = np.bincount(run_of_item, minlength=runs)
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def apportion(
    amounts: np.ndarray, run_of_item: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``amounts[r]`` (fen) over the items of run ``r`` in proportion to their weights.

    ``amounts`` is one column (runs,) or several sharing the runs and weights (runs, k): the
    seven cost elements of a department split by one driver are one call. ``run_of_item``
    must be non-decreasing (items grouped by run, in their tie-break order); weights are
    non-negative integers. Returns (shares per item, shaped like ``amounts`` per run, and
    ``ok`` per run): a run whose weights sum to 0 (or that has no items) cannot be split, gets
    zero shares and ``ok = False`` (its amount stays with the caller). A negative amount is
    split as its absolute value, sign restored (as ``allocate`` does).
    """
    amounts = np.asarray(amounts, dtype=np.int64)
    single = amounts.ndim == 1
    matrix = amounts[:, None] if single else amounts
    run_of_item = np.asarray(run_of_item, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    runs, k = matrix.shape
    if (weights < 0).any():
        raise ValueError("apportion weights must be non-negative")
    if len(weights) and (np.diff(run_of_item) < 0).any():
        raise ValueError("apportion items must be grouped by run (run_of_item non-decreasing)")
    counts = np.bincount(run_of_item, minlength=runs)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    total_w = np.zeros(runs, dtype=np.int64)
    has = counts > 0
    if len(weights):
        total_w[has] = np.add.reduceat(weights, starts[has])
    ok = total_w > 0
    units = np.abs(matrix)
    risky = ok[:, None] & (units.astype(np.float64) * total_w.astype(np.float64)[:, None] >= _SAFE)
    # one vectorised pass over every item: runs that cannot be split, or whose products could
    # overflow, take part with amount 0 (and weight-sum 1) and are filled in afterwards
    fast_units = np.where(ok[:, None] & ~risky, units, 0)
    shares = np.zeros((len(weights), k), dtype=np.int64)
    if len(weights):
        shares = _chunked(fast_units, np.maximum(total_w, 1), run_of_item, weights, starts)
    for r, e in zip(*np.nonzero(risky), strict=True):
        lo, hi = starts[r], starts[r] + counts[r]
        shares[lo:hi, e] = _python_run(int(units[r, e]), weights[lo:hi].tolist())
    negative = matrix < 0
    if negative.any():
        shares[negative[run_of_item]] *= -1
    return (shares[:, 0] if single else shares), ok


CHUNK = 1 << 17  # items per pass: temporaries stay in cache, which is what costs on big columns


def _chunked(
    units: np.ndarray, total_w: np.ndarray, run: np.ndarray, w: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """`_fast` over consecutive slices of whole runs of about `CHUNK` items each."""
    n = len(run)
    if n <= CHUNK:
        return _fast(units, total_w, run, w)
    out = np.empty((n, units.shape[1]), dtype=np.int64)
    cuts = np.searchsorted(starts, np.arange(CHUNK, n, CHUNK), side="right") - 1
    bounds = np.unique(np.concatenate(([0], starts[cuts], [n])))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        out[lo:hi] = _fast(units, total_w, run[lo:hi], w[lo:hi])
    return out


def _fast(units: np.ndarray, total_w: np.ndarray, run: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Largest remainder for runs whose products fit int64 (items grouped by run), for each
    amount column; what the columns share (runs, weight sums, order keys) is built once."""
    first = np.flatnonzero(np.concatenate(([True], run[1:] != run[:-1])))
    size = np.diff(np.append(first, len(run)))
    runs_here = run[first]
    big_w = np.repeat(total_w[runs_here], size)
    ranker = _Ranker(first, size)
    out = np.empty((len(run), units.shape[1]), dtype=np.int64)
    for e in range(units.shape[1]):
        amount = units[runs_here, e]
        if not amount.any():
            out[:, e] = 0
            continue
        product = np.repeat(amount, size) * w
        # floor(product / W): a float estimate, made exact by the integer remainder
        q = np.floor(product / big_w).astype(np.int64)
        rem = product - q * big_w
        off = (rem < 0) | (rem >= big_w)
        if off.any():
            fix = np.floor_divide(rem[off], big_w[off])
            q[off] += fix
            rem[off] -= fix * big_w[off]
        left = amount - np.add.reduceat(q, first)
        # the `left` largest remainders of each run get one fen more (ties: earlier item)
        q[ranker.top(rem, left)] += 1
        out[:, e] = q
    return out


class _Ranker:
    """Which items hold the ``left`` largest remainders of their run (ties: the earlier item).

    Runs are sorted as rows of small dense matrices, one per size class (up to 2, 4, 8 …
    items; padding sorts last), so no sort ever spans more than one run; runs longer than
    `DENSE_MAX` items fall back to one stable sort of run-major keys. The layout depends only
    on the runs, so it is built once for all amount columns."""

    DENSE_MAX = 4096

    def __init__(self, first: np.ndarray, size: np.ndarray) -> None:
        self.first, self.size = first, size
        self.classes = []
        width = np.maximum(2 ** np.ceil(np.log2(np.maximum(size, 1))).astype(np.int64), 1)
        for cap in np.unique(width):
            if cap > self.DENSE_MAX:
                continue
            runs = np.flatnonzero(width == cap)
            z = size[runs]
            rows = np.repeat(np.arange(len(runs)), z)
            cols = np.arange(int(z.sum())) - np.repeat(np.cumsum(z) - z, z)
            items = np.repeat(first[runs], z) + cols
            self.classes.append((int(cap), runs, rows, cols, items))
        self.long = np.flatnonzero(width > self.DENSE_MAX)

    def top(self, rem: np.ndarray, left: np.ndarray) -> np.ndarray:
        picked = []
        for cap, runs, rows, cols, items in self.classes:
            matrix = np.full((len(runs), cap), -1, dtype=np.int64)
            matrix[rows, cols] = rem[items]
            order = np.argsort(-matrix, axis=1, kind="stable")
            take = np.arange(cap)[None, :] < left[runs][:, None]
            r, j = np.nonzero(take)
            picked.append(self.first[runs][r] + order[r, j])
        for run in self.long:
            lo, z = self.first[run], self.size[run]
            order = np.argsort(-rem[lo : lo + z], kind="stable")
            picked.append(lo + order[: left[run]])
        return np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)


def _python_run(units: int, weights: list[int]) -> np.ndarray:
    """One run split with Python integers (amounts too large for int64 products)."""
    total = sum(weights)
    floors = [units * w // total for w in weights]
    rems = [units * w % total for w in weights]
    left = units - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-rems[i], i))[:left]:
        floors[i] += 1
    return np.array(floors, dtype=np.int64)
