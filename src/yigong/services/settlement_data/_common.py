"""Shared pieces of the warehouse builders: provenance records, errors, constants."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import ibis

from yigong.payment.issues import Issue, IssueLevel, PaymentInputError

__all__ = [
    "CENTRE_TYPES",
    "LEVEL_KEY",
    "NATIONAL_PER_CAPITA",
    "RESIDENT_SCHEME",
    "Provenance",
    "error",
    "fetch",
]

#: institution types whose township (first 9 digits of their division code) decides residents' community.
CENTRE_TYPES = ("township_centre", "community_centre")

#: National minimum per-capita financing of the residents' scheme (财政补助 + 个人缴费, yuan per
#: insured person and year), from the yearly notices of 国家医保局/财政部/国家税务总局 on residents'
#: basic medical insurance. NOT in the five policy texts: an *assumption* for the default fund;
#: a county passes its real budget with ``--fund`` or ``--per-capita``.
NATIONAL_PER_CAPITA: dict[int, Decimal] = {
    2020: Decimal("830"),  # 550 + 280
    2021: Decimal("900"),  # 580 + 320
    2022: Decimal("960"),  # 610 + 350
    2023: Decimal("1020"),  # 640 + 380
    2024: Decimal("1070"),  # 670 + 400
    2025: Decimal("1100"),  # 700 + 400
}

#: institution type → the level key of policies (``drg.coefficients``, ``simple.per_bed_day``).
LEVEL_KEY = {
    "county_general": "county_hospital",
    "county_tcm": "county_hospital",
    "county_mch": "county_hospital",
    "county_specialised": "county_hospital",
    "township_centre": "township_center",
    "community_centre": "township_center",
}

RESIDENT_SCHEME = "resident"


@dataclass(frozen=True, slots=True)
class Provenance:
    """How one input was derived: the rule in words and the figures behind it."""

    item: str
    rule: str
    figures: dict[str, str] = field(default_factory=dict)


def error(code: str, message: str, fld: str = "") -> PaymentInputError:
    return PaymentInputError([Issue(IssueLevel.ERROR, code, message, "warehouse", None, fld)])


def fetch(expr: ibis.Table) -> list[dict[str, object]]:
    return expr.to_pyarrow().to_pylist()
