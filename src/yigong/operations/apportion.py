"""Largest-remainder apportionment of many amounts at once, in whole fen (按比例分摊到分).

Cost accounting splits thousands of department costs over their receivers, and a province's
department costs over millions of discharges. Each split is the project's one rule for money
shares, :func:`yigong.schema.money.allocate`: every share is first rounded down to the fen,
then the fen left over go one each to the shares with the largest remainders, ties to the
earlier share; the shares sum exactly to the amount. Here the same rule runs on whole int64
columns: ``groups`` consecutive runs of items, each run one amount split by the run's weights.

Exact integer arithmetic throughout: floor and remainder of ``amount × weight / weight-sum`` by
int64 ``divmod``; when ``amount × weight`` could overflow int64 the affected runs are split with
Python integers instead. The spare fen are placed without sorting whole runs: remainders are
bucketed by a monotone map and only the one bucket per run where the spare fen run out is
ranked (`_block`). Blocks of whole runs are shared by two threads. Equal to ``allocate`` run by run
(`tests/operations/test_apportion.py`, Hypothesis).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["apportion", "apportion_into", "exact_sum", "run_starts", "stable_order"]

_SAFE = 2**62  # amount × weight-sum below this: no int64 product can overflow


def run_starts(run_of_item: np.ndarray, runs: int) -> np.ndarray:
    """Index of the first item of each run (items grouped by run, runs in order 0…runs-1)."""
    counts = np.bincount(run_of_item, minlength=runs)
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def stable_order(keys: np.ndarray, size: int) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for integer keys in ``[0, size)``, as a radix sort
    on 16-bit digits (numpy sorts 16-bit integers stably in linear time; millions of stays
    are put in ward order in a fraction of a comparison sort's time)."""
    keys = np.asarray(keys, dtype=np.int64)
    if size <= 1 or len(keys) < 2:
        return np.arange(len(keys), dtype=np.int64)
    if size > 1 << 32 or int(keys.min()) < 0:
        return np.argsort(keys, kind="stable")
    low = keys.astype(np.uint16)  # the low 16 bits (keys are non-negative)
    order = np.argsort(low, kind="stable")
    if size > 1 << 16:
        high = (keys >> 16).astype(np.uint16)  # keys < 2³²: the rest fits 16 bits
        order = order[np.argsort(high[order], kind="stable")]
    return order


