"""Backend parity: the whole catalog on DuckDB and on PySpark (local mode) gives identical
numbers for the same world — numerators and denominators exactly, values to 1e-9.

One Spark session for the module; the test county is exported as a Parquet warehouse
(`Warehouse.export_parquet`) and opened with the Spark backend (`open_backend("spark", …)`).
"""

from __future__ import annotations

# pyspark comes with the `spark` extra that `make test` installs: a missing pyspark fails here,
# it is never skipped silently
import pyspark  # noqa: F401
import pytest

from tests.indicators import world
from tests.warehouse.spark_support import module_session
from yigong.indicators.evaluate import Status, evaluate
from yigong.indicators.periods import parse_period
from yigong.warehouse.backend import open_backend
from yigong.warehouse.hierarchy import parse_node

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark_tables(tmp_path_factory):
    wh = world.build()
    root = tmp_path_factory.mktemp("spark") / "warehouse"
    wh.export_parquet(root)
    with module_session() as session:
        spark = open_backend("spark", root, session=session)
        assert spark.kind == "spark"
        yield wh, spark
        spark.close()


# one full evaluation: current and previous year plus five years of history for the targets,
# so year, snapshot (staff as of each year end), event and area rules all run on both backends
CASES = [("community:C1", "2024", True), ("410101", "2024", False)]


@pytest.mark.parametrize(("node", "period", "full"), CASES)
def test_same_numbers_on_duckdb_and_spark(spark_tables, cat, node, period, full):
    wh, spark = spark_tables
    kw = dict(compare=full, targets=full)
    duck = evaluate(wh, cat, parse_node(node), parse_period(period), **kw).results
    sprk = evaluate(spark, cat, parse_node(node), parse_period(period), **kw).results
    assert [r.indicator for r in duck] == [r.indicator for r in sprk]
    computed = 0
    for a, b in zip(duck, sprk, strict=True):
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
