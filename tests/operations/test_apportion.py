"""`apportion` is `schema.money.allocate` run by run: same fen, same ties, exact sums."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.operations.apportion import apportion
from yigong.schema.money import Money, allocate

amounts = st.integers(min_value=-(10**12), max_value=10**12)
small_weights = st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12)
big_weights = st.lists(st.integers(min_value=0, max_value=5 * 10**9), min_size=1, max_size=8)


def _reference(amount: int, weights: list[int]) -> list[int] | None:
    if sum(weights) == 0:
        return None
    return [m.fen for m in allocate(Money.from_fen(amount), [Decimal(w) for w in weights])]


def _check(runs: list[tuple[int, list[int]]]) -> None:
    run_of_item = np.concatenate([np.full(len(w), i) for i, (_, w) in enumerate(runs)])
    weights = np.concatenate([np.array(w, dtype=np.int64) for _, w in runs])
    shares, ok = apportion(np.array([a for a, _ in runs]), run_of_item, weights)
    pos = 0
    for i, (amount, w) in enumerate(runs):
        got = shares[pos : pos + len(w)].tolist()
        pos += len(w)
        expected = _reference(amount, w)
        if expected is None:
            assert not ok[i] and got == [0] * len(w)
        else:
            assert ok[i] and got == expected, repr((amount, w, got, expected))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(amounts, small_weights), min_size=1, max_size=20))
def test_equals_allocate_small_weights(runs: list[tuple[int, list[int]]]) -> None:
    _check(runs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(amounts, big_weights), min_size=1, max_size=10))
def test_equals_allocate_large_weights_and_overflowing_products(runs) -> None:
    _check(runs)


def test_ties_go_to_the_earlier_item() -> None:
    shares, ok = apportion(np.array([100]), np.zeros(3, dtype=np.int64), np.array([1, 1, 1]))
    assert shares.tolist() == [34, 33, 33] and ok.tolist() == [True]


def test_runs_must_be_grouped() -> None:
    with pytest.raises(ValueError, match="grouped"):
        apportion(np.array([1, 1]), np.array([1, 0]), np.array([1, 1]))


def test_a_run_without_items_is_not_ok() -> None:
    shares, ok = apportion(np.array([5, 7]), np.array([1, 1]), np.array([2, 3]))
    assert ok.tolist() == [False, True] and shares.tolist() == [3, 4]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(amounts, min_size=3, max_size=3), small_weights), min_size=1, max_size=30
    ),  # fmt: skip
    st.integers(min_value=1, max_value=9),
)
def test_several_columns_in_small_chunks(runs, chunk) -> None:
    """Three amount columns at once, in blocks of a few cells: each column is
    `allocate` run by run."""
    import importlib

    module = importlib.import_module("yigong.operations.apportion")

    run_of_item = np.concatenate([np.full(len(w), i) for i, (_, w) in enumerate(runs)])
    weights = np.concatenate([np.array(w, dtype=np.int64) for _, w in runs])
    matrix = np.array([a for a, _ in runs], dtype=np.int64)
    saved, module.CELLS = module.CELLS, chunk
    try:
        shares, ok = apportion(matrix, run_of_item, weights)
    finally:
        module.CELLS = saved
    pos = 0
    for i, (cols, w) in enumerate(runs):
        for e, amount in enumerate(cols):
            expected = _reference(amount, w)
            got = shares[pos : pos + len(w), e].tolist()
            assert got == (expected if expected is not None else [0] * len(w)), (amount, w)
        assert ok[i] == (sum(w) > 0)
        pos += len(w)


def _allocate_runs(amounts: np.ndarray, weights: list[list[int]]) -> np.ndarray:
    """The reference, run by run and column by column: `allocate` in Decimal."""
    out = []
    for r, w in enumerate(weights):
        row = []
        for amount in amounts[r].tolist():
            expected = _reference(amount, w)
            row.append(expected if expected is not None else [0] * len(w))
        out += list(zip(*row, strict=True))
    return np.array(out, dtype=np.int64).reshape(-1, amounts.shape[1])


@pytest.mark.parametrize(("cells", "threads"), [(1 << 18, 1), (64, 1), (97, 2)])
def test_long_runs_with_many_tied_remainders(cells: int, threads: int) -> None:
    """Runs of up to 300 items with length-of-stay-like weights (many equal weights, hence equal
    remainders, so the cut bucket holds ties) and with large charge-like weights, several
    columns, one block or many blocks shared by two threads: exactly `allocate`."""
    import importlib

    module = importlib.import_module("yigong.operations.apportion")
    rng = np.random.default_rng(20)
    sizes = rng.integers(1, 300, 60)
    weights = [
        (np.minimum(rng.geometric(0.13, s), 90) if i % 3 else rng.integers(0, 10**7, s)).tolist()
        for i, s in enumerate(sizes)
    ]
    weights[5] = [0] * len(weights[5])  # cannot be split
    weights[7] = [3] * len(weights[7])  # every remainder tied: the earliest items get the fen
    amounts = rng.integers(-(10**9), 10**10, (len(sizes), 3))
    amounts[11] = 0
    run_of_item = np.repeat(np.arange(len(sizes)), sizes)
    flat = np.concatenate([np.array(w, dtype=np.int64) for w in weights])
    saved = module.CELLS, module.THREADS
    module.CELLS, module.THREADS = cells, threads
    try:
        shares, ok = apportion(amounts, run_of_item, flat)
    finally:
        module.CELLS, module.THREADS = saved
    assert ok.tolist() == [sum(w) > 0 for w in weights]
    assert (shares == _allocate_runs(amounts, weights)).all()


def test_stable_order_is_a_stable_argsort() -> None:
    from yigong.operations.apportion import stable_order

    rng = np.random.default_rng(3)
    for size in (1, 7, 1 << 16, (1 << 16) + 5, 3_000_000):
        keys = rng.integers(0, size, 50_000)
        assert (stable_order(keys, size) == np.argsort(keys, kind="stable")).all()


def test_exact_sum_is_exact_beyond_float_precision() -> None:
    from yigong.operations.apportion import exact_sum

    index = np.array([0, 1, 0, 1, 2])
    small = np.array([5, -3, 7, 2, 0])
    assert exact_sum(index, small, 4).tolist() == [12, -1, 0, 0]
    big = np.array([2**60 + 1, 1, 2**60 + 3, 2, 5])  # float64 would round these sums
    assert exact_sum(index, big, 3).tolist() == [2**61 + 4, 3, 5]


def test_huge_weight_sums_rank_ties_without_the_int64_key() -> None:
    """Weight sums near 2⁵⁰ over 5,000 runs in one block: the (run, remainder) key would
    overflow int64, the ranking falls back to lexsort, still exactly `allocate`."""
    rng = np.random.default_rng(8)
    runs = 5_000
    weights = [[2**49 + int(rng.integers(0, 4)), 2**49 + int(rng.integers(0, 4))]
               for _ in range(runs)]  # fmt: skip
    amounts = rng.integers(1, 4_000, (runs, 1))
    shares, ok = apportion(amounts, np.repeat(np.arange(runs), 2),
                           np.array(weights, dtype=np.int64).ravel())  # fmt: skip
    assert ok.all() and (shares == _allocate_runs(amounts, weights)).all()
