"""The DHIS2 payload shapes yigong writes, restated from the DHIS2 developer manual as strict
models (an unknown key or a missing required field fails), so tests and ``yigong interop``
can check an export the way a DHIS2 import would read it.

Sources (docs.dhis2.org, Developer → Web API):

- "Data" → *Sending data values* and *Sending bulks of data values*: a ``dataValueSet`` with
  optional ``dataSet``, ``completeDate``, ``period``, ``orgUnit``, ``attributeOptionCombo`` and
  ``dataValues``, each with ``dataElement``, ``period``, ``orgUnit``, ``categoryOptionCombo``,
  ``attributeOptionCombo``, ``value``, ``comment``, ``followup``; values are strings.
- "Data" → *Identifier schemes*: with ``idScheme=CODE`` the identifiers are object codes.
- "Data" → *CSV data value format*: data element, period, org unit (required), category option
  combo, attribute option combo, value, stored by, last updated, comment, follow up.
- "Data" → *ADX data format*: root ``adx`` (namespace ``urn:ihe:qrph:adx:2015``, mandatory
  ``exported``), ``group`` with mandatory ``orgUnit``, ``period`` (ISO 8601 start/duration)
  and ``dataSet``, ``dataValue`` with mandatory ``dataElement`` and ``value``.
- "Metadata" → *Metadata import* and the schemas of ``organisationUnits`` (name, shortName,
  openingDate required), ``dataElements`` (name, shortName, valueType, aggregationType,
  domainType), ``indicators`` (name, shortName, numerator, denominator, indicatorType),
  ``indicatorTypes`` (name, factor), ``dataSets`` (name, periodType).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yigong.interop.dhis2.datavalues import ADX_NS

__all__ = ["CsvRow", "DataValueSet", "Metadata", "check_adx"]

UID = r"^[A-Za-z][A-Za-z0-9]{10}$"
PERIOD = r"^\d{4}(Q[1-4]|0[1-9]|1[0-2])?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ref(_Strict):
    id: str = Field(pattern=UID)


class DataValueIn(_Strict):
    dataElement: str = Field(min_length=1, max_length=50)
    period: str = Field(pattern=PERIOD)
    orgUnit: str = Field(min_length=1, max_length=50)
    categoryOptionCombo: str | None = None
    attributeOptionCombo: str | None = None
    value: str
    comment: str | None = Field(default=None, max_length=50000)
    followup: bool | None = None

    @field_validator("value")
    @classmethod
    def _numeric(cls, v: str) -> str:  # every yigong data element is of value type NUMBER
        float(v)
        return v


class DataValueSet(_Strict):
    dataSet: str | None = None
    completeDate: date | None = None
    period: str | None = Field(default=None, pattern=PERIOD)
    orgUnit: str | None = None
    attributeOptionCombo: str | None = None
    dataValues: list[DataValueIn]


class CsvRow(_Strict):
    dataelement: str = Field(min_length=1)
    period: str = Field(pattern=PERIOD)
    orgunit: str = Field(min_length=1)
    categoryoptioncombo: str = ""
    attributeoptioncombo: str = ""
    value: str
    storedby: str = ""
    lastupdated: str = ""
    comment: str = ""
    followup: Literal["true", "false", ""] = ""


class Translation(_Strict):
    property: Literal["NAME", "SHORT_NAME", "DESCRIPTION", "FORM_NAME"]
    locale: str = Field(min_length=2)
    value: str = Field(min_length=1)


class _Named(_Strict):
    id: str = Field(pattern=UID)
    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=230)
    shortName: str = Field(min_length=1, max_length=50)
    translations: list[Translation] = []


class OrganisationUnit(_Named):
    openingDate: date
    closedDate: date | None = None
    parent: Ref | None = None


class OrganisationUnitGroup(_Named):
    organisationUnits: list[Ref]


class OrganisationUnitGroupSet(_Named):
    compulsory: bool
    dataDimension: bool
    organisationUnitGroups: list[Ref]


class DataElement(_Named):
    formName: str | None = None
    valueType: Literal["NUMBER", "INTEGER", "INTEGER_ZERO_OR_POSITIVE", "PERCENTAGE"]
    aggregationType: Literal["SUM", "AVERAGE", "NONE", "LAST", "MIN", "MAX"]
    domainType: Literal["AGGREGATE", "TRACKER"]
    zeroIsSignificant: bool
    categoryCombo: Ref
    description: str | None = None


class IndicatorType(_Strict):
    id: str = Field(pattern=UID)
    code: str
    name: str
    factor: int
    number: bool


class Indicator(_Named):
    numerator: str = Field(min_length=1)
    numeratorDescription: str | None = None
    denominator: str = Field(min_length=1)
    denominatorDescription: str | None = None
    indicatorType: Ref
    annualized: bool
    decimals: int | None = Field(default=None, ge=0, le=5)


class DataSetElement(_Strict):
    dataElement: Ref


class DataSet(_Named):
    periodType: Literal["Yearly", "Quarterly", "Monthly"]
    categoryCombo: Ref
    dataSetElements: list[DataSetElement]
    indicators: list[Ref] = []
    organisationUnits: list[Ref]


class Metadata(_Strict):
    organisationUnits: list[OrganisationUnit]
    organisationUnitGroups: list[OrganisationUnitGroup]
    organisationUnitGroupSets: list[OrganisationUnitGroupSet]
    dataElements: list[DataElement]
    indicatorTypes: list[IndicatorType]
    indicators: list[Indicator]
    dataSets: list[DataSet]


_ADX_PERIOD = re.compile(r"^\d{4}-\d{2}-\d{2}/P(1Y|3M|1M|7D|1D|2M|6M)$")


def check_adx(text: str) -> list[str]:
    """The problems of an ADX message against the documented mandatory attributes."""

    root = ET.fromstring(text)
    problems = []
    if root.tag != f"{{{ADX_NS}}}adx":
        problems.append(f"root is {root.tag}, not adx in {ADX_NS}")
    if "exported" not in root.attrib:
        problems.append("adx without exported")
    for i, g in enumerate(root):
        if g.tag != f"{{{ADX_NS}}}group":
            problems.append(f"element {i} is {g.tag}, not group")
            continue
        missing = {"orgUnit", "period", "dataSet"} - set(g.attrib)
        if missing:
            problems.append(f"group {i} lacks {sorted(missing)}")
        if not _ADX_PERIOD.match(g.attrib.get("period", "")):
            problems.append(f"group {i}: period {g.attrib.get('period')!r} is not start/duration")
        for d in g:
            if {"dataElement", "value"} - set(d.attrib):
                problems.append(f"group {i}: a dataValue lacks dataElement or value")
    return problems
