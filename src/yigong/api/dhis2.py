"""Indicator values as a DHIS2 ``dataValueSet`` (the Web API's import/export format).

``dataElement`` is the indicator id, ``period`` the DHIS2 period code (``2024``, ``2024Q1``,
``202401`` — the same codes `yigong.indicators.periods` uses), ``orgUnit`` the node, and the
comment carries numerator and denominator so every value still explains itself.
Indicators without a value (not computable) are left out and listed under ``skipped``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from yigong.indicators.evaluate import IndicatorResult

__all__ = ["CSV_COLUMNS", "data_value_set", "data_value_set_csv"]

#: DHIS2's CSV data value columns, in its order
CSV_COLUMNS = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]


def _value(r: IndicatorResult) -> str:
    return f"{r.value:.{r.decimals}f}"


def _comment(r: IndicatorResult) -> str:
    return f"numerator={r.numerator}; denominator={r.denominator}; factor={r.factor:g}"


def data_value_set(results: list[IndicatorResult]) -> dict[str, Any]:
    kept = [r for r in results if r.value is not None]
    return {
        "dataValues": [
            {
                "dataElement": r.indicator,
                "period": r.period,
                "orgUnit": r.node,
                "value": _value(r),
                "comment": _comment(r),
            }
            for r in kept
        ],
        "skipped": [
            {"dataElement": r.indicator, "status": str(r.status), "note": r.note}
            for r in results
            if r.value is None
        ],
    }


def data_value_set_csv(results: list[IndicatorResult]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for r in results:
        if r.value is not None:
            w.writerow(
                [
                    r.indicator,
                    r.period,
                    r.node,
                    "",
                    "",
                    _value(r),
                    "yigong",
                    "",
                    _comment(r),
                    "false",
                ]
            )
    return buf.getvalue()
