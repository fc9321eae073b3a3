"""The CLI on the Spark backend: `drg group`, `drg facts` and `indicators compute` over a Parquet
warehouse give what they give over the DuckDB file it was exported from; `ingest --backend
spark --out DIR` loads Parquet; wrong choices are usage errors. Each command starts and stops
its own local Spark session, as a user's would."""

from __future__ import annotations

import csv

import pyspark  # noqa: F401  (the `spark` extra; missing, this module fails, never skips)
import pytest
from typer.testing import CliRunner

from tests.warehouse.spark_support import tiny_county
from yigong.cli.main import app

pytestmark = pytest.mark.slow
runner = CliRunner()
NODE, PERIOD = "division:130423", "2024"


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _rows(path) -> list[tuple]:
    with path.open(encoding="utf-8-sig") as fh:
        return [
            (
                r["indicator"],
                r["status"],
                r["value"],
                r["numerator"],
                r["denominator"],
                r["previous_value"],
            )
            for r in csv.DictReader(fh)
        ]


def test_same_scorecard_through_the_cli(tmp_path):
    files, db = tiny_county(tmp_path)
    _ok(["warehouse", "export", str(tmp_path / "pq"), "--db", str(db)])
    duck = _ok(["drg", "group", "--warehouse", str(db), "--scheme", "chs-drg-1.1"])
    spark = _ok(
        [
            "drg",
            "group",
            "--backend",
            "spark",
            "--warehouse",
            str(tmp_path / "pq"),
            "--scheme",
            "chs-drg-1.1",
        ]
    )
    assert duck.split("->")[0] == spark.split("->")[0]  # "N cases grouped with … 1.1 "
    assert duck.split(":drg_results:")[1] == spark.split(":drg_results:")[1]  # statuses, DRGs
    _ok(["drg", "facts", "--warehouse", str(db), "--scheme", "chs-drg-1.1"])
    _ok(
        [
            "drg",
            "facts",
            "--backend",
            "spark",
            "--warehouse",
            str(tmp_path / "pq"),
            "--scheme",
            "chs-drg-1.1",
        ]
    )
    _ok(
        [
            "indicators",
            "compute",
            "--db",
            str(db),
            "--node",
            NODE,
            "--period",
            PERIOD,
            "-o",
            str(tmp_path / "duck.csv"),
        ]
    )
    _ok(
        [
            "indicators",
            "compute",
            "--backend",
            "spark",
            "--warehouse",
            str(tmp_path / "pq"),
            "--node",
            NODE,
            "--period",
            PERIOD,
            "-o",
            str(tmp_path / "spark.csv"),
        ]
    )
    a, b = _rows(tmp_path / "duck.csv"), _rows(tmp_path / "spark.csv")
    assert a == b
    assert sum(r[1] == "ok" for r in a) > 60


def test_ingest_on_spark_and_usage_errors(tmp_path):
    files, _ = tiny_county(tmp_path)
    out = _ok(
        [
            "ingest",
            str(files / "admin_divisions.parquet"),
            str(files / "institutions.parquet"),
            "--backend",
            "spark",
            "--out",
            str(tmp_path / "pq"),
            "--report",
            str(tmp_path / "rejected.csv"),
        ]
    )
    assert "institutions" in out and (tmp_path / "pq" / "institutions").is_dir()
    assert (tmp_path / "pq" / "_yigong.json").exists()
    assert (tmp_path / "rejected.csv").read_text(encoding="utf-8").startswith("file,row_no")
    missing_out = runner.invoke(app, ["ingest", str(files), "--backend", "spark"])
    assert missing_out.exit_code == 2 and "--out" in missing_out.output
    bogus = runner.invoke(
        app, ["indicators", "scorecard", "--node", NODE, "--period", PERIOD, "--backend", "polars"]
    )
    assert bogus.exit_code == 2 and "unknown backend 'polars'" in bogus.output
