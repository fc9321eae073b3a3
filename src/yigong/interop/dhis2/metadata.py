"""DHIS2 metadata from the hierarchy and the indicator catalog, for ``POST /api/metadata``.

- **organisationUnits**: one tree — the administrative divisions (province → city → county →
  township → village, GB/T 2260 codes) with each institution under the division it lies in,
  and each medical community as an org unit under its county (it carries the community's own
  indicator values; DHIS2 stores data values on org units only). Codes, names (Chinese, English
  as a translation), opening and closing dates.
- **organisationUnitGroups** / **organisationUnitGroupSets**: the community hierarchy — one
  group per medical community holding its member institutions, in the group set ``YIGONG_MC``.
- **dataElements**: per indicator its value (``C02``), numerator (``C02_N``) and denominator
  (``C02_D``); value type ``NUMBER``, aggregation ``NONE`` (yigong computes every level itself,
  so DHIS2 must not add them up again).
- **indicatorTypes** / **indicators**: per indicator ``#{numerator}`` over ``#{denominator}``
  (× the divisor; ``1`` for a count) with the factor as indicator type, so DHIS2 recomputes
  the value from the two data elements (growth: the change over the base before).
- **dataSets**: one per period type (yearly, quarterly, monthly) with the data elements of the
  indicators defined for it, assigned to every org unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from yigong.indicators.spec import Indicator, IndicatorKind
from yigong.interop.dhis2.codes import DATA_SET_CODES, PERIOD_TYPES, de_code, uid

__all__ = ["DEFAULT_CATEGORY_COMBO", "Community", "Unit", "metadata"]

#: the UID every DHIS2 instance gives its ``default`` category combination
DEFAULT_CATEGORY_COMBO = "bjDvmb4bfuf"
GROUP_SET_CODE = "YIGONG_MC"
_PARTS_ZH = {"value": "", "numerator": "（分子）", "denominator": "（分母）"}
_PARTS_EN = {"value": "", "numerator": " (numerator)", "denominator": " (denominator)"}


@dataclass(frozen=True)
class Unit:
    """An administrative division or an institution: code, names, parent code, dates."""

    code: str
    name_zh: str
    name_en: str
    parent: str | None
    opened: date
    closed: date | None = None


@dataclass(frozen=True)
class Community:
    """A medical community: its org unit under the county and its member institutions."""

    code: str
    name_zh: str
    name_en: str
    county: str
    opened: date
    closed: date | None
    members: tuple[str, ...]


def _translations(name_en: str, short_en: str) -> list[dict[str, str]]:
    if not name_en:
        return []
    return [
        {"property": "NAME", "locale": "en", "value": name_en[:230]},
        {"property": "SHORT_NAME", "locale": "en", "value": short_en[:50]},
    ]


def _org_unit(code: str, zh: str, en: str, parent: str | None, opened: date, closed: date | None):
    unit: dict[str, Any] = {
        "id": uid("organisationUnit", code),
        "code": code,
        "name": zh[:230],
        "shortName": zh[:50],
        "openingDate": opened.isoformat(),
        "translations": _translations(en, en),
    }
    if parent:
        unit["parent"] = {"id": uid("organisationUnit", parent)}
    if closed:
        unit["closedDate"] = closed.isoformat()
    return unit


def _ordered(units: list[Unit]) -> list[Unit]:
    """Parents before children (the order a reader expects; DHIS2 accepts any)."""
    by_code = {u.code: u for u in units}

    def depth(u: Unit) -> int:
        d, seen = 0, set()
        while u.parent and u.parent in by_code and u.code not in seen:
            seen.add(u.code)
            u, d = by_code[u.parent], d + 1
        return d

    return sorted(units, key=lambda u: (depth(u), u.code))


def _data_element(ind: Indicator, part: str) -> dict[str, Any]:
    code = de_code(ind.id, part)
    zh = f"{ind.id} {ind.name_zh or ind.name_en}{_PARTS_ZH[part]}"
    en = f"{ind.id} {ind.name_en}{_PARTS_EN[part]}" if ind.name_en else ""
    short_zh = f"{code} {ind.name_zh or ind.name_en}"
    return {
        "id": uid("dataElement", code),
        "code": code,
        "name": zh[:230],
        "shortName": short_zh[:50],
        "formName": zh[:230],
        "valueType": "NUMBER",
        "aggregationType": "NONE",
        "domainType": "AGGREGATE",
        "zeroIsSignificant": True,
        "categoryCombo": {"id": DEFAULT_CATEGORY_COMBO},
        "description": (ind.clause or ind.source or "")[:1000],
        "translations": _translations(en, f"{code} {ind.name_en}"),
    }


def _parts(ind: Indicator) -> list[str]:
    """Every indicator has its three data elements: a result carries numerator and
    denominator whatever the kind (growth: the change and the base before)."""
    if ind.kind is IndicatorKind.COUNT:
        return ["value", "numerator"]
    return ["value", "numerator", "denominator"]


def _indicator(ind: Indicator) -> dict[str, Any]:
    """A DHIS2 indicator recomputing the value from its data elements (growth: the change
    over the base before, both stored by yigong)."""
    num = "#{" + uid("dataElement", de_code(ind.id, "numerator")) + "}"
    if ind.kind is IndicatorKind.COUNT:
        den = "1"
    else:
        den = "#{" + uid("dataElement", de_code(ind.id, "denominator")) + "}"
    if ind.divisor != 1:
        den = f"{den}*{ind.divisor:g}"
    code = f"{ind.id}_IND"
    zh = f"{ind.id} {ind.name_zh or ind.name_en}"
    return {
        "id": uid("indicator", code),
        "code": code,
        "name": zh[:230],
        "shortName": f"{code} {ind.name_zh or ind.name_en}"[:50],
        "numerator": num,
        "numeratorDescription": f"{ind.id} numerator",
        "denominator": den,
        "denominatorDescription": f"{ind.id} denominator",
        "indicatorType": {"id": uid("indicatorType", _factor_code(ind.factor))},
        "annualized": False,
        "decimals": min(ind.decimals, 5),
        "translations": _translations(
            f"{ind.id} {ind.name_en}" if ind.name_en else "", f"{code} {ind.name_en}"
        ),
    }


def _factor_code(factor: float) -> str:
    return f"YIGONG_FACTOR_{int(factor)}"


def metadata(
    units: Iterable[Unit], communities: Iterable[Community], indicators: Iterable[Indicator]
) -> dict[str, Any]:
    """The metadata payload (see the module docstring)."""
    units = _ordered(list(units))
    communities = sorted(communities, key=lambda c: c.code)
    indicators = sorted(indicators, key=lambda i: i.id)
    known = {u.code for u in units}
    org_units = [
        _org_unit(u.code, u.name_zh, u.name_en, u.parent, u.opened, u.closed) for u in units
    ]
    org_units += [
        _org_unit(c.code, c.name_zh, c.name_en, c.county, c.opened, c.closed) for c in communities
    ]
    groups = [
        {
            "id": uid("organisationUnitGroup", c.code),
            "code": f"{c.code}_MEMBERS",
            "name": f"{c.name_zh}成员"[:230],
            "shortName": f"{c.code} {c.name_zh}"[:50],
            "translations": _translations(
                f"{c.name_en} members" if c.name_en else "", f"{c.code} {c.name_en}"
            ),
            "organisationUnits": [
                {"id": uid("organisationUnit", m)} for m in sorted(c.members) if m in known
            ],
        }
        for c in communities
    ]
    group_set = {
        "id": uid("organisationUnitGroupSet", GROUP_SET_CODE),
        "code": GROUP_SET_CODE,
        "name": "医共体",
        "shortName": "医共体",
        "compulsory": False,
        "dataDimension": True,
        "translations": _translations("Medical community", "Medical community"),
        "organisationUnitGroups": [{"id": g["id"]} for g in groups],
    }
    elements = [_data_element(i, part) for i in indicators for part in _parts(i)]
    dhis_indicators = [_indicator(i) for i in indicators]
    factors = sorted({int(i.factor) for i in indicators})
    types = [
        {
            "id": uid("indicatorType", _factor_code(f)),
            "code": _factor_code(f),
            "name": f"yigong factor {f}",
            "factor": f,
            "number": f == 1,
        }
        for f in factors
    ]
    every_unit = [{"id": u["id"]} for u in org_units]
    data_sets = []
    for kind, period_type in PERIOD_TYPES.items():
        chosen = [i for i in indicators if kind in {p.value for p in i.period_types}]
        code = DATA_SET_CODES[kind]
        data_sets.append(
            {
                "id": uid("dataSet", code),
                "code": code,
                "name": f"医共体指标（{ {'year': '年', 'quarter': '季', 'month': '月'}[kind] }报）",
                "shortName": f"yigong {period_type}",
                "periodType": period_type,
                "categoryCombo": {"id": DEFAULT_CATEGORY_COMBO},
                "translations": _translations(
                    f"County medical community indicators ({period_type.lower()})",
                    f"yigong {period_type}",
                ),
                "dataSetElements": [
                    {"dataElement": {"id": uid("dataElement", de_code(i.id, part))}}
                    for i in chosen
                    for part in _parts(i)
                ],
                "indicators": [{"id": uid("indicator", f"{i.id}_IND")} for i in chosen],
                "organisationUnits": every_unit,
            }
        )
    return {
        "organisationUnits": org_units,
        "organisationUnitGroups": groups,
        "organisationUnitGroupSets": [group_set],
        "dataElements": elements,
        "indicatorTypes": types,
        "indicators": dhis_indicators,
        "dataSets": data_sets,
    }
