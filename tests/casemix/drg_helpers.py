"""Test helpers: the reference samples (copied from the project's DRG reference samples: samples/README.md) and both engines."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from yigong.casemix import Case, cases_to_table, explain_case, group_cases

SAMPLES = Path(__file__).parent / "samples"
SCHEMES = {
    "chs-drg-1.1": "expected_chs_drg_1_1.csv",
    "chs-drg-1.1-handan-2022": "expected_handan_2022.csv",
}
NATIONAL, HANDAN = "chs-drg-1.1", "chs-drg-1.1-handan-2022"

Result = tuple[str, str, str, str, str]  # status, mdc, adrg, drg, rule_id
Grouper = Callable[[list[Case], str], list[Result]]


def expected_rows(scheme: str) -> list[dict[str, str]]:
    with (SAMPLES / SCHEMES[scheme]).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def batch(cases: list[Case], scheme: str) -> list[Result]:
    t = group_cases(cases_to_table(cases), scheme)
    return [
        (r["status"], r["mdc"] or "", r["adrg"] or "", r["drg"] or "", r["rule_id"] or "")
        for r in t.to_pylist()
    ]


def per_case(cases: list[Case], scheme: str) -> list[Result]:
    out = []
    for c in cases:
        tr = explain_case(c, scheme)
        out.append((tr.status, tr.mdc or "", tr.adrg or "", tr.drg or "", tr.rule_id or ""))
    return out
