"""The declared gaps and the suite agree: every gap a backend declares is named by a compliance
test (so it is exercised as a strict expected failure), every feature a test names exists, and
`docs/scale.md` lists exactly the Spark backend's gaps."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from yigong.warehouse import BACKENDS, FEATURES, gaps

DOCS = Path(__file__).parents[3] / "docs" / "scale.md"


def _marks(obj: object) -> list[pytest.Mark]:
    marks = list(getattr(obj, "pytestmark", []))
    for mark in list(marks):
        if mark.name == "parametrize":  # pytest.param(…, marks=…) of a parametrised test
            marks += [m for value in mark.args[1] for m in getattr(value, "marks", ())]
    return marks


def _needed() -> set[str]:
    """Every feature a test of this suite names with ``@pytest.mark.needs``."""
    out: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for obj in vars(module).values():
            out |= {f for m in _marks(obj) if m.name == "needs" for f in m.args}
    return out


def test_every_declared_gap_is_exercised():
    needed = _needed()
    for kind in BACKENDS:
        missing = set(gaps(kind)) - needed
        assert not missing, f"{kind} declares gaps no compliance test needs: {sorted(missing)}"


def test_tests_name_known_features():
    unknown = _needed() - set(FEATURES)
    assert not unknown, f"needs() names unknown features {sorted(unknown)}"


def test_docs_list_the_declared_spark_gaps():
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Declared unsupported on Spark", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z:_]+)`", section, flags=re.MULTILINE))
    assert listed == set(gaps("spark"))
