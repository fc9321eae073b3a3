"""Institutions and medical communities of a synthetic county, and the providers outside it.

Each county has a general hospital, a TCM hospital and (usually) a maternal and child health
hospital, one health centre per township and one clinic per village. Institution codes follow
the pattern of the national medical-insurance designated-provider codes: ``H`` + six-digit
county code + five digits. Out-of-county providers are real city and provincial hospitals;
they appear only in settlements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yigong.synth.geography import CountyGeography
from yigong.synth.params import CountySpec

COMMUNITY_START = "2020-01-01"
#: the date a township centre moves from the second community to the first (history row).
COMMUNITY_SWITCH = "2023-01-01"


@dataclass(frozen=True)
class Institution:
    """One in-county institution."""

    institution_id: str
    name_zh: str
    institution_type: str
    level: str
    grade: str
    division_code: str
    emr_level: int | None
    opened_on: str
    township: int | None = None  # township index for centres and village clinics
    village: int | None = None  # flat village index for village clinics


@dataclass(frozen=True)
class Provider:
    """A hospital outside the county (seen only through settlements)."""

    code: str
    name_zh: str
    level: str
    division_code: str
    scope: str  # city / province / national / neighbour
    weight: float
    oncology_weight: float


#: out-of-county providers (real hospitals; codes follow the designated-provider pattern).
OUTSIDE_PROVIDERS: tuple[Provider, ...] = (
    Provider("H13040200001", "邯郸市中心医院", "3", "130402", "city", 0.34, 0.20),
    Provider("H13040300002", "邯郸市第一医院", "3", "130403", "city", 0.20, 0.10),
    Provider("H13010200001", "河北医科大学第二医院", "3", "130102", "province", 0.16, 0.15),
    Provider("H13010200002", "河北医科大学第四医院", "3", "130102", "province", 0.06, 0.40),
    Provider("H41050200001", "安阳市人民医院", "3", "410502", "neighbour", 0.20, 0.10),
    Provider("H11010100001", "北京协和医院", "3", "110101", "national", 0.04, 0.05),
)


@dataclass(frozen=True)
class CountyInstitutions:
    """The in-county institutions, communities and memberships."""

    hospitals: tuple[Institution, ...]  # general, TCM, (MCH)
    hospital_kinds: tuple[str, ...]  # "general" / "tcm" / "mch", parallel to hospitals
    centres: tuple[Institution, ...]  # one per township
    clinics: tuple[Institution, ...]  # one per village (flat)
    communities: tuple[dict[str, str | None], ...]
    memberships: tuple[dict[str, str | None], ...]

    @property
    def all(self) -> tuple[Institution, ...]:
        return (*self.hospitals, *self.centres, *self.clinics)

    def hospital(self, kind: str) -> Institution:
        return self.hospitals[self.hospital_kinds.index(kind)]


def build_institutions(spec: CountySpec, geo: CountyGeography) -> CountyInstitutions:
    """Institutions of one county and their medical communities (deterministic)."""
    rng = np.random.default_rng([int(spec.code), 1])
    base = spec.name_zh
    county = spec.code
    hospitals = [
        Institution(
            f"H{county}00001",
            f"{base}人民医院",
            "county_general",
            "2",
            "A",
            county,
            4,
            "1950-06-01",
        ),
        Institution(
            f"H{county}00002", f"{base}中医院", "county_tcm", "2", "A", county, 3, "1958-03-01"
        ),
    ]
    kinds = ["general", "tcm"]
    if spec.has_mch:
        hospitals.append(
            Institution(
                f"H{county}00003",
                f"{base}妇幼保健院",
                "county_mch",
                "2",
                "B",
                county,
                2,
                "1979-09-01",
            )
        )
        kinds.append("mch")
    centres = [
        Institution(
            f"H{county}{100 + t:05d}",
            f"{town.name_zh}卫生院",
            "township_centre",
            "1",
            "N",
            town.code,
            2,
            "1958-10-01",
            township=t,
        )
        for t, town in enumerate(geo.townships)
    ]
    clinics = []
    for t, villages in enumerate(geo.villages):
        for k, village in enumerate(villages):
            flat = t * spec.villages_per_township + k
            opened = f"{1975 + int(rng.integers(0, 35))}-{1 + int(rng.integers(0, 12)):02d}-01"
            clinics.append(
                Institution(
                    f"H{county}{1000 + flat:05d}",
                    f"{village.name_zh}卫生室",
                    "village_clinic",
                    "0",
                    "N",
                    village.code,
                    None,
                    opened,
                    township=t,
                    village=flat,
                )
            )
    communities, memberships = _communities(spec, hospitals, kinds, centres, clinics)
    return CountyInstitutions(
        tuple(hospitals),
        tuple(kinds),
        tuple(centres),
        tuple(clinics),
        tuple(communities),
        tuple(memberships),
    )


def _membership(
    inst: Institution,
    community: str,
    role: str,
    valid_from: str,
    valid_to: str | None = None,
    parent: str | None = None,
) -> dict[str, str | None]:
    return {
        "institution_id": inst.institution_id,
        "community_id": community,
        "role": role,
        "parent_institution_id": parent,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _communities(
    spec: CountySpec,
    hospitals: list[Institution],
    kinds: list[str],
    centres: list[Institution],
    clinics: list[Institution],
) -> tuple[list[dict[str, str | None]], list[dict[str, str | None]]]:
    n = community_count(spec, len(hospitals))
    leads = hospitals[:n]
    communities = [
        {
            "community_id": f"C{spec.code}{k + 1}",
            "name_zh": f"{lead.name_zh}医共体",
            "name_en": None,
            "county_code": spec.code,
            "valid_from": COMMUNITY_START,
            "valid_to": None,
        }
        for k, lead in enumerate(leads)
    ]
    ids = [c["community_id"] for c in communities]
    rows = [_membership(lead, ids[k], "lead", COMMUNITY_START) for k, lead in enumerate(leads)]
    rows += [_membership(h, ids[0], "member", COMMUNITY_START) for h in hospitals[n:]]
    # townships in contiguous blocks; the last township of community 2 moves to community 1
    block = community_blocks(n, len(centres)).tolist()
    mover = max((t for t in range(len(centres)) if block[t] == 1), default=None) if n > 1 else None
    late_joiner = len(centres) - 1 if n == 1 and len(centres) > 1 else None
    end_before = "2022-12-31"
    for t, centre in enumerate(centres):
        villages = [c for c in clinics if c.township == t]
        if t == mover:
            spans = [
                (ids[1], "member", COMMUNITY_START, end_before),
                (ids[0], "member", COMMUNITY_SWITCH, None),
            ]
        elif t == late_joiner:
            spans = [
                (ids[0], "affiliate", COMMUNITY_START, "2023-06-30"),
                (ids[0], "member", "2023-07-01", None),
            ]
        else:
            spans = [(ids[block[t]], "member", COMMUNITY_START, None)]
        for community, role, start, end in spans:
            rows.append(_membership(centre, community, role, start, end))
            rows += [
                _membership(v, community, "village", start, end, centre.institution_id)
                for v in villages
            ]
    return communities, rows


def community_count(spec: CountySpec, hospitals: int) -> int:
    """How many communities the county has (1–3, at most one per county hospital)."""
    return max(1, min(spec.communities, 3, hospitals))


def community_blocks(communities: int, townships: int) -> np.ndarray:
    """The community (0-based) of each township centre when the communities start: townships
    in contiguous blocks (the move of one centre in 2023 is a membership row, not a block)."""
    t = np.arange(townships)
    return np.minimum(t * communities // max(townships, 1), communities - 1)


def community_of(
    memberships: tuple[dict[str, str | None], ...], institution_id: str, day: str
) -> str | None:
    """The community an institution belongs to on `day` (ISO date), or None."""
    for m in memberships:
        if (
            m["institution_id"] == institution_id
            and str(m["valid_from"]) <= day
            and (m["valid_to"] is None or day <= str(m["valid_to"]))
        ):
            return m["community_id"]
    return None
