"""Choosing and opening a backend without starting Spark: the backend from the argument or the
environment, Spark settings from the environment, code shipping, a missing Parquet root, the
export manifest, Spark datasets imported into DuckDB, and the commands that refuse a backend
without their feature (decided in the CLI from the declared capabilities)."""

from __future__ import annotations

import json
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.warehouse import (
    FEATURES,
    BackendError,
    WarehouseError,
    backend_kind,
    capabilities,
    gaps,
    open_warehouse,
    unsupported,
)
from yigong.warehouse.backends.duckdb import DuckDBWarehouse
from yigong.warehouse.backends.spark.settings import (
    SparkSettings,
    SparkWarehouseError,
    code_archive,
)


def test_backend_kind_from_argument_env_and_default(monkeypatch):
    monkeypatch.delenv("YIGONG_BACKEND", raising=False)
    assert backend_kind() == "duckdb"
    monkeypatch.setenv("YIGONG_BACKEND", "Spark")
    assert backend_kind() == "spark"
    assert backend_kind("duckdb") == "duckdb"
    with pytest.raises(BackendError, match="unknown backend 'polars'.*duckdb, spark"):
        backend_kind("polars")


def test_open_warehouse_duckdb(tmp_path, monkeypatch):
    monkeypatch.delenv("YIGONG_BACKEND", raising=False)
    with pytest.raises(FileNotFoundError, match="no warehouse at"):
        open_warehouse(None, tmp_path / "w.duckdb")
    with open_warehouse(None, tmp_path / "w.duckdb", create=True) as wh:
        assert isinstance(wh, DuckDBWarehouse) and wh.kind == "duckdb"
        assert wh.has_table("discharges") and not wh.has_table("nothing")
        assert wh.table("discharges").count().execute() == 0


def test_spark_settings_from_env(monkeypatch):
    monkeypatch.setenv("YIGONG_SPARK_MASTER", "spark://head:7077")
    monkeypatch.setenv("YIGONG_SPARK_SHUFFLE_PARTITIONS", "64")
    monkeypatch.setenv("YIGONG_SPARK_CONF", "spark.executor.memory=4g, spark.sql.x = y")
    s = SparkSettings.from_env()
    conf = s.spark_conf()
    assert s.master == "spark://head:7077" and s.ships_code
    assert conf["spark.sql.shuffle.partitions"] == "64"
    assert conf["spark.executor.memory"] == "4g" and conf["spark.sql.x"] == "y"
    assert conf["spark.sql.session.timeZone"] == "UTC" and conf["spark.ui.enabled"] == "false"
    assert SparkSettings.from_env("local[4]").master == "local[4]"
    assert not SparkSettings.from_env("local[4]").ships_code
    monkeypatch.setenv("YIGONG_SPARK_CONF", "nonsense")
    with pytest.raises(SparkWarehouseError, match="not key=value"):
        SparkSettings.from_env()


def test_the_shipped_archive_holds_the_package_and_its_data():
    with zipfile.ZipFile(code_archive()) as z:
        names = set(z.namelist())
    assert "yigong/__init__.py" in names
    assert any(n.startswith("yigong/casemix/packs/") and n.endswith(".csv") for n in names)
    assert any(n.startswith("yigong/schema/codes/") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_missing_spark_root_is_refused_before_spark_starts(tmp_path):
    from yigong.warehouse.backends.spark.warehouse import SparkWarehouse

    with pytest.raises(SparkWarehouseError, match="no such Parquet warehouse directory"):
        SparkWarehouse(tmp_path / "absent")
    assert issubclass(SparkWarehouseError, WarehouseError)  # the CLI reports it in one line


def test_export_writes_the_parquet_warehouse_manifest(tmp_path):
    with DuckDBWarehouse(tmp_path / "w.duckdb") as wh:
        wh.set_meta("pseudonym_key_fingerprint", "abc")
        files = wh.export_parquet(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "_yigong.json").read_text(encoding="utf-8"))
    assert manifest["layout_version"] == 1
    assert manifest["pseudonym_key_fingerprint"] == "abc"
    assert set(manifest["tables"]) == {f.stem for f in files}
    assert manifest["tables"]["discharges"]["rows"] == 0


def test_declared_gaps_name_themselves():
    assert gaps("duckdb") == {} and capabilities("duckdb") == frozenset(FEATURES)
    assert {"ingest:csv", "ingest:xlsx", "ingest:malformed"} <= set(gaps("spark"))
    assert "ingest:parquet" in capabilities("spark")
    err = unsupported("ingest:csv", "spark")
    assert "not supported on the spark backend: ingest:csv" in str(err)


def test_import_reads_spark_datasets(tmp_path):
    """A `<table>/part-*.parquet` dataset (what Spark writes) imports into DuckDB."""
    with DuckDBWarehouse(tmp_path / "a.duckdb") as wh:
        wh.export_parquet(tmp_path / "x")
    folder = tmp_path / "x" / "drg_results"
    folder.mkdir()
    pq.write_table(
        pa.table({"discharge_id": ["d1", "d2"], "drg": ["BB21", None]}),
        folder / "part-00000.parquet",
    )
    with DuckDBWarehouse(tmp_path / "b.duckdb") as wh:
        counts = wh.import_parquet(tmp_path / "x")
        assert counts["drg_results"] == 2
        assert wh.to_arrow("drg_results").column("drg").to_pylist() == ["BB21", None]


def test_commands_without_backend_option_refuse_spark_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("YIGONG_BACKEND", "spark")
    result = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "not supported on the spark backend: status" in result.output
    assert not (tmp_path / "w.duckdb").exists()
    monkeypatch.setenv("YIGONG_BACKEND", "duckdb")
    DuckDBWarehouse(tmp_path / "w.duckdb").close()  # status reads a warehouse, never makes one
    assert CliRunner().invoke(app, ["status", "--db", str(tmp_path / "w.duckdb")]).exit_code == 0


def test_backend_usage_errors(tmp_path):
    runner = CliRunner()
    missing_out = runner.invoke(app, ["ingest", str(tmp_path), "--backend", "spark"])
    assert missing_out.exit_code == 2 and "--out" in missing_out.output
    node = ["--node", "division:130423", "--period", "2024"]
    bogus = runner.invoke(app, ["indicators", "scorecard", *node, "--backend", "polars"])
    assert bogus.exit_code == 2 and "unknown backend 'polars'" in bogus.output
