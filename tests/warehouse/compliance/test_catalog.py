"""The whole indicator catalog on every local backend gives the numbers DuckDB gives for the
same world: numerators and denominators exactly, values to 1e-9, trajectories point by point.

The world of `tests/indicators/world.py` is built in DuckDB and handed to the backend through
its Parquet export, as a user would hand a county to Spark.
"""

from __future__ import annotations

import pytest

from tests.indicators import world
from tests.warehouse.compliance.conftest import LOCAL_BACKENDS
from yigong.indicators.evaluate import Status, evaluate
from yigong.indicators.loader import Catalog, load_catalog
from yigong.indicators.periods import parse_period
from yigong.warehouse.hierarchy import parse_node

pytestmark = pytest.mark.parametrize("backend", LOCAL_BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def cat() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def worlds(backend, tmp_path_factory):
    reference = world.build()
    folder = tmp_path_factory.mktemp(f"world-{backend.name}")
    reference.export_parquet(folder / "export")
    wh = backend.open(folder / "warehouse")
    wh.import_parquet(folder / "export")
    yield reference, wh
    wh.close()
    reference.close()


# one full evaluation: current and previous year plus five years of history for the targets,
# so year, snapshot (staff as of each year end), event and area rules all run on each backend;
# and a division of the second county without comparisons
CASES = [("community:C1", "2024", True), ("410101", "2024", False)]


@pytest.mark.parametrize(("node", "period", "full"), CASES)
def test_same_numbers(worlds, cat, node, period, full):
    reference, wh = worlds
    kw = dict(compare=full, targets=full)
    want = evaluate(reference, cat, parse_node(node), parse_period(period), **kw).results
    got = evaluate(wh, cat, parse_node(node), parse_period(period), **kw).results
    assert [r.indicator for r in want] == [r.indicator for r in got]
    computed = 0
    for a, b in zip(want, got, strict=True):
        assert (a.indicator, a.status) == (b.indicator, b.status)
        assert (a.numerator, a.denominator) == (b.numerator, b.denominator), a.indicator
        assert a.parts == b.parts, a.indicator
        for x, y in ((a.value, b.value), (a.previous_value, b.previous_value)):
            assert (x is None) == (y is None), a.indicator
            if x is not None:
                assert x == pytest.approx(y, abs=1e-9, rel=0), a.indicator
        if a.trajectory is not None:
            assert [y for y, _ in a.trajectory.points] == [y for y, _ in b.trajectory.points]
            assert [v for _, v in a.trajectory.points] == pytest.approx(
                [v for _, v in b.trajectory.points], abs=1e-9, rel=0
            )
        computed += a.status is Status.OK
    assert computed > 40 if full else computed > 20
