"""Disease catalogs: the shipped default validates, lookups explain, bad files are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigong.graded_care.catalogs.catalog import Setting, normalise_code, parse_token
from yigong.graded_care.catalogs.level_check import (
    EncounterLevelInput,
    LevelVerdict,
    check_encounter,
    check_encounters,
)
from yigong.graded_care.catalogs.loader import (
    available_catalogs,
    load_catalog,
    load_catalog_file,
    parse_catalog,
    validate_catalog_file,
)
from yigong.graded_care.errors import DefinitionError
from yigong.graded_care.levels import CareLevel


def test_every_shipped_catalog_is_valid() -> None:
    shipped = available_catalogs()
    assert shipped, "no catalog shipped as package data"
    for _county, _version, path in shipped:
        assert validate_catalog_file(path) == []


def test_county_falls_back_to_default() -> None:
    cat = load_catalog("410100")
    assert (cat.county, cat.version) == ("default", "2025.1")


@pytest.mark.parametrize(
    ("code", "setting", "level", "token"),
    [
        ("J06.9", "outpatient", "village", "J00-J06"),
        ("I10", "outpatient", "village", "I10"),
        ("I10.x00x002", "inpatient", "township", "I10"),
        ("N390", "any", "township", "N39.0"),
        ("K80.2", "outpatient", "township", "K80"),
        ("K80.2", "inpatient", "county", "K80"),
        ("I21.9", "inpatient", "county", "I21-I22"),
        ("C34.1", "inpatient", "county", "C34"),
    ],
)
def test_lookup(code: str, setting: str, level: str, token: str) -> None:
    m = load_catalog().lookup(code, setting)
    assert m is not None and m.level.key == level and m.token.text == token


def test_specific_code_beats_range_and_setting_beats_any(tmp_path: Path) -> None:
    text = """county: "410100"
version: "1"
name_zh: 测试
source: test
entries:
  - {codes: [J00-J06], level: village, name_zh: 上感}
  - {codes: [J05], level: township, name_zh: 喉炎}
  - {codes: [J05.1], level: county, name_zh: 会厌炎}
  - {codes: [J05.1], level: township, setting: inpatient, name_zh: 会厌炎住院}
"""
    cat, issues = parse_catalog(text, "410100-1.yaml")
    assert issues == [] and cat is not None
    assert cat.lookup("J04", "outpatient").level is CareLevel.VILLAGE
    assert cat.lookup("J05.0", "outpatient").level is CareLevel.TOWNSHIP
    assert cat.lookup("J05.1", "outpatient").level is CareLevel.COUNTY
    assert cat.lookup("J05.1", "inpatient").level is CareLevel.TOWNSHIP
    assert cat.lookup("J07", "outpatient") is None


BAD = """county: "410100"
version: "1"
name_zh: 测试
source: test
colour: blue
entries:
  - {codes: [J00-J06], level: village, name_zh: 上感}
  - {codes: [J03-J09], level: township, name_zh: 重叠}
  - {codes: [J00-J06], level: village, name_zh: 重复}
  - {codes: [X1, J10-J09], level: village, name_zh: 坏码}
  - {codes: [J11], level: galaxy, name_zh: 坏层级}
  - {codes: [J12], level: village, setting: home, name_zh: 坏场景}
  - {codes: [J13], level: village, name_zh: 多余, extra: 1}
  - {codes: [J14], level: village}
"""


def test_validator_locates_every_error() -> None:
    cat, issues = parse_catalog(BAD, "wrong-name.yaml")
    assert cat is None
    got = {(i.code, i.line, i.field) for i in issues}
    assert got == {
        ("unknown_field", 5, "colour"),
        ("overlapping_ranges", 8, "codes"),
        ("duplicate_code", 9, "codes"),
        ("bad_code", 10, "codes"),
        ("bad_code", 10, "codes"),
        ("bad_level", 11, "level"),
        ("bad_setting", 12, "setting"),
        ("unknown_field", 13, "extra"),
        ("missing_field", 14, "name_zh"),
        ("file_name", None, ""),  # the whole file: no line
    }
    assert sum(i.code == "bad_code" for i in issues) == 2
    assert "X1" in next(i.message for i in issues if i.code == "bad_code")


def test_load_refuses_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "410100-1.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"410100-1.yaml:8 \[codes\]"):
        load_catalog_file(path)
    path.write_text("county: [unclosed\n", encoding="utf-8")
    (issue,) = validate_catalog_file(path)  # YAML syntax: code "yaml", as in every pack
    assert issue.code == "yaml" and issue.line is not None


def test_tokens() -> None:
    assert normalise_code(" e119 ") == "E11.9"
    assert parse_token("J06-J00") is None
    assert parse_token("I10").specificity < parse_token("I10.0").specificity  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("code", "level", "setting", "verdict"),
    [
        ("I10", CareLevel.COUNTY, "outpatient", LevelVerdict.ABOVE),
        ("I10", CareLevel.VILLAGE, "outpatient", LevelVerdict.AT_LEVEL),
        ("I21.9", CareLevel.TOWNSHIP, "inpatient", LevelVerdict.BELOW),
        ("I21.9", CareLevel.BEYOND_COUNTY, "inpatient", LevelVerdict.ABOVE),
        ("C71.1", CareLevel.COUNTY, "inpatient", LevelVerdict.UNCATALOGUED),
    ],
)
def test_level_check(code: str, level: CareLevel, setting: str, verdict: LevelVerdict) -> None:
    result = check_encounter(load_catalog(), code, level, setting, "E1")
    assert result.verdict is verdict
    if verdict is not LevelVerdict.UNCATALOGUED:
        assert "line" in result.explanation


def test_check_many_counts() -> None:
    rows = [
        EncounterLevelInput(str(i), c, lvl, Setting.OUTPATIENT)
        for i, (c, lvl) in enumerate(
            [
                ("J06.9", CareLevel.VILLAGE),
                ("J06.9", CareLevel.COUNTY),
                ("M54.5", CareLevel.TOWNSHIP),
            ]
        )
    ]
    results, counts = check_encounters(load_catalog(), rows)
    assert len(results) == 3
    assert counts == {LevelVerdict.AT_LEVEL: 1, LevelVerdict.ABOVE: 2}
