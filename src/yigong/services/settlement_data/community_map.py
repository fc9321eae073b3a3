"""Which communities a county has on a date, and which townships each one covers.

The rule (which institution types are the township's health centre, which community takes the
rest) is the policy's ``communities`` section; this module runs it on the canonical tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import ibis

from yigong.payment.policy_inputs import CommunityCoverage, InstitutionLevels
from yigong.payment.records import Institution
from yigong.services.settlement_data._common import error, fetch
from yigong.warehouse.hierarchy import Node, NodeKind, division_prefix, institution_set
from yigong.warehouse.protocol import Tables

__all__ = ["CommunityMap", "community_map", "member_institutions"]


@dataclass(frozen=True, slots=True)
class CommunityMap:
    """The county's communities on ``as_of``, and which township each community covers."""

    county: str
    as_of: date
    communities: tuple[tuple[str, str], ...]  # (community_id, name_zh), by id
    lead_community: str
    townships: tuple[tuple[str, str], ...]  # (9-digit township code, community_id)
    ambiguous: tuple[str, ...]  # townships with centres in two communities (first id wins)
    coverage: CommunityCoverage  # the policy rule the map was drawn by

    @property
    def prefix(self) -> str:
        return division_prefix(self.county, "county")

    def table(self) -> ibis.Table:
        """The township → community map as an in-memory Ibis table (joined in the database)."""
        codes = [t for t, _ in self.townships] or ["-"]
        comms = [c for _, c in self.townships] or [self.lead_community]
        return ibis.memtable({"township": codes, "map_community": comms})

    def attribute(self, t: ibis.Table, residence: str) -> ibis.Table:
        """Add ``community_id`` to ``t`` from its residence column (the lead community if none)."""
        m = self.table()
        joined = t.left_join(m, t[residence].substr(0, 9) == m.township)
        return joined.mutate(
            community_id=joined.map_community.fill_null(self.lead_community),
            by_residence=joined.map_community.notnull(),
        ).drop("township", "map_community")


def community_map(
    tables: Tables, county: str, as_of: date, coverage: CommunityCoverage
) -> CommunityMap:
    """The county's communities valid on ``as_of`` and the townships their centres cover
    (centres: the institution types of ``coverage.centre_types``)."""
    div = tables.table("admin_divisions")
    if not fetch(div.filter((div.division_code == county) & (div.level == "county")).limit(1)):
        raise error("warehouse.county", f"no county {county!r} in admin_divisions", "county")
    com = tables.table("communities")
    valid = (com.valid_from <= as_of) & (com.valid_to.isnull() | (com.valid_to >= as_of))
    found = fetch(
        com.filter((com.county_code == county) & valid)
        .select("community_id", "name_zh")
        .order_by("community_id")
    )
    if not found:
        raise error(
            "warehouse.communities",
            f"no medical community of county {county} valid on {as_of}",
            "county",
        )
    inst = tables.table("institutions")
    mem = tables.table("community_memberships")
    pairs: list[tuple[str, str]] = []
    lead = ""
    for row in found:
        cid = str(row["community_id"])
        members = institution_set(tables, Node(NodeKind.COMMUNITY, cid), as_of)
        centres = members.join(inst, "institution_id").filter(
            inst.institution_type.isin(coverage.centre_types)
        )
        for r in fetch(centres.select(township=centres.division_code.substr(0, 9)).distinct()):
            pairs.append((str(r["township"]), cid))
        valid_m = (mem.valid_from <= as_of) & (mem.valid_to.isnull() | (mem.valid_to >= as_of))
        leads = mem.filter((mem.community_id == cid) & (mem.role == "lead") & valid_m)
        general = leads.join(inst, "institution_id").filter(
            inst.institution_type == coverage.lead_type
        )
        if not lead and fetch(general.select("institution_id").limit(1)):
            lead = cid
    seen = Counter(t for t, _ in pairs)
    ambiguous = tuple(sorted(t for t, n in seen.items() if n > 1))
    first: dict[str, str] = {}
    for t, c in sorted(pairs):
        first.setdefault(t, c)
    return CommunityMap(
        county,
        as_of,
        tuple((str(r["community_id"]), str(r["name_zh"])) for r in found),
        lead or str(found[0]["community_id"]),
        tuple(sorted(first.items())),
        ambiguous,
        coverage,
    )


def member_institutions(
    tables: Tables, cmap: CommunityMap, levels: InstitutionLevels
) -> tuple[Institution, ...]:
    """Every institution with a membership valid on the map's date (any role), with its level key
    (the policy's ``institution_levels``)."""
    inst = tables.table("institutions")
    out: list[Institution] = []
    for cid, _ in cmap.communities:
        members = institution_set(tables, Node(NodeKind.COMMUNITY, cid), cmap.as_of)
        rows = fetch(
            members.join(inst, "institution_id")
            .select("institution_id", "name_zh", "institution_type")
            .order_by("institution_id")
        )
        out += [
            Institution(
                str(r["institution_id"]),
                cid,
                str(r["name_zh"]),
                levels.key(str(r["institution_type"])),
            )
            for r in rows
        ]
    return tuple(sorted(out, key=lambda i: i.institution_id))
