"""A national front-page export grouped directly: ``yigong drg group 住院病案首页.csv`` reads it
through its layout profile and keys the output by the export's own 病案号 and 住院次数."""

from __future__ import annotations

import csv
import subprocess
import sys

from tests.ingest.profiles.frontpage import front_page
from yigong.services.drg_files import group_file
from yigong.synth import generate, generate_tables
from yigong.synth.national import to_national


def test_a_generated_front_page_groups_like_its_canonical_twin(tmp_path):
    generate("tiny", tmp_path / "n", seed=2024, layout="national")
    out = tmp_path / "groups.csv"
    summary = group_file(tmp_path / "n" / "住院病案首页.csv", "chs-drg-1.1", out)
    assert summary.extra["keyed_by"] == ["病案号", "住院次数"]
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["病案号", "住院次数", "status", "mdc", "adrg", "drg"]
    # the same discharges in the contract's own columns give the same groups
    d = generate_tables("tiny", seed=2024)["discharges"]
    contract = tmp_path / "cases.csv"
    with contract.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "case_id",
                "sex",
                "age_years",
                "age_days",
                "birth_weight_g",
                "length_of_stay",
                "discharge_mode",
                "diagnoses",
                "procedures",
            ]
        )
        for r in d.to_pylist():
            r = {k: "" if v is None else v for k, v in r.items()}
            w.writerow(
                [
                    r["case_no"],
                    r["sex"],
                    r["age_years"],
                    r["age_days"],
                    r["birth_weight_g"],
                    r["length_of_stay"],
                    r["discharge_mode"],
                    r["diagnosis_codes"],
                    r["procedure_codes"],
                ]
            )
    group_file(contract, "chs-drg-1.1", tmp_path / "expected.csv")
    with (tmp_path / "expected.csv").open(encoding="utf-8") as fh:
        expected = [(r["case_id"], r["status"], r["drg"]) for r in csv.DictReader(fh)]
    assert [(r["病案号"], r["status"], r["drg"]) for r in rows] == expected
    assert sum(1 for r in rows if r["status"] == "grouped") > 900
    assert to_national("discharges", d)[""].num_rows == len(rows)


def test_unknown_values_make_the_row_invalid_input_with_the_files_column(tmp_path):
    path = front_page(
        tmp_path / "病案首页.csv",
        [{"病案号": "A1"}, {"病案号": "A2", "性别": "男性"}, {"病案号": "A3", "年龄": "六十"}],
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "yigong.cli.entry",
            "drg",
            "group",
            str(path),
            "-o",
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "row 2 (A2): 性别: code: 男性" in proc.stderr
    assert "row 3 (A3): age_years: not an integer: '六十'" in proc.stderr
    assert "keyed by 病案号, 住院次数" in proc.stdout
    with (tmp_path / "out.csv").open(encoding="utf-8") as fh:
        got = [(r["病案号"], r["住院次数"], r["status"]) for r in csv.DictReader(fh)]
    assert [g[:2] for g in got] == [("A1", "1"), ("A2", "1"), ("A3", "1")]
    assert [g[2] for g in got][1:] == ["invalid_input", "invalid_input"]
    assert got[0][2] in ("grouped", "ungroupable")  # valid input: the grouper's own verdict
