"""Basic public health for a family-doctor team and a village doctor: the overdue list, the
register and the assessment, scoped.

Who sees what: an institution user (a village clinic, a township centre) sees the patients
their institution manages and, for a township centre, the registers of its family-doctor teams
(a team belongs to the institution of its contracts); the health commission, the community
office and auditors see every team and clinic in their subtree. A team or institution outside
the scope is refused (403 ``outside_scope``). The registers come from ``yigong health build``
(409-free: an unbuilt warehouse answers ``status: not_built``).
"""

from __future__ import annotations

from typing import Any

from yigong.access.principal import Principal
from yigong.services import public_health as ph

__all__ = ["health"]

PATIENT_LIMIT = 300


def _in_scope(p: Principal, institution: str | None) -> bool:
    return institution is not None and (
        p.scope.covers_everything or institution in p.scope.institutions
    )


def health(
    p: Principal, year: int, team: str | None = None, institution: str | None = None
) -> dict[str, Any]:
    """The page of a team (``team``) or of an institution (``institution``, default: the
    user's own when their node is one institution): summary rates, overdue patients (most
    overdue first), the register, and the institution's programme assessment."""

    with p.state.tables() as wh:
        try:
            teams = p.state.memo(("ph-teams", year), lambda: ph.teams(wh, year))
            overdue_by_team = p.state.memo(
                ("ph-team-overdue", year), lambda: ph.team_overdue(wh, year)
            )
        except LookupError as exc:
            return {"year": year, "status": "not_built", "note": str(exc), "teams": []}
        mine = sorted(t for t, i in teams.items() if _in_scope(p, i))
        if institution is None and team is None:
            homes = [n.id for n in p.scope.nodes if n.kind.value == "institution"]
            institution = homes[0] if homes else None
            if institution is None and mine:
                team = mine[0]
        if team is not None and not _in_scope(p, teams.get(team)):
            raise p.refuse(f"team {team}")
        if institution is not None and not _in_scope(p, institution):
            raise p.refuse(f"institution {institution}")
        if team is not None:
            reg = ph.register(wh, year, team=team)
            who = {"kind": "team", "id": team, "institution_id": teams.get(team)}
            assess_for = [teams[team]] if teams.get(team) else []
        elif institution is not None:
            reg = ph.register(wh, year, institution=institution)
            who = {"kind": "institution", "id": institution, "institution_id": institution}
            assess_for = [institution]
        else:
            return {"year": year, "status": "no_team", "teams": [], "note": "no team in scope"}
        assessment = ph.assessments(wh, year, institutions=assess_for) if assess_for else None
    who["name"] = p.scope.names.get(who["institution_id"] or "", "")
    patients = reg["patients"]
    overdue = [r for r in patients if r["overdue"]]
    data = {
        "year": year,
        "status": "ok",
        "who": who,
        "summary": reg["summary"],
        "overdue_count": len(overdue),
        "overdue": overdue[:PATIENT_LIMIT],
        "register_count": len(patients),
        "register": sorted(patients, key=lambda r: (r["village"] or "", r["person"]))[
            :PATIENT_LIMIT
        ],
        "assessment": assessment["institutions"][0]
        if assessment and assessment["institutions"]
        else None,
        "teams": [
            {
                "team_id": t,
                "institution_id": teams[t],
                "name": p.scope.names.get(teams[t], ""),
                "overdue": overdue_by_team.get(t, 0),
            }
            for t in mine
        ],  # fmt: skip
    }
    p.audit_read("public_health", len(patients), year=year, **{who["kind"]: who["id"]})
    return p.redact(data)  # type: ignore[no-any-return]
