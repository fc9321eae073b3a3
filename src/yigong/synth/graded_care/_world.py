"""The synthetic county as the workflow sees it: institutions, leads, residents' homes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from yigong.graded_care.levels import CareLevel, level_of_type
from yigong.graded_care.referrals.routing import InstitutionRef
from yigong.store import models as m
from yigong.synth.graded_care._base import (
    GradedCareSummary,
    _Bulk,
    _county_of,
    _World,
)


def _build_world(
    bulk: _Bulk,
    institutions: Iterable[Mapping[str, Any]],
    summary: GradedCareSummary,
    county_code: str | None,
    outside_providers: Sequence[Mapping[str, Any]] | None = None,
) -> _World:
    items = list(institutions)
    county = county_code or next((_county_of(i) for i in items if _county_of(i)), "")
    rows: list[dict[str, Any]] = []
    by_comm: dict[str, list[tuple[str, str, CareLevel]]] = defaultdict(list)
    for inst in items:
        iid, itype = str(inst["institution_id"]), str(inst["type"])
        try:
            level = level_of_type(itype)
        except Exception as exc:  # unknown or non-clinical type: reported, not dropped silently
            summary.skipped_institutions[iid] = str(exc).split(";")[0]
            continue
        community = inst.get("community_id")
        rows.append(
            {
                "institution_id": iid,
                "name": str(inst.get("name", "")),
                "institution_type": itype,
                "level": level.key,
                "county_code": _county_of(inst) or county,
                "community_id": community,
                "is_lead": bool(inst.get("is_lead", False)),
            }
        )
        if community:
            by_comm[str(community)].append((iid, itype, level))
    leads: dict[str, str] = {}
    for comm, members in by_comm.items():
        flagged = [r["institution_id"] for r in rows if r["community_id"] == comm and r["is_lead"]]
        if flagged:
            leads[comm] = flagged[0]
            continue
        county_level = sorted(
            (0 if t == "county_general" else 1, i) for i, t, lv in members if lv is CareLevel.COUNTY
        )
        if county_level:
            leads[comm] = county_level[0][1]
    for r in rows:
        if r["community_id"] and leads.get(r["community_id"]) == r["institution_id"]:
            r["is_lead"] = True
    city = county[:4] + "00" if len(county) == 6 else "CITY"
    outside = (
        list(outside_providers)
        if outside_providers
        else [
            {
                "institution_id": f"{county}-OUT-CITY",
                "name": "市级三甲医院（合成）",
                "type": "city_hospital",
                "county_code": city,
                "weight": 0.7,
            },
            {
                "institution_id": f"{county}-OUT-PROV",
                "name": "省级医院（合成）",
                "type": "provincial_hospital",
                "county_code": city[:2] + "0000",
                "weight": 0.3,
            },
        ]
    )
    for p in outside:
        rows.append(
            {
                "institution_id": str(p["institution_id"]),
                "name": str(p.get("name", "")),
                "institution_type": str(p.get("type", "city_hospital")),
                "level": "beyond_county",
                "county_code": str(p["county_code"]),
                "community_id": None,
                "is_lead": False,
            }
        )
    out = [str(p["institution_id"]) for p in outside]
    weights = np.array([float(p.get("weight", 1.0)) for p in outside])
    for r in rows:
        bulk.add(m.Institution, r)
    summary.institutions = len(rows)
    refs = {
        r["institution_id"]: InstitutionRef(
            r["institution_id"],
            CareLevel.parse(r["level"]),
            r["county_code"],
            r["community_id"],
            leads.get(r["community_id"] or ""),
        )
        for r in rows
    }
    townships: dict[str, list[str]] = defaultdict(list)
    villages_by_comm: dict[str, list[str]] = defaultdict(list)
    for comm, members in by_comm.items():
        if comm not in leads:
            continue
        for iid, _t, level in members:
            if level is CareLevel.TOWNSHIP:
                townships[comm].append(iid)
            elif level is CareLevel.VILLAGE:
                villages_by_comm[comm].append(iid)
    villages: dict[str, list[str]] = {}
    for comm, tsps in townships.items():
        vs = villages_by_comm.get(comm, [])
        for k, t in enumerate(tsps):  # villages are dealt out round-robin to the townships
            villages[t] = vs[k :: len(tsps)]
    if not townships:
        raise ValueError(
            "no medical community has both a lead hospital and a township-level "
            "member; cannot generate graded-care activity"
        )
    return _World(
        refs,
        county,
        leads,
        dict(townships),
        villages,
        out,
        weights / weights.sum(),
        townships_set=frozenset(t for ts in townships.values() for t in ts),
    )


def _assign_homes(
    world: _World, residents: Sequence[Mapping[str, Any]], rng: np.random.Generator
) -> None:
    all_tsp = [t for ts in world.townships.values() for t in ts]
    township_of_village = {v: t for t, vs in world.villages.items() for v in vs}
    pick = rng.integers(0, len(all_tsp), size=len(residents)).tolist()
    u = rng.random(len(residents)).tolist()
    for r, k, x in zip(residents, pick, u, strict=True):
        home = r.get("home_institution_id")
        tsp = all_tsp[k]
        village = None
        if home in township_of_village:
            village = str(home)
            tsp = township_of_village[village]
        elif home in world.townships_set:
            tsp = str(home)
        if village is None:
            vs = world.villages.get(tsp)
            if vs:
                village = vs[int(x * len(vs))]
        world.home_township.append(tsp)
        world.home_village.append(village)
