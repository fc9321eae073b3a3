"""Backend parity: the whole catalog on DuckDB and on PySpark (local mode) gives identical
numbers for the same world — numerators and denominators exactly, values to 1e-9.

One Spark session for the module; the test county is copied into it through Parquet.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# pyspark comes with the `spark` extra that `make test` installs: a missing pyspark fails here,
# it is never skipped silently
import ibis  # noqa: E402
import pyspark  # noqa: E402, F401
import pyarrow.parquet as pq  # noqa: E402

from tests.indicators import world  # noqa: E402
from yigong.indicators.evaluate import Status, evaluate  # noqa: E402
from yigong.indicators.periods import parse_period  # noqa: E402
from yigong.schema.tables import BY_NAME  # noqa: E402
from yigong.warehouse.hierarchy import parse_node  # noqa: E402

pytestmark = pytest.mark.slow


class SparkTables:
    """Canonical tables as Ibis tables on a PySpark session (temp views over Parquet)."""

    def __init__(self, con: ibis.BaseBackend) -> None:
        self.con = con

    def table(self, name: str) -> ibis.Table:
        return self.con.table(name)


@pytest.fixture(scope="module")
def spark_tables(tmp_path_factory):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("yigong-parity")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    wh = world.build()
    folder: Path = tmp_path_factory.mktemp("spark")
    for name in BY_NAME:
        path = folder / f"{name}.parquet"
        pq.write_table(wh.to_arrow(name), path)
        session.read.parquet(str(path)).createOrReplaceTempView(name)
    yield wh, SparkTables(ibis.pyspark.connect(session))
    session.stop()


# one full evaluation: current and previous year plus five years of history for the targets,
# so year, snapshot (staff as of each year end), event and area rules all run on both backends
CASES = [("community:C1", "2024", True)]


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
                [v for _, v in b.trajectory.points], abs=1e-9, rel=0)
        computed += a.status is Status.OK
    assert computed > 40 if full else computed > 20
