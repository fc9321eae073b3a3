"""One period notation: the canonical forms read as themselves, every alias reads as its
canonical form, anything else is refused naming the accepted forms."""

from __future__ import annotations

import pytest

from yigong.schema.periods import canonical_period, parse_canonical


@pytest.mark.parametrize(
    "text,canonical",
    [
        ("2024", "2024"),
        (2024, "2024"),
        ("2024Q3", "2024Q3"),
        ("2024q3", "2024Q3"),
        ("2024-Q3", "2024Q3"),
        ("202407", "202407"),
        ("2024-07", "202407"),
        ("2024M07", "202407"),
        ("2024/07", "202407"),
        (" 2024-12 ", "202412"),
    ],
)
def test_aliases_read_as_the_one_notation(text, canonical):
    assert canonical_period(text) == canonical
    assert canonical_period(canonical) == canonical


@pytest.mark.parametrize("text", ["24", "2024Q5", "2024-13", "202413", "2024-1", "May 2024", ""])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="expected a year"):
        parse_canonical(text)


def test_years_outside_the_plausible_range_are_refused():
    with pytest.raises(ValueError, match="between 1900 and 2100"):
        canonical_period("0000")
