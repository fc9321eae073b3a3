"""Care levels of the three-level disease catalogs, and which institution type sits at which level.

县、乡、村三级疾病诊疗目录 (Henan 2020 opinions, task (3)7): the county catalog, the township
catalog and the village catalog say at which level a disease is normally treated. Institutions
outside the county (city and provincial hospitals) are one level above the county.
"""

from __future__ import annotations

from enum import IntEnum

from yigong.graded_care.errors import InvalidRequest


class CareLevel(IntEnum):
    """Level of care; the integer order is the referral order (up = larger)."""

    VILLAGE = 1
    TOWNSHIP = 2
    COUNTY = 3
    BEYOND_COUNTY = 4

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def name_zh(self) -> str:
        return _LEVEL_ZH[self]

    @classmethod
    def parse(cls, text: str) -> CareLevel:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            allowed = ", ".join(level.key for level in cls)
            raise InvalidRequest(
                f"unknown care level {text!r}; expected one of {allowed}"
            ) from None


_LEVEL_ZH = {
    CareLevel.VILLAGE: "村级",
    CareLevel.TOWNSHIP: "乡级",
    CareLevel.COUNTY: "县级",
    CareLevel.BEYOND_COUNTY: "县域外（市级及以上）",
}

#: Institution type (codes of ``yigong.schema.codes.INSTITUTION_TYPE``, plus ``city_hospital`` and
#: ``provincial_hospital`` for out-of-county receivers) → level. ``public_health`` institutions
#: (CDC, MCH stations) do not treat patients and have no care level.
INSTITUTION_TYPE_LEVELS: dict[str, CareLevel] = {
    "county_general": CareLevel.COUNTY,
    "county_tcm": CareLevel.COUNTY,
    "county_mch": CareLevel.COUNTY,
    "county_specialised": CareLevel.COUNTY,
    "private_hospital": CareLevel.COUNTY,
    "rehabilitation": CareLevel.COUNTY,
    "nursing_home": CareLevel.TOWNSHIP,
    "township_centre": CareLevel.TOWNSHIP,
    "community_centre": CareLevel.TOWNSHIP,
    "village_clinic": CareLevel.VILLAGE,
    "community_station": CareLevel.VILLAGE,
    "city_general": CareLevel.BEYOND_COUNTY,
    "city_hospital": CareLevel.BEYOND_COUNTY,
    "provincial_hospital": CareLevel.BEYOND_COUNTY,
}


def level_of_type(institution_type: str) -> CareLevel:
    """The care level of an institution type; unknown types are refused, never guessed."""
    try:
        return INSTITUTION_TYPE_LEVELS[institution_type]
    except KeyError:
        known = ", ".join(sorted(INSTITUTION_TYPE_LEVELS))
        raise InvalidRequest(
            f"unknown institution type {institution_type!r}; known types: {known} "
            "(or give the level explicitly)"
        ) from None
