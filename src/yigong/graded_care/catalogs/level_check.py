"""Was an encounter treated at its catalog level? (above / below / at level / uncatalogued)

"above": treated at a higher level than the catalog's (e.g. a stable hypertension visit at the
county hospital — the base should have kept it); "below": treated at a lower level than the
catalog's (e.g. an acute myocardial infarction kept at a township centre). Each result names the
catalog entry and file line that decided it, so the verdict explains itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from yigong.graded_care.catalogs.catalog import DiseaseCatalog, Setting
from yigong.graded_care.levels import CareLevel


class LevelVerdict(StrEnum):
    AT_LEVEL = "at_level"
    ABOVE = "above"
    BELOW = "below"
    UNCATALOGUED = "uncatalogued"

    @property
    def name_zh(self) -> str:
        return {
            "at_level": "符合目录层级",
            "above": "高于目录层级（应在基层）",
            "below": "低于目录层级（超出能力）",
            "uncatalogued": "目录未收录",
        }[self.value]


@dataclass(frozen=True)
class LevelCheck:
    """The verdict for one encounter, with its explanation."""

    encounter_id: str
    diagnosis_icd10: str
    treated_level: CareLevel
    verdict: LevelVerdict
    catalog_level: CareLevel | None
    explanation: str


def check_encounter(
    catalog: DiseaseCatalog,
    diagnosis_icd10: str,
    treated_level: CareLevel,
    setting: Setting | str,
    encounter_id: str = "",
) -> LevelCheck:
    """Compare the level where the encounter happened with the catalog level of its diagnosis."""
    match = catalog.lookup(diagnosis_icd10, setting)
    if match is None:
        return LevelCheck(
            encounter_id,
            diagnosis_icd10,
            treated_level,
            LevelVerdict.UNCATALOGUED,
            None,
            f"{diagnosis_icd10} ({Setting(setting).value}) is in no entry of "
            f"catalog {catalog.county}-{catalog.version}",
        )
    level = match.level
    if treated_level > level:
        verdict = LevelVerdict.ABOVE
    elif treated_level < level:
        verdict = LevelVerdict.BELOW
    else:
        verdict = LevelVerdict.AT_LEVEL
    why = (
        f"{match.code} matches {match.token.text} ({match.entry.name_zh}) → {level.key}, "
        f"{catalog.county}-{catalog.version} line {match.entry.line}; treated at "
        f"{treated_level.key}"
    )
    return LevelCheck(encounter_id, diagnosis_icd10, treated_level, verdict, level, why)


@dataclass(frozen=True)
class EncounterLevelInput:
    """The fields a level check needs from an encounter."""

    encounter_id: str
    diagnosis_icd10: str
    treated_level: CareLevel
    setting: Setting


def check_encounters(
    catalog: DiseaseCatalog, encounters: Iterable[EncounterLevelInput]
) -> tuple[list[LevelCheck], Counter[LevelVerdict]]:
    """Check many encounters; also return the count per verdict (numerators for indicators)."""
    results = [
        check_encounter(catalog, e.diagnosis_icd10, e.treated_level, e.setting, e.encounter_id)
        for e in encounters
    ]
    return results, Counter(r.verdict for r in results)
