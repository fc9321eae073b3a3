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
        _dense(fast_units, np.maximum(total_w, 1), weights, starts, counts, shares)
    for r, e in zip(*np.nonzero(risky), strict=True):
        lo, hi = starts[r], starts[r] + counts[r]
        shares[lo:hi, e] = _python_run(int(units[r, e]), weights[lo:hi].tolist())
    negative = matrix < 0
    if negative.any():
        shares[negative[run_of_item]] *= -1
    return (shares[:, 0] if single else shares), ok


#: cells of one dense block (runs × padded run length): big enough to amortise the Python
#: loop, small enough for the temporaries to stay in cache
CELLS = 1 << 17


def _dense(
    units: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    out: np.ndarray,
) -> None:
    """Largest remainder for runs whose products fit int64, written into ``out``.

    Runs are laid out as rows of dense matrices, one per size class (run length rounded up
    to a power of two; padding has weight 0 and never takes a fen), a block of rows at a
    time: the quotient, remainder and fen left are row operations, and the ranking of
    remainders is a sort of each row, never of the whole column. What the amount columns
    share (layout, weights, weight sums) is built once per block."""
    has = counts > 0
    width = np.ones(len(counts), dtype=np.int64)
    width[has] = 2 ** np.ceil(np.log2(counts[has])).astype(np.int64)
    for cap in np.unique(width[has]):
        runs = np.flatnonzero(has & (width == cap))
        step = max(1, CELLS // int(cap))
        for b in range(0, len(runs), step):
            _block(units, total_w, w, starts, counts, out, runs[b : b + step], int(cap))


def _block(units, total_w, w, starts, counts, out, runs, cap) -> None:  # noqa: ANN001
    z = counts[runs]
    rows = np.repeat(np.arange(len(runs)), z)
    cols = np.arange(int(z.sum())) - np.repeat(np.cumsum(z) - z, z)
    items = np.repeat(starts[runs], z) + cols
    weights = np.zeros((len(runs), cap), dtype=np.int64)
    weights[rows, cols] = w[items]
    padding = np.ones((len(runs), cap), dtype=bool)
    padding[rows, cols] = False
    big_w = total_w[runs][:, None]
    position = np.arange(cap)[None, :]
    for e in range(units.shape[1]):
        amount = units[runs, e]
        if not amount.any():
            continue
        product = amount[:, None] * weights
        # floor(product / W): a float estimate, made exact by the integer remainder
        q = np.floor(product / big_w).astype(np.int64)
        rem = product - q * big_w
        off = (rem < 0) | (rem >= big_w)
        if off.any():
            wide = np.broadcast_to(big_w, rem.shape)
            fix = np.floor_divide(rem[off], wide[off])
            q[off] += fix
            rem[off] -= fix * wide[off]
        left = amount - q.sum(axis=1)
        # the `left` largest remainders of each row get one fen more (ties: earlier item)
        rem[padding] = -1
        order = np.argsort(-rem, axis=1, kind="stable")
        extra = np.zeros_like(q)
        np.put_along_axis(extra, order, (position < left[:, None]).astype(np.int64), axis=1)
        out[items, e] = (q + extra)[rows, cols]


def _python_run(units: int, weights: list[int]) -> np.ndarray:
    """One run split with Python integers (amounts too large for int64 products)."""
    total = sum(weights)
    floors = [units * w // total for w in weights]
    rems = [units * w % total for w in weights]
    left = units - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-rems[i], i))[:left]:
        floors[i] += 1
    return np.array(floors, dtype=np.int64)
