"""Ingest on Spark: the planted faults of the tiny preset, as Parquet files, give the same
quarantine (file, row, field, rule, reason, value) and the same accepted tables on DuckDB and
on Spark; accepted + rejected = read; the pseudonyms are the same HMAC keys.

The fault files are CSV; they are converted to all-text Parquet (cells as written, empty cells
null). Malformed lines cannot exist in Parquet (`malformed` is declared unsupported on Spark),
so the conversion leaves them out, and every other rule is planted.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyspark  # noqa: F401  (the `spark` extra; missing, this module fails, never skips)
import pytest

from tests.warehouse.spark_support import (
    KEY_TEXT,
    assert_same_rows,
    module_session,
    rows,
    tiny_county,
)
from yigong.ingest import IngestError, PseudonymKey, ingest_paths
from yigong.schema.tables import BY_NAME
from yigong.synth import write_faults
from yigong.warehouse.backend import open_backend
from yigong.warehouse.spark.ingest import ingest_paths_spark

pytestmark = pytest.mark.slow
KEY = PseudonymKey(KEY_TEXT)
QUARANTINE = ["table_name", "file", "row_no", "field", "value", "rule", "reason"]


def _faults_as_parquet(folder: Path) -> Path:
    expected = write_faults(folder / "csv", seed=7)
    out = folder / "parquet"
    out.mkdir()
    for path in sorted(expected.parent.glob("*.csv")):
        if path.name == "expected.csv":
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header, *lines = list(csv.reader(fh))
        lines = [line for line in lines if len(line) == len(header)]  # malformed: not in Parquet
        cols = {
            h: pa.array([line[i] or None for line in lines], pa.string())
            for i, h in enumerate(header)
        }
        pq.write_table(pa.table(cols), out / f"{path.stem}.parquet")
    return out


@pytest.fixture(scope="module")
def session():
    with module_session() as s:
        yield s


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, session):
    folder = tmp_path_factory.mktemp("faults")
    files = _faults_as_parquet(folder)
    duck = open_backend("duckdb", folder / "wh.duckdb")
    duck_reports = ingest_paths(duck, [files], key=KEY)
    spark = open_backend("spark", folder / "spark", session=session, create=True)
    spark_reports = ingest_paths_spark(spark, [files], key=KEY)
    yield duck, duck_reports, spark, spark_reports, files
    spark.close()
    duck.close()


def test_same_counts_per_file(ingested):
    _, duck_reports, _, spark_reports, _ = ingested
    assert len(duck_reports) == len(spark_reports) == len(BY_NAME) - 2  # every ingestable table
    for a, b in zip(duck_reports, spark_reports, strict=True):
        assert (
            a.table,
            a.file,
            a.rows_read,
            a.rows_accepted,
            a.rows_rejected,
            a.rows_replaced,
        ) == (b.table, b.file, b.rows_read, b.rows_accepted, b.rows_rejected, b.rows_replaced)
        assert a.errors_by_rule == b.errors_by_rule, a.file
        assert a.notices == b.notices
        assert b.rows_accepted + b.rows_rejected == b.rows_read
    assert sum(r.rows_rejected for r in spark_reports) > 30


def test_same_quarantine(ingested):
    duck, _, spark, _, _ = ingested
    a, b = duck.to_arrow("quarantine"), spark.to_arrow("quarantine")
    assert a.num_rows == b.num_rows
    assert rows(a, QUARANTINE) == rows(b, QUARANTINE)
    rules = set(b.column("rule").to_pylist())
    assert rules >= {
        "required",
        "type",
        "code",
        "date_order",
        "minimum",
        "maximum",
        "reference",
        "raw_id_number",
        "list_alignment",
        "duplicate_key",
        "missing_column",
    }


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_same_accepted_rows(ingested, name):
    duck, _, spark, _, _ = ingested
    a, b = duck.to_arrow(name), spark.to_arrow(name)
    assert a.column_names == b.column_names
    assert_same_rows(a, b)


def test_same_run_records_and_key(ingested):
    duck, _, spark, _, _ = ingested
    cols = [
        "table_name",
        "file",
        "file_sha256",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "rows_replaced",
    ]
    assert rows(duck.to_arrow("ingest_runs"), cols) == rows(spark.to_arrow("ingest_runs"), cols)
    assert spark.key_fingerprint == KEY.fingerprint


def test_reingest_replaces_by_key_and_quarantine(ingested):
    duck, _, spark, _, files = ingested
    path = files / "discharges.parquet"
    a = ingest_paths(duck, [path], key=KEY)[0]
    b = ingest_paths_spark(spark, [path], key=KEY)[0]
    assert a.rows_replaced == b.rows_replaced == a.rows_accepted > 0
    for name in ("discharges", "discharge_diagnoses", "quarantine"):
        assert_same_rows(
            duck.to_arrow(name).drop_columns(["run_id"] if name == "quarantine" else []),
            spark.to_arrow(name).drop_columns(["run_id"] if name == "quarantine" else []),
        )


def test_declared_refusals(ingested, tmp_path):
    _, _, spark, _, files = ingested
    csv_file = tmp_path / "institutions.csv"
    csv_file.write_text("institution_id\nH1\n", encoding="utf-8")
    with pytest.raises(IngestError, match="not supported on the spark backend: ingest:csv"):
        ingest_paths_spark(spark, [csv_file], key=KEY)
    with pytest.raises(IngestError, match="another pseudonymisation key"):
        ingest_paths_spark(spark, [files / "persons.parquet"], key=PseudonymKey(b"another key"))


def test_typed_parquet_of_the_tiny_county_loads_the_same(tmp_path_factory, session, ingested):
    """The tiny preset as typed Parquet (dates, decimals, booleans, lists as text): every table.
    A second warehouse on the same Spark session does not disturb the first one's tables."""
    faults = ingested[2]
    before = faults.table("discharges").count().execute()
    folder = tmp_path_factory.mktemp("tiny")
    files, db = tiny_county(folder)
    spark = open_backend("spark", folder / "spark", session=session, create=True)
    reports = ingest_paths_spark(spark, [files], key=PseudonymKey(KEY_TEXT))
    assert all(r.rows_rejected == 0 and r.rows_accepted == r.rows_read > 0 for r in reports)
    with open_backend("duckdb", db) as duck:
        for name in sorted(BY_NAME):
            a, b = duck.to_arrow(name), spark.to_arrow(name)
            assert a.num_rows == b.num_rows > 0, name
            assert_same_rows(a, b)
    assert faults.table("discharges").count().execute() == before
    assert spark.table("discharges").count().execute() != before
    spark.close()
