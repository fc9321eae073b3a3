"""`yigong screen …` end to end on the tiny world: run, list, explain, sample, review, check."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.services import screening

runner = CliRunner()


def test_screen_commands(tiny_world: tuple[Path, Path], tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(tiny_world[1], db)
    wf = tmp_path / "wf.sqlite"
    out = runner.invoke(app, ["screen", "rules"])
    assert out.exit_code == 0 and "split_admission" in out.output
    out = runner.invoke(app, ["screen", "run", "--db", str(db), "--period", "2024"])
    assert out.exit_code == 0, out.output
    assert "service_after_death" in out.output and "flags" in out.output
    flag = screening.list_flags(db, period="2024", rule_id="duplicate_billing")[0]["flag_id"]
    out = runner.invoke(app, ["screen", "explain", flag, "--db", str(db), "--store", str(wf)])
    assert out.exit_code == 0, out.output
    assert "重复收费" in out.output and "settlements:" in out.output and "min_copies" in out.output
    out = runner.invoke(
        app,
        ["screen", "sample", "--method", "value", "--n", "3", "--db", str(db), "--store", str(wf)],
    )
    assert out.exit_code == 0, out.output
    args = [
        "screen",
        "review",
        flag,
        "--decision",
        "confirmed",
        "--reason",
        "settled twice",
        "--user",
        "u1",
        "--db",
        str(db),
        "--store",
        str(wf),
    ]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already confirmed" in again.output
    out = runner.invoke(app, ["screen", "run", "--db", str(db), "--period", "2024x"])
    assert out.exit_code == 2 and "expected a year" in out.output


def test_screen_check_names_file_line_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: screening_rules\nruleset: x\nrules:\n  - id: Bad-Id\n", encoding="utf-8")
    out = runner.invoke(app, ["screen", "check", str(bad)])
    assert out.exit_code == 1
    assert "bad.yaml:4 [rules.0.id]" in out.output
    assert runner.invoke(app, ["screen", "check"]).exit_code == 0
