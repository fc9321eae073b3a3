"""DRG grouping, case-mix metrics and drg_case_facts on Spark (local mode) give the same rows
as on DuckDB for the tiny synthetic county: the batch engine runs per Spark partition
(mapInArrow) and the metrics are the same Ibis expressions.

One Spark session for the module; the DuckDB warehouse is handed to Spark through its
Parquet export, as a user would.
"""

from __future__ import annotations

import pyspark  # noqa: F401  (the `spark` extra; missing, this module fails, never skips)
import pytest

from tests.casemix.drg_helpers import HANDAN, NATIONAL
from tests.warehouse.spark_support import assert_same_rows, module_session, rows, tiny_county
from yigong.services import casemix as service
from yigong.warehouse.backend import open_backend

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    _, db = tiny_county(folder)
    duck = open_backend("duckdb", db)
    duck.export_parquet(folder / "parquet")
    with module_session() as session:
        # spread the discharges over several partitions so the engine really runs per partition
        session.conf.set("spark.sql.files.maxRecordsPerFile", "0")
        spark = open_backend("spark", folder / "parquet", session=session)
        yield duck, spark
        spark.close()
    duck.close()


def _results(backend) -> list[tuple]:
    t = backend.to_arrow(service.RESULTS_TABLE)
    return rows(t, [c for c in t.column_names if c != "grouped_at"])


def test_drg_results_identical(both):
    duck, spark = both
    a = service.group_discharges(duck.ibis, NATIONAL)
    b = service.group_discharges(spark.ibis, NATIONAL)
    assert (a.scheme, a.pack_version, a.rows, a.statuses, a.drgs) == (
        b.scheme,
        b.pack_version,
        b.rows,
        b.statuses,
        b.drgs,
    )
    assert a.rows == duck.table("discharges").count().execute() > 500
    assert a.statuses.get("grouped", 0) > a.rows // 2
    # a second scheme is added beside the first, a re-run replaces its own rows only
    service.group_discharges(duck.ibis, HANDAN)
    service.group_discharges(spark.ibis, HANDAN)
    service.group_discharges(spark.ibis, NATIONAL)
    service.group_discharges(duck.ibis, NATIONAL)
    got, want = _results(spark), _results(duck)
    assert len(want) == 2 * a.rows
    assert got == want
    stamps = spark.to_arrow(service.RESULTS_TABLE).column("grouped_at")
    assert stamps.null_count == 0


def test_partitions_really_split(both):
    _, spark = both
    df = spark.dataframe(service.discharges_as_cases(spark.table("discharges"))).repartition(3)
    out = spark.map_arrow(
        df, lambda t: t.select(["case_id"]), df.limit(0).toArrow().select(["case_id"]).schema
    )
    assert out.rdd.getNumPartitions() == 3
    assert out.count() == spark.count("discharges")


@pytest.mark.parametrize(
    ("level", "period"), [("institution", "quarter"), ("department", "year"), ("doctor", "month")]
)
def test_casemix_metrics_identical(both, level, period):
    duck, spark = both
    a = service.casemix_metrics(duck.ibis, NATIONAL, level, period)
    b = service.casemix_metrics(spark.ibis, NATIONAL, level, period)
    assert a.num_rows == b.num_rows > 0
    assert a.column_names == b.column_names
    assert_same_rows(a, b)


def test_case_facts_identical(both):
    duck, spark = both
    a = service.store_case_facts(duck.ibis, NATIONAL)
    b = service.store_case_facts(spark.ibis, NATIONAL)
    assert (a.rows, a.pack_version) == (b.rows, b.pack_version)
    fa, fb = duck.to_arrow(service.FACTS_TABLE), spark.to_arrow(service.FACTS_TABLE)
    assert fa.num_rows == fb.num_rows == a.rows > 0
    assert_same_rows(fa, fb)
    assert service.FACTS_TABLE in spark.stored_tables()


def test_create_table_from_an_expression_is_written_by_spark(both):
    from yigong.warehouse.spark import SparkWarehouseError

    _, spark = both
    d = spark.table("discharges")
    expr = d.filter(d.length_of_stay > 3).select("discharge_id", "length_of_stay")
    n = expr.count().execute()
    stored = spark.ibis.create_table("long_stays", expr, overwrite=True)
    assert stored.count().execute() == n > 0
    assert "long_stays" in spark.stored_tables()
    assert spark.manifest["tables"]["long_stays"]["rows"] == n
    with pytest.raises(SparkWarehouseError, match="exists"):
        spark.ibis.create_table("long_stays", expr)
