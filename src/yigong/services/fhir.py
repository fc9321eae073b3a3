"""FHIR use cases over the workflow store: every referral as a validated R4 bundle (export),
one referral's bundle, and the store query behind the FHIR face's searches.

The builders are `yigong.interop.fhir`; which referrals and institutions a user may see is the
access layer's (`yigong.access.views.fhir`), which passes its scope in.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, func, not_, select

from yigong.interop.fhir.referral import Party, referral_bundle
from yigong.interop.fhir.search import ReferralQuery
from yigong.interop.fhir.validate import validate_bundles
from yigong.services.referral import InboxPage, _record, get_referral
from yigong.services.warehouse import opened
from yigong.store import Store
from yigong.store import models as m

__all__ = [
    "FhirExport",
    "export_referrals",
    "referral_bundles",
    "search_referrals",
    "store_parties",
]

_BOUND_IDS_MAX = 1000


def store_parties(store: Store, db: Path | None = None) -> dict[str, Party]:
    """Every institution the workflow store knows, as a visible `Party` (code, name, county);
    with a warehouse, its own division (township or village) and the division's name."""
    with store.transaction() as s:
        rows = s.execute(
            select(m.Institution.institution_id, m.Institution.name, m.Institution.county_code)
        ).all()
    parties = {i: Party(i, name or "", county or "") for i, name, county in rows}
    if db is None:
        return parties

    with opened(db) as wh:
        d = wh.table("admin_divisions")
        names = d.group_by("division_code").aggregate(division_name=d.name_zh.argmax(d.valid_from))
        i = wh.table("institutions")
        joined = i.left_join(names, i.division_code == names.division_code).select(
            i.institution_id, i.name_zh, i.division_code, names.division_name
        )
        found = [tuple(r.values()) for r in joined.to_pyarrow().to_pylist()]
    for inst, name, division, division_name in found:
        parties[str(inst)] = Party(
            str(inst), str(name or ""), str(division or ""), str(division_name or "")
        )
    return parties


def referral_bundles(store: Store, parties: dict[str, Party]) -> Iterator[dict[str, Any]]:
    """Every referral of the store as a collection Bundle, oldest first (with its trail)."""
    with store.transaction() as s:
        ids = list(s.scalars(select(m.Referral.referral_id).order_by(m.Referral.requested_at)))

    for rid in ids:
        yield referral_bundle(get_referral(store, rid), parties)


@dataclass
class FhirExport:
    """What an export wrote and how many bundles the R4B models accepted."""

    path: Path
    referrals: int = 0
    valid: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "referrals": self.referrals,
            "valid FHIR R4 (fhir.resources R4B)": self.valid,
            "problems": self.errors[:5],
        }


def export_referrals(store: Store, out: Path, db: Path | None = None) -> FhirExport:
    """Write every referral as one Bundle per line (NDJSON, as FHIR bulk data does) to
    ``out`` and validate each with the R4B models."""
    out.parent.mkdir(parents=True, exist_ok=True)
    bundles = list(referral_bundles(store, store_parties(store, db)))
    with out.open("w", encoding="utf-8") as f:
        for b in bundles:
            f.write(json.dumps(b, ensure_ascii=False) + "\n")
    checked = validate_bundles(bundles)
    return FhirExport(out, checked.checked, checked.valid, checked.errors)


def search_referrals(
    store: Store,
    institutions: Collection[str] | None,
    query: ReferralQuery,
    *,
    limit: int = 50,
    offset: int = 0,
    with_events: bool = False,
) -> InboxPage:
    """The referrals one of whose ends is in ``institutions`` (None: all) and that match
    ``query``, newest first, one page — filtered, counted and paged by the store."""
    where: list[Any] = []
    if institutions is not None:
        ids = sorted(set(institutions))
        if not ids:
            return InboxPage(0, [])
        listed = bindparam(
            "scope_ids", ids, expanding=True, literal_execute=len(ids) > _BOUND_IDS_MAX
        )
        where.append(
            m.Referral.requesting_institution.in_(listed)
            | m.Referral.receiving_institution.in_(listed)
        )
    if query.referral_ids is not None:
        where.append(m.Referral.referral_id.in_(sorted(query.referral_ids)))
    if query.statuses is not None:
        where.append(m.Referral.status.in_(sorted(s.value for s in query.statuses)))
    if query.requesters is not None:
        where.append(m.Referral.requesting_institution.in_(sorted(query.requesters)))
    if query.receivers is not None:
        where.append(m.Referral.receiving_institution.in_(sorted(query.receivers)))
    for r in query.requested:
        parts = []
        if r.start is not None:
            parts.append(m.Referral.requested_at >= r.start)
        if r.end is not None:
            parts.append(m.Referral.requested_at < r.end)
        cond = and_(*parts) if parts else None
        if cond is not None:
            where.append(not_(cond) if r.negate else cond)
    page = (
        select(m.Referral)
        .where(*where)
        .order_by(m.Referral.requested_at.desc(), m.Referral.referral_id)
        .limit(limit)
        .offset(offset)
    )
    with store.transaction() as s:
        total = s.scalar(select(func.count()).select_from(m.Referral).where(*where)) or 0
        items = [_record(s, r, with_events=with_events) for r in s.scalars(page)]
    return InboxPage(int(total), items)
