"""The catalog validator: the shipped catalog is clean; each broken definition is reported with
its file, line and rule."""

from __future__ import annotations

from pathlib import Path

from yigong.indicators.checks import validate
from yigong.indicators.loader import builtin_paths, load_catalog
from yigong.rulepacks import Level
from yigong.schema.codes import PRIMARY_CARE_TYPES

MEASURES = next(p for p in builtin_paths() if p.name == "measures.yaml")

BROKEN = """\
kind: catalog
catalog: broken
edition: "1"
title_zh: 坏
title_en: Broken
indicators:
  - id: B1
    name_zh: 甲
    name_en: a
    numerator: {measures: [discharges]}
    unit: "%"
    direction: higher
    provenance: K
  - id: B2
    name_zh: 乙
    name_en: b
    numerator: {measures: [no_such_measure]}
    denominator: {measures: [discharges]}
    direction: higher
    provenance: I
  - id: B3
    name_zh: 丙
    name_en: c
    numerator: {measures: [medical_revenue]}
    denominator: {measures: [resident_population]}
    direction: higher
    provenance: K
  - id: B4
    name_zh: 丁
    name_en: d
    numerator: {measures: [discharges]}
    denominator: {measures: [discharges]}
    direction: sideways
    provenance: K
targets:
  - {indicator: NOPE, comparator: ">=", value: 1, deadline: 2025, source: X, source_text: x}
"""

BAD_MEASURES = """\
kind: measures
measures:
  m1:
    name_zh: 甲
    name_en: a
    table: discharges
    agg: sum
    column: discharge_mode
    where:
      - {column: discharge_mode, eq: "7"}
      - {column: no_such_column, eq: "1"}
    scope: {institution: institution_id}
    time: {kind: event, column: discharge_date}
  m2:
    name_zh: 乙
    name_en: b
    table: nowhere
    agg: count
    scope: {institution: institution_id}
    time: {kind: year_flow, column: year}
  m3:
    name_zh: 丙
    name_en: c
    table: outpatient_visits
    joins: [{table: institutions, left: institution_id, right: division_code}]
    agg: count
    scope: {institution: institution_id}
    time: {kind: event, column: visit_date}
"""


def test_shipped_catalog_has_no_errors():
    issues = validate(load_catalog())
    assert [str(i) for i in issues if i.level is Level.ERROR] == []


def test_primary_care_value_set_matches_the_schema():
    assert set(load_catalog().valuesets["primary_care"]) == set(PRIMARY_CARE_TYPES)


def _issues(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return validate(load_catalog([MEASURES, path]))


def test_indicator_errors_name_file_and_line(tmp_path):
    issues = [i for i in _issues(tmp_path, "broken.yaml", BROKEN) if i.file == "broken.yaml"]
    found = {(i.code, i.line) for i in issues}
    assert ("indicator", 7) in found  # B1: a ratio without denominator
    assert ("unknown-measure", 17) in found  # B2 numerator
    assert ("interpretation", 20) in found  # B2: provenance I without interpretation
    assert ("periods-levels", 21) in found  # B3: annual finance with quarter/month periods
    assert any(i.code == "periods-levels" and "area" in i.message for i in issues)  # B3 levels
    assert ("schema", 33) in found  # B4: unknown direction
    assert ("target", 36) in found  # target on an unknown indicator


def test_measure_errors(tmp_path):
    issues = [i for i in _issues(tmp_path, "measures2.yaml", BAD_MEASURES)]
    msgs = {(i.code, i.line): i.message for i in issues if i.file == "measures2.yaml"}
    assert ("measure-column", 8) in msgs and "cannot sum" in msgs[("measure-column", 8)]
    assert ("filter-value", 10) in msgs and "discharge_mode" in msgs[("filter-value", 10)]
    assert ("measure-column", 11) in msgs  # unknown filter column
    assert ("measure-column", 17) in msgs  # unknown table
    assert ("measure-column", 25) in msgs and "not the key" in msgs[("measure-column", 25)]


def test_yaml_syntax_error_has_a_line(tmp_path):
    issues = _issues(tmp_path, "bad.yaml", "kind: catalog\nindicators: [\n  - a: b: c\n")
    bad = [i for i in issues if i.file == "bad.yaml"]
    assert bad and bad[0].code == "yaml" and bad[0].line is not None


def test_duplicate_ids(tmp_path):
    text = BROKEN.replace("id: B2", "id: B1")
    issues = _issues(tmp_path, "dup.yaml", text)
    assert any(i.code == "duplicate-id" and i.line == 14 for i in issues)


def test_generated_reference_is_current():
    """docs/indicators-catalog.md is regenerated with `yigong catalog docs -o …`."""
    from yigong.services.indicators import catalog_reference

    doc = Path(__file__).parents[2] / "docs" / "indicators-catalog.md"
    assert doc.read_text(encoding="utf-8") == catalog_reference(), (
        "run: yigong catalog docs -o docs/indicators-catalog.md"
    )
