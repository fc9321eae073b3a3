"""The command line on every backend: `ingest`, `drg group`, `drg facts` and `indicators
compute` print and write what they print and write on DuckDB. With ``--backend spark`` each
command opens its own warehouse on the running Spark session (on the cluster, the cluster's)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.warehouse.compliance.conftest import KEY
from tests.warehouse.compliance.support import assert_same_rows
from yigong.cli.main import COMMAND_NEEDS, app, refuse_unsupported
from yigong.warehouse import open_warehouse

runner = CliRunner()
NODE, PERIOD = "division:130423", "2024"


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _indicators(path: Path) -> list[tuple]:
    with path.open(encoding="utf-8-sig") as fh:
        return [
            (r["indicator"], r["status"], r["value"], r["numerator"], r["denominator"])
            for r in csv.DictReader(fh)
        ]


def _steps(kind: str, where: Path, out: Path) -> dict[str, object]:
    """`drg group`, `drg facts` and `indicators compute` on the tiny county; what they said."""
    wh = ["--backend", kind, "--warehouse", str(where)]
    group = _ok(["drg", "group", *wh, "--scheme", "chs-drg-1.1"])
    facts = _ok(["drg", "facts", *wh, "--scheme", "chs-drg-1.1"])
    at = ["--db", str(where)] if kind == "duckdb" else ["--warehouse", str(where)]
    compute = ["indicators", "compute", "--backend", kind, *at, "--node", NODE, "--period", PERIOD]
    _ok([*compute, "-o", str(out / "indicators.csv")])
    return {
        "grouped": group.split("->")[0],  # "N cases grouped with <scheme> <version> "
        "statuses": group.split(":drg_results:")[1],  # statuses and distinct DRGs
        "facts": facts.split("->")[0],
        "indicators": _indicators(out / "indicators.csv"),
    }


def test_drg_and_indicators_through_the_cli(backend, tiny, tiny_reference, tmp_path):
    (tmp_path / "ref").mkdir()
    want = _steps("duckdb", tiny_reference[0].location, tmp_path / "ref")
    got = _steps(backend.kind, tiny[0].location, tmp_path)
    assert got == want
    assert sum(r[1] == "ok" for r in got["indicators"]) > 60


def test_ingest_through_the_cli(backend, tiny_files, tmp_path):
    files = [str(tiny_files / f"{t}.parquet") for t in ("admin_divisions", "institutions")]
    key = tmp_path / "key"
    key.write_bytes(KEY.secret)
    target = tmp_path / ("w.duckdb" if backend.kind == "duckdb" else "warehouse")
    place = ["--db" if backend.kind == "duckdb" else "--out", str(target)]
    report = ["--report", str(tmp_path / "rejected.csv"), "--key-file", str(key)]
    out = _ok(["ingest", *files, "--backend", backend.kind, *place, *report])
    assert "institutions" in out
    assert (tmp_path / "rejected.csv").read_text(encoding="utf-8").startswith("file,row_no")
    with open_warehouse("duckdb", tmp_path / "ref.duckdb", create=True) as ref:
        from yigong.ingest import ingest_paths

        ingest_paths(ref, files, key=KEY)
        wh = backend.open(target.with_suffix("") if backend.kind == "duckdb" else target)
        try:
            for name in ("admin_divisions", "institutions", "quarantine"):
                assert_same_rows(ref.to_arrow(name), wh.to_arrow(name))
        finally:
            wh.close()


@pytest.mark.parametrize(
    "command",
    [pytest.param(c, marks=pytest.mark.needs(f)) for c, f in sorted(COMMAND_NEEDS.items())],
)
def test_commands_without_backend_option(backend, command):
    """A command that has no --backend option runs only where the backend has its feature;
    elsewhere it refuses by name, before opening anything."""
    refuse_unsupported(command, backend.kind)
