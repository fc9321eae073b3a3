"""Screening periods: a year, a quarter or a month; anything else is refused with the forms."""

from __future__ import annotations

from datetime import date

import pytest

from yigong.oversight import parse_period


def test_forms_and_previous_year() -> None:
    assert (parse_period(2024).start, parse_period(2024).end) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    q = parse_period("2024q1")
    assert (q.label, q.start, q.end) == ("2024Q1", date(2024, 1, 1), date(2024, 3, 31))
    m = parse_period("2024-02")  # an alias: the label is the one notation
    assert (m.label, m.end, m.previous_year().end) == (
        "202402",
        date(2024, 2, 29),
        date(2023, 2, 28),
    )


@pytest.mark.parametrize("text", ["24", "2024Q5", "2024-13", "0000", "2024-1", "May 2024"])
def test_refused(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(text)
