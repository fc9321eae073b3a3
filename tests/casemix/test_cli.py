"""`yigong drg …` commands and the explain trace as JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.casemix.drg_helpers import HANDAN, NATIONAL, SAMPLES
from yigong.cli.main import app

runner = CliRunner()


def test_packs_lists_both_schemes():
    res = runner.invoke(app, ["drg", "packs", "--json"])
    assert res.exit_code == 0
    packs = {p["id"]: p for p in json.loads(res.output)}
    assert packs[HANDAN]["base"] == NATIONAL and packs[NATIONAL]["counts"]["drgs"] == 628


def test_check_passes_on_shipped_packs():
    res = runner.invoke(app, ["drg", "check", NATIONAL])
    assert res.exit_code == 0 and "OK" in res.output


def test_explain_from_file_and_from_fields():
    res = runner.invoke(
        app,
        [
            "drg",
            "explain",
            "--scheme",
            NATIONAL,
            "--input",
            str(SAMPLES / "cases.csv"),
            "--case-id",
            "opendrg-22085292",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    tr = json.loads(res.output)
    assert (tr["status"], tr["drg"], tr["scheme"]) == ("grouped", "EC11", NATIONAL)
    assert any(c["outcome"] == "mcc" for c in tr["complications"])
    assert tr["mdc_steps"][0]["mdc"] == "MDCA"
    res = runner.invoke(
        app,
        [
            "drg",
            "explain",
            "--scheme",
            HANDAN,
            "--input",
            str(SAMPLES / "cases.csv"),
            "--case-id",
            "opendrg-22085292",
        ],
    )
    assert "EC19" in res.output
    res = runner.invoke(
        app,
        [
            "drg",
            "explain",
            "--sex",
            "1",
            "--age-years",
            "30",
            "--dx",
            "S75.000x004|Q40.201|C11.000|S36.000x021",
        ],
    )
    assert res.exit_code == 0 and "ZZ11" in res.output and "lower_limb" in res.output


def test_group_reports_bad_input_with_row_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "case_id,sex,age_years,age_days,birth_weight_g,length_of_stay,discharge_mode,diagnoses,procedures\n"
        "a,1,x,,,1,1,I10.x00,\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["drg", "group", str(bad), "-o", str(tmp_path / "o.csv"), "--strict"])
    assert res.exit_code == 2 and "row 1, field age_years" in res.output
    res = runner.invoke(app, ["drg", "group", str(bad), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 0 and "row 1 (a): age_years: not an integer" in res.output
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()[1] == "a,invalid_input,,,"
