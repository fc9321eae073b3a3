"""The curated condition files load, and a broken file is reported with file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yigong.schema.codes import national_codes
from yigong.synth.conditions import DATA, ConditionDataError, load_conditions, read_conditions


def test_the_shipped_files_are_valid() -> None:
    c = load_conditions()
    assert 60 <= c.count <= 100
    assert 150 <= c.ip_rate.sum() <= 220  # admissions per 1,000 residents and year
    icd9 = national_codes("icd9cm3")
    assert all(code in icd9 for code in c.procedures.code)
    assert all(len(codes) for codes in c.icd_codes)
    assert c.sex[c.index("vaginal_delivery")] == 2 and c.sex[c.index("bph")] == 1


def test_a_broken_file_names_file_line_and_field(tmp_path: Path) -> None:
    for f in DATA.iterdir():
        if f.name.endswith(".csv"):
            shutil.copyfile(str(f), tmp_path / f.name)
    path = tmp_path / "conditions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[2] = "Q999"  # no ICD-10 code starts with it
    fields[3] = "X"  # not A, M or F
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (tmp_path / "procedures.csv").open("a", encoding="utf-8") as fh:
        fh.write("pneumonia,extra,00.0000,0.5,2,0,0,county,不存在的操作\n")
    with pytest.raises(ConditionDataError) as err:
        read_conditions(tmp_path)
    text = str(err.value)
    assert "conditions.csv:4 [icd10]:" in text
    assert "conditions.csv:4 [sex]:" in text
    assert "procedures.csv:" in text and "icd9" in text
