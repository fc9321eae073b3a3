"""The backend switch without starting Spark: choosing the backend, Spark settings from the
environment, the DuckDB side of `open_backend`, the export manifest and the declared gaps."""

from __future__ import annotations

import json

import pytest

from yigong.warehouse import Warehouse
from yigong.warehouse.backend import (
    SPARK_UNSUPPORTED,
    BackendError,
    backend_kind,
    open_backend,
    unsupported,
)
from yigong.warehouse.spark import SparkSettings, SparkWarehouse, SparkWarehouseError


def test_backend_kind_from_argument_env_and_default(monkeypatch):
    monkeypatch.delenv("YIGONG_BACKEND", raising=False)
    assert backend_kind() == "duckdb"
    monkeypatch.setenv("YIGONG_BACKEND", "Spark")
    assert backend_kind() == "spark"
    assert backend_kind("duckdb") == "duckdb"
    with pytest.raises(BackendError, match="unknown backend 'polars'.*duckdb, spark"):
        backend_kind("polars")


def test_open_backend_duckdb_is_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("YIGONG_BACKEND", raising=False)
    with open_backend(None, tmp_path / "w.duckdb") as wh:
        assert isinstance(wh, Warehouse) and wh.kind == "duckdb"
        assert wh.has_table("discharges") and not wh.has_table("nothing")
        assert wh.table("discharges").count().execute() == 0


def test_spark_settings_from_env(monkeypatch):
    monkeypatch.setenv("YIGONG_SPARK_MASTER", "spark://head:7077")
    monkeypatch.setenv("YIGONG_SPARK_SHUFFLE_PARTITIONS", "64")
    monkeypatch.setenv("YIGONG_SPARK_CONF", "spark.executor.memory=4g, spark.sql.x = y")
    s = SparkSettings.from_env()
    conf = s.spark_conf()
    assert s.master == "spark://head:7077"
    assert conf["spark.sql.shuffle.partitions"] == "64"
    assert conf["spark.executor.memory"] == "4g" and conf["spark.sql.x"] == "y"
    assert conf["spark.sql.session.timeZone"] == "UTC" and conf["spark.ui.enabled"] == "false"
    assert SparkSettings.from_env("local[4]").master == "local[4]"
    monkeypatch.setenv("YIGONG_SPARK_CONF", "nonsense")
    with pytest.raises(SparkWarehouseError, match="not key=value"):
        SparkSettings.from_env()


def test_missing_spark_root_is_refused_before_spark_starts(tmp_path):
    with pytest.raises(SparkWarehouseError, match="no such Parquet warehouse directory"):
        SparkWarehouse(tmp_path / "absent")


def test_export_writes_the_spark_layout_manifest(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.duck.execute("INSERT INTO warehouse_meta VALUES ('pseudonym_key_fingerprint', 'abc')")
        files = wh.export_parquet(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "_yigong.json").read_text(encoding="utf-8"))
    assert manifest["layout_version"] == 1
    assert manifest["pseudonym_key_fingerprint"] == "abc"
    assert set(manifest["tables"]) == {f.stem for f in files}
    assert manifest["tables"]["discharges"]["rows"] == 0


def test_declared_gaps_name_themselves():
    assert {"ingest:csv", "ingest:xlsx", "ingest:malformed"} <= set(SPARK_UNSUPPORTED)
    err = unsupported("ingest:csv", "spark")
    assert "not supported on the spark backend: ingest:csv" in str(err)


def test_import_reads_spark_datasets(tmp_path):
    """A `<table>/part-*.parquet` dataset (what Spark writes) imports into DuckDB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with Warehouse(tmp_path / "a.duckdb") as wh:
        wh.export_parquet(tmp_path / "x")
    folder = tmp_path / "x" / "drg_results"
    folder.mkdir()
    pq.write_table(
        pa.table({"discharge_id": ["d1", "d2"], "drg": ["BB21", None]}),
        folder / "part-00000.parquet",
    )
    with Warehouse(tmp_path / "b.duckdb") as wh:
        counts = wh.import_parquet(tmp_path / "x")
        assert counts["drg_results"] == 2
        assert wh.to_arrow("drg_results").column("drg").to_pylist() == ["BB21", None]


def test_duckdb_only_commands_refuse_spark_by_name(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from yigong.cli.main import app

    monkeypatch.setenv("YIGONG_BACKEND", "spark")
    result = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "not supported on the spark backend: status" in result.output
    assert not (tmp_path / "w.duckdb").exists()
    monkeypatch.setenv("YIGONG_BACKEND", "duckdb")
    assert CliRunner().invoke(app, ["status", "--db", str(tmp_path / "w.duckdb")]).exit_code == 0