def exact_sum(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum of int64 ``values`` per ``index``, exact: a float64 bincount while every partial
    sum stays below 2⁵³ (it cannot round there), else integer ``add.at``."""
    values = np.asarray(values, dtype=np.int64)
    if not len(values):
        return np.zeros(size, dtype=np.int64)
    big = max(int(values.max()), -int(values.min()))
    # the first test bounds every partial sum without a pass of abs(); the second is tighter
    if big * len(values) < 2**53 or np.abs(values).sum(dtype=np.float64) < 2**53:
        return np.bincount(index, weights=values, minlength=size).astype(np.int64)
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


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
    split as its absolute value, sign restored (as ``allocate`` does). Several columns come
    back column-major (each column contiguous, shape (items, k)).
    """
    amounts = np.asarray(amounts, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    k = 1 if amounts.ndim == 1 else amounts.shape[1]
    matrix = np.empty((k, len(weights)), dtype=np.int64)  # one row per amount column
    ok = apportion_into(amounts, run_of_item, weights, list(matrix))
    return (matrix[0] if amounts.ndim == 1 else matrix.T), ok


def apportion_into(
    amounts: np.ndarray, run_of_item: np.ndarray, weights: np.ndarray, out: Sequence[np.ndarray]
) -> np.ndarray:
    """`apportion`, the shares written into ``out``: one contiguous int64 column of
    ``len(weights)`` per amount column (e.g. rows of the caller's element-major matrix, so
    millions of shares are not copied). Returns ``ok`` per run."""
    amounts = np.asarray(amounts, dtype=np.int64)
    matrix = amounts[:, None] if amounts.ndim == 1 else amounts
    run_of_item = np.asarray(run_of_item, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    runs, k = matrix.shape
    columns = list(out)
    if len(columns) != k or any(c.shape != weights.shape or c.dtype != np.int64
                                or not c.flags.c_contiguous for c in columns):  # fmt: skip
        raise ValueError("apportion out: one contiguous int64 column per amount column")
    if (weights < 0).any():
        raise ValueError("apportion weights must be non-negative")
    if len(weights) > 1 and (run_of_item[1:] < run_of_item[:-1]).any():
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
    if len(weights):
        _flat(fast_units, np.maximum(total_w, 1), weights, run_of_item, starts, counts, columns)
    for r, e in zip(*np.nonzero(risky), strict=True):
        lo, hi = starts[r], starts[r] + counts[r]
        columns[e][lo:hi] = _python_run(int(units[r, e]), weights[lo:hi].tolist())
    negative = matrix < 0
    for e in np.flatnonzero(negative.any(axis=0)):
        columns[e][negative[run_of_item, e]] *= -1
    return ok


#: items per block: big enough to amortise the Python loop, small enough for the temporaries
#: to stay in cache; a block always holds whole runs (at least one)
CELLS = 1 << 18
#: remainder buckets per run: the ranking sorts only the items of the one bucket where a
#: run's spare fen run out (see `_block`)
BUCKETS = 64
#: blocks are shared between this many threads (numpy releases the GIL in its loops)
THREADS = min(2, os.cpu_count() or 1)


def _flat(
    units: np.ndarray,
    total_w: np.ndarray,
    w: np.ndarray,
    run_of_item: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    out: Sequence[np.ndarray],
) -> None:
    """Largest remainder for runs whose products fit int64, written into ``out`` (k columns),
    block by block of whole runs; blocks write disjoint slices, so two threads share them."""
    ends = starts + counts
    bounds = [0]
    runs = len(counts)
    while bounds[-1] < runs:
        # the first run ending more than CELLS items after this block's first item
        first = int(starts[bounds[-1]])
        nxt = int(np.searchsorted(ends, first + CELLS, side="right"))
        bounds.append(min(runs, max(nxt, bounds[-1] + 1)))
    blocks = list(itertools.pairwise(bounds))

    def one(block: tuple[int, int]) -> None:
        r0, r1 = block
        i0, i1 = int(starts[r0]), int(ends[r1 - 1])
        if i1 > i0:
            _block(units[r0:r1], total_w[r0:r1], w[i0:i1], run_of_item[i0:i1] - r0,
                   starts[r0:r1] - i0, counts[r0:r1], [c[i0:i1] for c in out])  # fmt: skip

    if THREADS > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(one, blocks))
    else:
        for b in blocks:
            one(b)


def _block(units, total_w, w, run, starts, counts, out) -> None:  # noqa: ANN001
    """One block of whole runs (``run``: each item's run within the block).

    Per column: the floor and integer remainder of amount × weight / weight-sum (exact int64
    ``divmod``), the fen left per run, then who gets them: the items with the largest
    remainders, ties to the earlier item. Rather than sort every run, the remainders are
    bucketed by ``remainder / weight-sum`` (a monotone map: a higher bucket means a strictly
    higher remainder, equal remainders share a bucket); a run's spare fen go to every item
    above the bucket where they run out, and only that bucket's items are ranked exactly."""
    nr = len(counts)
    has = counts > 0
    nonempty = starts[has]
    big_w = total_w[run]
    # about as many buckets as a run has items (a bucket per item is enough to make ties rare)
    nb = int(min(BUCKETS, 2 ** np.ceil(np.log2(max(1.0, len(run) / nr)))))
    scale = (nb / total_w.astype(np.float64))[run]
    first_bin = run * nb
    # remainders are below the largest weight sum: (run, top − remainder) fits one int64 key
    top = int(total_w.max()) if nr else 0
    composite = nr * (top + 1) < 2**62
    for e in range(units.shape[1]):
        amount = units[:, e]
        if not amount.any():
            out[e][:] = 0
            continue
        product = amount[run] * w
        q = product // big_w  # non-negative operands: the exact floor
        rem = product - q * big_w
        floors = np.zeros(nr, dtype=np.int64)
        floors[has] = np.add.reduceat(q, nonempty)
        left = amount - floors  # spare fen per run, 0 ≤ left < items
        if left.any():
            bucket = np.minimum((rem * scale).astype(np.int64), nb - 1)
            # cumulative bucket counts over the block, run after run (non-decreasing)
            cum = np.cumsum(np.bincount(first_bin + bucket, minlength=nr * nb))
            end = cum[nb - 1 :: nb]  # items of runs 0…r
            # the cut bucket: the highest whose items and those above number at least `left`,
            # i.e. the first bin of the run whose cumulative count exceeds end − left
            at = np.minimum(np.searchsorted(cum, end - left, side="right"), len(cum) - 1)
            cut = np.where(left > 0, at - np.arange(nr) * nb, nb)  # nb: nothing for left = 0
            need = left - np.where(left > 0, end - cum[at], 0)  # fen for the cut bucket's items
            item_cut = cut[run]
            q += bucket > item_cut
            tied = np.flatnonzero(bucket == item_cut)
            if len(tied):
                t_run = run[tied]
                # by run, then remainder from the largest; stable: ties keep the item order
                if composite:
                    order = np.argsort(t_run * (top + 1) + (top - rem[tied]), kind="stable")
                else:
                    order = np.lexsort((-rem[tied], t_run))
                t_counts = np.bincount(t_run, minlength=nr)
                t_start = np.cumsum(t_counts) - t_counts
                s_run = t_run[order]
                rank = np.arange(len(order)) - t_start[s_run]
                q[tied[order[rank < need[s_run]]]] += 1
        out[e][:] = q


def _python_run(units: int, weights: list[int]) -> np.ndarray:
    """One run split with Python integers (amounts too large for int64 products)."""
    total = sum(weights)
    floors = [units * w // total for w in weights]
    rems = [units * w % total for w in weights]
    left = units - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-rems[i], i))[:left]:
        floors[i] += 1
    return np.array(floors, dtype=np.int64)
