"""The codes and UIDs by which yigong objects are known in DHIS2.

**Codes** are yigong's own ids, so data values need no lookup table (``idScheme=CODE``):
an institution is its institution code (``H13042300100``), a division its GB/T 2260 code
(``130423``), a medical community its id (``C1304231``); an indicator's value is the data
element coded as the indicator id (``C02``), its numerator ``C02_N`` and its denominator
``C02_D``; the DHIS2 indicator recomputing it is ``C02_IND``.

**UIDs** are required by DHIS2 metadata (and by indicator expressions, ``#{uid}``): 11
characters, a letter then letters or digits. They are derived from the object's kind and code
(SHA-256), so the same object has the same UID in every export and a re-import updates it.
"""

from __future__ import annotations

import hashlib
import string

__all__ = ["DATA_SET_CODES", "PERIOD_TYPES", "de_code", "org_unit_code", "period_type", "uid"]

_LETTERS = string.ascii_letters
_ALNUM = string.ascii_letters + string.digits

#: yigong period type -> DHIS2 periodType, and the code of the data set of that period type
PERIOD_TYPES = {"year": "Yearly", "quarter": "Quarterly", "month": "Monthly"}
DATA_SET_CODES = {"year": "YIGONG_Y", "quarter": "YIGONG_Q", "month": "YIGONG_M"}


def uid(kind: str, code: str) -> str:
    """A stable DHIS2 UID for an object of ``kind`` coded ``code``."""
    digest = hashlib.sha256(f"yigong:{kind}:{code}".encode()).digest()
    chars = [_LETTERS[digest[0] % len(_LETTERS)]]
    chars += [_ALNUM[b % len(_ALNUM)] for b in digest[1:11]]
    return "".join(chars)


def org_unit_code(node: str) -> str:
    """The org unit code of a yigong node (``inst:X``, ``division:X``, ``community:X`` -> X)."""
    kind, _, code = node.partition(":")
    if kind not in ("inst", "division", "community") or not code:
        raise ValueError(f"not a node: {node!r}")
    return code


def de_code(indicator: str, part: str = "value") -> str:
    """The data element code of an indicator's value, numerator or denominator."""
    return {"value": indicator, "numerator": f"{indicator}_N", "denominator": f"{indicator}_D"}[
        part
    ]


def period_type(period: str) -> str:
    """``2024`` year, ``2024Q1`` quarter, ``202401`` month."""
    if "Q" in period:
        return "quarter"
    return "month" if len(period) == 6 else "year"
