"""Indicator values as DHIS2 data values referencing the metadata by code: JSON
(``dataValueSets``), CSV and IHE ADX, and the readers that parse each back (the round trip).

Per indicator result with a value: the value (data element ``C02``), and its numerator
(``C02_N``) and denominator (``C02_D``) when it has them; ``period`` is the DHIS2 period code
(``2024``, ``2024Q1``, ``202401`` — the codes `yigong.indicators.periods` uses), ``orgUnit`` the
org unit code (`codes.org_unit_code`). The comment keeps numerator, denominator and factor so a
value still explains itself. A result without a value (not computable) sends nothing: DHIS2 has
no place for a reason, and the JSON carries no key DHIS2 does not define.

Import with ``POST /api/dataValueSets?idScheme=CODE`` (JSON: ``application/json``; CSV:
``application/csv``; ADX: ``application/adx+xml``) — DHIS2 developer manual, "Data values":
*Sending bulks of data values*, *Identifier schemes*, *CSV data value format*, *ADX data
format*.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree import ElementTree as ET

from yigong.indicators.evaluate import IndicatorResult
from yigong.interop.dhis2.codes import DATA_SET_CODES, de_code, org_unit_code, period_type

__all__ = [
    "ADX_NS",
    "CSV_COLUMNS",
    "DataValue",
    "adx",
    "data_value_set",
    "data_value_set_csv",
    "data_values",
    "read_adx",
    "read_csv",
    "read_json",
]

#: DHIS2's CSV data value columns, in its order (the header row is skipped on import)
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
ADX_NS = "urn:ihe:qrph:adx:2015"


@dataclass(frozen=True)
class DataValue:
    """One DHIS2 data value, by code."""

    data_element: str
    period: str
    org_unit: str
    value: str
    comment: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.data_element, self.period, self.org_unit)


def _number(v: object, decimals: int | None = None) -> str:
    if decimals is not None and isinstance(v, float):
        return f"{v:.{decimals}f}"
    return str(v)


def data_values(results: Iterable[IndicatorResult]) -> list[DataValue]:
    """The data values of every result that has a value."""
    out: list[DataValue] = []
    for r in results:
        if r.value is None:
            continue
        ou = org_unit_code(r.node)
        comment = f"numerator={r.numerator}; denominator={r.denominator}; factor={r.factor:g}"
        out.append(
            DataValue(de_code(r.indicator), r.period, ou, _number(r.value, r.decimals), comment)
        )
        for part, v in (("numerator", r.numerator), ("denominator", r.denominator)):
            if v is not None:
                out.append(DataValue(de_code(r.indicator, part), r.period, ou, _number(v)))
    return out


def data_value_set(values: Iterable[DataValue]) -> dict[str, Any]:
    """The JSON ``dataValueSet`` (bulk form: period and org unit on every value)."""
    rows = []
    for v in values:
        row = {
            "dataElement": v.data_element,
            "period": v.period,
            "orgUnit": v.org_unit,
            "value": v.value,
        }
        if v.comment:
            row["comment"] = v.comment
        rows.append(row)
    return {"dataValues": rows}


def data_value_set_csv(values: Iterable[DataValue]) -> str:
    """The same values in DHIS2's CSV columns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for v in values:
        w.writerow(
            [
                v.data_element,
                v.period,
                v.org_unit,
                "",
                "",
                v.value,
                "yigong",
                "",
                v.comment,
                "false",
            ]
        )
    return buf.getvalue()


def adx_period(period: str) -> str:
    """A DHIS2 period code as ADX's ISO 8601 start/duration (``2024Q2`` -> ``2024-04-01/P3M``)."""
    kind = period_type(period)
    year = int(period[:4])
    if kind == "quarter":
        return f"{date(year, 3 * int(period[5]) - 2, 1).isoformat()}/P3M"
    if kind == "month":
        return f"{date(year, int(period[4:6]), 1).isoformat()}/P1M"
    return f"{date(year, 1, 1).isoformat()}/P1Y"


def _dhis_period(adx: str) -> str:
    start, _, duration = adx.partition("/")
    d = date.fromisoformat(start)
    if duration == "P1Y":
        return str(d.year)
    if duration == "P3M":
        return f"{d.year}Q{(d.month - 1) // 3 + 1}"
    if duration == "P1M":
        return f"{d.year}{d.month:02d}"
    raise ValueError(f"ADX period {adx!r}: only P1Y, P3M and P1M are written by yigong")


def adx(values: Iterable[DataValue], exported: str) -> str:
    """The values as an ADX message: one ``group`` per org unit, period and data set (the data
    set of the period's type), codes as identifiers, ISO 8601 periods."""
    root = ET.Element("adx", {"xmlns": ADX_NS, "exported": exported})
    groups: dict[tuple[str, str], ET.Element] = {}
    for v in values:
        key = (v.org_unit, v.period)
        if key not in groups:
            groups[key] = ET.SubElement(
                root,
                "group",
                {
                    "orgUnit": v.org_unit,
                    "period": adx_period(v.period),
                    "dataSet": DATA_SET_CODES[period_type(v.period)],
                },
            )
        attrs = {"dataElement": v.data_element, "value": v.value}
        if v.comment:
            attrs["comment"] = v.comment
        ET.SubElement(groups[key], "dataValue", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def read_json(payload: dict[str, Any]) -> list[DataValue]:
    """The values of a JSON dataValueSet (bulk or with set-level period / orgUnit)."""
    out = []
    for d in payload.get("dataValues", []):
        out.append(
            DataValue(
                d["dataElement"],
                d.get("period", payload.get("period", "")),
                d.get("orgUnit", payload.get("orgUnit", "")),
                str(d.get("value", "")),
                d.get("comment", ""),
            )
        )
    return out


def read_csv(text: str) -> list[DataValue]:
    """The values of a DHIS2 CSV (first row: header)."""
    rows = list(csv.reader(io.StringIO(text)))
    return [DataValue(r[0], r[1], r[2], r[5], r[8] if len(r) > 8 else "") for r in rows[1:] if r]


def read_adx(text: str) -> list[DataValue]:
    """The values of an ADX message (periods back to DHIS2 codes)."""
    root = ET.fromstring(text)
    ns = {"a": ADX_NS}
    out = []
    for g in root.findall("a:group", ns):
        period = _dhis_period(g.attrib["period"])
        for d in g.findall("a:dataValue", ns):
            out.append(
                DataValue(
                    d.attrib["dataElement"],
                    period,
                    g.attrib["orgUnit"],
                    d.attrib["value"],
                    d.attrib.get("comment", ""),
                )
            )
    return out
