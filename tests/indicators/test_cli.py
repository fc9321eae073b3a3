"""The CLI and the service layer on a warehouse file holding the test county."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.indicators import world
from yigong.cli.main import app
from yigong.services import indicators as svc

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    from rich.console import Console

    import yigong.cli.indicators as cli

    monkeypatch.setattr(cli, "console", Console(width=250))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("ind") / "w.duckdb"
    world.build(str(path)).close()
    return path


def test_catalog_check_passes():
    res = runner.invoke(app, ["catalog", "check"])
    assert res.exit_code == 0, res.output
    assert "0 error(s)" in res.output


def test_catalog_check_fails_on_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: catalog\ncatalog: x\nedition: '1'\ntitle_zh: x\ntitle_en: x\n"
        "indicators:\n  - {id: X1, name_zh: x, name_en: x, direction: up}\n"
    )
    res = runner.invoke(app, ["catalog", "check", str(bad)])
    assert res.exit_code == 1 and "bad.yaml:7" in res.output


def test_list(db):
    res = runner.invoke(app, ["indicators", "list", "--catalog", "policy-targets"])
    assert res.exit_code == 0 and "P01" in res.output and "T04" not in res.output


def test_compute_table_and_files(db, tmp_path):
    res = runner.invoke(
        app,
        [
            "indicators",
            "compute",
            "--node",
            "community:C1",
            "--period",
            "2024",
            "--catalog",
            "community-monitoring",
            "--db",
            str(db),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "97.30 %" in res.output  # C02: 36 / 37
    out = tmp_path / "r.csv"
    res = runner.invoke(
        app,
        [
            "indicators",
            "compute",
            "--node",
            "community:C1",
            "--period",
            "2024",
            "--id",
            "C01",
            "--id",
            "T04",
            "-o",
            str(out),
            "--db",
            str(db),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["indicator"], r["numerator"], r["denominator"]) for r in rows] == [
        ("C01", "2", "3"),
        ("T04", "5", "6"),
    ]
    assert rows[0]["target"] == "90.0" and rows[0]["met"] == "False"
    js = tmp_path / "r.json"
    svc.export(svc.compute(db, "community:C1", "2024", ids=["T34"]).results, js)
    assert json.loads(js.read_text())[0]["numerator"] == "1700000.00"
    xl = tmp_path / "r.xlsx"
    svc.export(svc.compute(db, "inst:H1", "2024", ids=["T04"]).results, xl)
    ws = load_workbook(xl).active
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("value") + 1).value == 80.0  # 4 of 5 discharges


def test_explain_shows_rows_behind_numerator(db):
    res = runner.invoke(
        app,
        [
            "indicators",
            "explain",
            "T06",
            "--node",
            "inst:H1",
            "--period",
            "2024",
            "--sql",
            "--db",
            str(db),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "grade4_surgical_patients" in res.output and "d1" in res.output
    assert "SELECT" in res.output
    ex = svc.explain(db, "T06", "inst:H1", "2024")
    num = next(m for m in ex.rows if m.role == "numerator")
    assert num.rows is not None and num.rows.column("discharge_id").to_pylist() == ["d1"]


def test_scorecard(db):
    res = runner.invoke(
        app,
        ["indicators", "scorecard", "--node", "community:C1", "--period", "2024", "--db", str(db)],
    )
    assert res.exit_code == 0, res.output
    assert "P01" in res.output and "C01" in res.output


def test_bad_node_and_period(db):
    with pytest.raises(ValueError, match="period"):
        svc.compute(db, "community:C1", "2024-13")
    with pytest.raises(ValueError, match="node"):
        svc.compute(db, "C1", "2024")
    with pytest.raises(FileNotFoundError, match="no warehouse"):
        svc.compute(db.parent / "missing.duckdb", "community:C1", "2024")
