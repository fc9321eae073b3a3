"""`yigong tasks …` end to end on the hand-made county warehouse and a SQLite workflow store."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from yigong.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    from rich.console import Console

    import yigong.cli.tasks as cli

    monkeypatch.setattr(cli, "console", Console(width=250))


def run(*args: str):
    return runner.invoke(app, ["tasks", *args])


def test_check_and_list():
    res = run("check")
    assert res.exit_code == 0 and "0 error(s), 0 warning(s)" in res.output
    res = run("list", "--set", "hebei-2025-targets")
    assert res.exit_code == 0 and "H25-01" in res.output and "K22-01" not in res.output


def test_check_fails_on_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: reform-tasks\nset: x\nedition: '1'\ntitle_zh: x\ntitle_en: x\n"
        "source: {letter: X, file: x.txt, credit: x}\ntasks:\n"
        "  - {id: X-1, title_zh: x, title_en: x, source: {para: 1, quote: q},\n"
        "     lead_note: none, owner: county, binds: [county], deadline: 2025-12-31,\n"
        "     indicators: [ZZ9]}\n"
    )
    res = run("check", str(bad))
    assert res.exit_code == 1 and "bad.yaml:10" in res.output and "unknown-indicator" in res.output


def test_record_progress_history_report(wh_path, tmp_path):
    store = str(tmp_path / "wf.sqlite")
    res = run(
        "record",
        "K22-03",
        "--node",
        "division:410101",
        "--year",
        "2024",
        "--status",
        "on_track",
        "--percent",
        "50",
        "--by",
        "office1",
        "--note",
        "6 of 12",
        "--store",
        store,
    )
    assert res.exit_code == 0 and "recorded entry 1" in res.output, res.output
    res = run(
        "record",
        "K22-03",
        "--node",
        "division:410101",
        "--year",
        "2024",
        "--status",
        "done",
        "--by",
        "office1",
        "--store",
        store,
    )
    assert res.exit_code == 2 and "evidence" in res.output
    res = run("history", "--store", store)
    assert res.exit_code == 0 and "1 entry" in res.output and "office1" in res.output

    res = run(
        "progress",
        "--db",
        str(wh_path),
        "--node",
        "division:410101",
        "--year",
        "2024",
        "--store",
        store,
        "--task",
        "K22-03",
        "--task",
        "H25-05",
    )
    assert res.exit_code == 0, res.output
    assert "on track" in res.output and "office1" in res.output and "C01 50.00 %" in res.output

    out = tmp_path / "county.xlsx"
    res = run(
        "report",
        "--db",
        str(wh_path),
        "--node",
        "division:410101",
        "--year",
        "2024",
        "-o",
        str(out),
        "--store",
        store,
    )
    assert res.exit_code == 0 and "13 tasks" in res.output, res.output
    rows = list(load_workbook(out)["tasks"].iter_rows(min_row=4, values_only=True))
    assert {r[0]: r[8] for r in rows}["K22-03"] == "on_track"

    for fmt in ("pdf", "md"):
        out = tmp_path / f"province.{fmt}"
        res = run(
            "report",
            "--db",
            str(wh_path),
            "--node",
            "division:410000",
            "--year",
            "2024",
            "--format",
            fmt,
            "-o",
            str(out),
        )
        assert res.exit_code == 0 and "2 counties" in res.output, res.output
        assert out.stat().st_size > 0


def test_errors_are_messages(wh_path, tmp_path):
    res = run(
        "progress", "--db", str(tmp_path / "none.duckdb"), "--node", "410101", "--year", "2024"
    )
    assert res.exit_code == 2 and "no warehouse" in res.output
    res = run("progress", "--db", str(wh_path), "--node", "division:999999", "--year", "2024")
    assert res.exit_code == 2 and "999999" in res.output
