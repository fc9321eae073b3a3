"""The rules files validate, and a broken file is reported with file, line and field."""

from __future__ import annotations

from pathlib import Path

from yigong.oversight import load_rules
from yigong.oversight.evaluators import EVALUATORS

GOOD = """kind: screening_rules
ruleset: t
edition: "1"
title_zh: 测试
title_en: test
rules:
  - id: split_a
    name_zh: 分解住院
    name_en: Split
    policy: {text: fraud, source: brief}
    evaluator: split_admission
    entity: case
    severity: high
    params: {max_gap_days: 15, diagnosis_chars: 3}
    interpretation: x
"""


def _write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_builtin_rules_are_valid_and_cover_every_evaluator() -> None:
    rs = load_rules()
    assert rs.issues == []
    assert {r.evaluator for r in rs.rules.values()} == set(EVALUATORS)
    for r in rs.rules.values():
        assert r.policy.text and r.name_zh and r.name_en and r.file and r.line


def test_a_good_file_loads(tmp_path: Path) -> None:
    rs = load_rules([_write(tmp_path, GOOD)])
    assert rs.issues == [] and list(rs.rules) == ["split_a"]


def test_bad_parameter_is_named_with_file_line_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("max_gap_days: 15", "max_gap_days: -3")
    issues = load_rules([_write(tmp_path, bad)]).issues
    assert len(issues) == 1
    i = issues[0]
    assert (i.file, i.line, i.field) == ("r.yaml", 14, "rules.0.params.max_gap_days")


def test_unknown_parameter_unknown_evaluator_and_missing_field(tmp_path: Path) -> None:
    bad = GOOD.replace("diagnosis_chars: 3", "diagnosis_chars: 3, colour: red")
    i = load_rules([_write(tmp_path, bad)]).issues[0]
    assert i.field == "rules.0.params.colour" and i.line == 14
    bad = GOOD.replace("evaluator: split_admission", "evaluator: crystal_ball")
    i = load_rules([_write(tmp_path, bad)]).issues[0]
    assert (i.code, i.field, i.line) == ("unknown-evaluator", "rules.0.evaluator", 11)
    bad = GOOD.replace("    severity: high\n", "")
    i = load_rules([_write(tmp_path, bad)]).issues[0]
    assert i.field == "rules.0.severity" and i.line == 7


def test_duplicate_ids_and_needs_data_without_needs(tmp_path: Path) -> None:
    a = _write(tmp_path, GOOD, "a.yaml")
    b = _write(
        tmp_path,
        GOOD.replace("    entity: case", "    entity: case\n    status: needs_data"),
        "b.yaml",
    )
    issues = load_rules([a, b]).issues
    codes = {(i.code, i.file, i.field) for i in issues}
    assert ("needs-missing", "b.yaml", "rules.0.needs") in codes
    assert ("duplicate-id", "b.yaml", "rules.0.id") in codes
    dup = next(i for i in issues if i.code == "duplicate-id")
    assert "a.yaml:7" in dup.message
