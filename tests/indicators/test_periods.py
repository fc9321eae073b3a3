from __future__ import annotations

from datetime import date

import pytest

from yigong.indicators.periods import parse_period
from yigong.indicators.spec import PeriodType


@pytest.mark.parametrize(
    ("code", "start", "end", "prev", "year_before"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "2023", "2023"),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 31), "2023Q4", "2023Q1"),
        ("2024Q3", date(2024, 7, 1), date(2024, 9, 30), "2024Q2", "2023Q3"),
        ("202402", date(2024, 2, 1), date(2024, 2, 29), "202401", "202302"),
        ("202401", date(2024, 1, 1), date(2024, 1, 31), "202312", "202301"),
    ],
)
def test_bounds_and_neighbours(code, start, end, prev, year_before):
    p = parse_period(code)
    assert (p.start, p.end, p.code) == (start, end, code)
    assert p.previous().code == prev
    assert p.year_earlier().code == year_before


def test_types_and_errors():
    assert parse_period("2024q2").type is PeriodType.QUARTER
    for bad in ("24", "2024Q5", "202413", "2024-13", ""):
        with pytest.raises(ValueError, match="expected a year"):
            parse_period(bad)
    # the other notations are input aliases of the one notation
    assert parse_period("2024-01").code == parse_period("2024M01").code == "202401"
