"""Centre services data: the shipped file validates; bad rows are located; windows are pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from yigong.graded_care.centres.catalog import (
    centre_files,
    centres_dir,
    load_centre_catalog,
    pack_issues,
    parse_centre_catalog,
)
from yigong.graded_care.centres.recognition import PriorResult, RecognitionSummary, find_repeat


def test_shipped_file_is_valid() -> None:
    shipped = centre_files()
    assert shipped and all(p.parent.parent == centres_dir() for p in shipped)
    for path in shipped:
        catalog, issues = parse_centre_catalog(path.read_text(encoding="utf-8"), str(path))
        assert issues == [] and catalog is not None
    assert pack_issues() == []
    cat = load_centre_catalog("410100")
    assert cat.county == "default" and cat.service("LAB-CBC").recognition_window_days == 7


BAD = """county: default
version: "1"
source: test
centres: {laboratory: 检验, spa: 水疗}
services:
  - {code: A, name_zh: a, centre: laboratory, exam_type: lab_panel, price: "1.005", recognition_window_days: 7, turnaround_target_hours: 1}
  - {code: B, name_zh: b, centre: laboratory, exam_type: lab_panel, price: "1", recognition_window_days: 0, turnaround_target_hours: 1}
  - {code: C, name_zh: c, centre: pathology, exam_type: pathology, price: "1", recognition_window_days: 7, turnaround_target_hours: 1}
  - {code: D, name_zh: d, centre: laboratory, exam_type: lab_panel, price: "1", recognition_window_days: 7, turnaround_target_hours: 1}
  - {code: D, name_zh: d, centre: laboratory, exam_type: lab_panel, price: "1", recognition_window_days: 7}
  - {code: E, name_zh: e, centre: laboratory, exam_type: lab_panel, price: "1", recognition_window_days: 7, turnaround_target_hours: 1}
  - {code: F, name_zh: f, centre: laboratory, exam_type: tarot, price: "1", recognition_window_days: 7, turnaround_target_hours: 1}
  - {code: E, name_zh: e, centre: laboratory, exam_type: lab_panel, price: "1", recognition_window_days: 7, turnaround_target_hours: 1}
"""


def test_bad_file_issues_are_located() -> None:
    catalog, issues = parse_centre_catalog(BAD, "x.yaml")
    assert catalog is None
    assert {(i.code, i.line) for i in issues} == {
        ("bad_centre", 4),
        ("bad_price", 6),
        ("bad_window", 7),
        ("bad_centre", 8),
        ("missing_field", 10),
        ("bad_exam_type", 12),
        ("duplicate_code", 13),
    }


def test_find_repeat_picks_latest_inside_window() -> None:
    t = datetime(2025, 1, 10)
    priors = [
        PriorResult("old", t - timedelta(days=20)),
        PriorResult("a", t - timedelta(days=5)),
        PriorResult("b", t - timedelta(days=2)),
        PriorResult("future", t + timedelta(days=1)),
    ]
    flag = find_repeat(priors, t, 7)
    assert flag is not None and flag.prior.request_id == "b" and flag.days_between == 2
    assert find_repeat(priors, t, None) is None
    assert find_repeat(priors[:1], t, 7) is None


def test_summary_without_decisions_has_no_rate() -> None:
    s = RecognitionSummary(2, 2, 0, 0, Decimal("0"))
    assert s.rate is None and "n/a" in s.explain()
