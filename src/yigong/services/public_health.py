"""Public-health use cases: build the registers, read overdue lists, registers, assessments and
the village subsidy. One function per user action; the policy is in `yigong.public_health` and
its rules pack, the reading of the warehouse is here.

``build`` materialises the derived tables the indicator catalog reads (``ph_register``,
``ph_expected``, ``ph_workload``, ``ph_admission_links``); the other functions read them (or
the canonical tables) for one year and one team, village clinic, township or county.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from yigong.public_health.assessment import (
    Assessment,
    assess,
    lines_from_tasks,
    village_share,
    workload_table,
)
from yigong.public_health.links import Admission, admission_links, links_table
from yigong.public_health.loader import load_rules
from yigong.public_health.register import (
    EXPECTED_SCHEMA,
    FollowUp,
    build_register,
    expected_rows,
    register_table,
)
from yigong.public_health.spec import PublicHealthRules
from yigong.public_health.subsidy import SubsidyRun, allocate_subsidy
from yigong.schema.money import Money
from yigong.services.warehouse import opened, write_feed

__all__ = [
    "DERIVED",
    "SubsidyRun",
    "assessments",
    "build",
    "county_summary",
    "overdue",
    "register",
    "subsidy",
    "team_overdue",
    "teams",
    "top_overdue_villages",
]

DERIVED = ("ph_register", "ph_expected", "ph_workload", "ph_admission_links")
FOLLOWUP_COLUMNS = (
    "person_key",
    "disease",
    "service_date",
    "institution_id",
    "provider_key",
    "team_id",
    "sbp",
    "dbp",
    "fasting_glucose",
    "hba1c",
    "prescription_days",
)


def _rows(expr: ibis.Table) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


def _prefix_filter(col: ibis.Value, prefixes: list[str]) -> ibis.Value:
    cond = col.startswith(prefixes[0])
    for p in prefixes[1:]:
        cond = cond | col.startswith(p)
    return cond


def _years(wh: Any) -> list[int]:
    s = wh.table("public_health_services")
    t = s.aggregate(lo=s.service_date.min(), hi=s.service_date.max()).to_pyarrow().to_pylist()[0]
    if t["lo"] is None:
        return []
    return list(range(t["lo"].year, t["hi"].year + 1))


def _as_of(wh: Any, year: int) -> date:
    """The year's last day, or the last service day of a year still in progress."""
    s = wh.table("public_health_services")
    hi = s.service_date.max().to_pyarrow().as_py()
    end = date(year, 12, 31)
    if hi is not None and hi.year == year and hi < date(year, 12, 1):
        return hi
    return end


def _followups(wh: Any, rules: PublicHealthRules, start: date, end: date) -> list[FollowUp]:
    s = wh.table("public_health_services")
    s = s.filter(
        (s.service_type == "followup")
        & s.disease.isin(list(rules.chronic))
        & s.service_date.between(start, end)
    ).select(*FOLLOWUP_COLUMNS)
    return [FollowUp.from_row(r) for r in _rows(s)]


def _diagnoses(wh: Any, rules: PublicHealthRules, year: int) -> list[tuple[str, str]]:
    prefixes = [p for r in rules.chronic.values() for p in r.codes]
    start, end = date(year, 1, 1), date(year, 12, 31)
    v = wh.table("outpatient_visits")
    v = v.filter(v.visit_date.between(start, end) & _prefix_filter(v.diagnosis_code, prefixes))
    out = [
        (r["patient_key"], r["diagnosis_code"])
        for r in _rows(v.select("patient_key", "diagnosis_code"))
    ]
    d, dd = wh.table("discharges"), wh.table("discharge_diagnoses")
    j = dd.filter(_prefix_filter(dd.code, prefixes)).join(d, "discharge_id")
    j = j.filter(j.discharge_date.between(start, end)).select("patient_key", "code")
    out += [(r["patient_key"], r["code"]) for r in _rows(j)]
    return out


def _persons(wh: Any) -> dict[str, tuple[date | None, str | None]]:
    p = wh.table("persons").select("person_key", "birth_date", "division_code")
    return {r["person_key"]: (r["birth_date"], r["division_code"]) for r in _rows(p)}


def _contracts(wh: Any, year: int) -> dict[str, str]:
    c = wh.table("family_doctor_contracts")
    c = c.filter((c.signed_date <= date(year, 12, 31)) & (c.end_date >= date(year, 1, 1)))
    c = c.order_by("signed_date").select("person_key", "team_id")
    return {r["person_key"]: r["team_id"] for r in _rows(c)}


def _deaths(wh: Any) -> dict[str, date]:
    d = wh.table("discharges")
    d = d.filter(d.discharge_mode == "5").select("patient_key", "discharge_date")
    return {r["patient_key"]: r["discharge_date"] for r in _rows(d)}


def _admissions(wh: Any, rules: PublicHealthRules, year: int) -> list[Admission]:
    prefixes = [p for r in rules.chronic.values() for p in r.codes]
    d, dd = wh.table("discharges"), wh.table("discharge_diagnoses")
    d = d.filter(d.discharge_date.between(date(year, 1, 1), date(year, 12, 31)))
    hit = dd.filter(_prefix_filter(dd.code, prefixes)).select("discharge_id").distinct()
    d = d.semi_join(hit, "discharge_id").select(
        "discharge_id", "patient_key", "institution_id", "admission_date", "discharge_date",
        "residence_code",
    )  # fmt: skip
    stays = _rows(d)
    if not stays:
        return []
    ids = [s["discharge_id"] for s in stays]
    codes: dict[str, list[tuple[int, str]]] = defaultdict(list)
    dx = dd.filter(dd.discharge_id.isin(ids)).select("discharge_id", "seq", "code")
    for r in _rows(dx):
        codes[r["discharge_id"]].append((r["seq"], r["code"]))
    return [
        Admission(
            s["discharge_id"],
            s["patient_key"],
            s["institution_id"],
            s["admission_date"],
            s["discharge_date"],
            s["residence_code"],
            tuple(c for _, c in sorted(codes[s["discharge_id"]])),
        )  # fmt: skip
        for s in stays
    ]


def _tasks(wh: Any, year: int | None = None) -> list[dict[str, Any]]:
    t = wh.table("public_health_tasks")
    if year is not None:
        t = t.filter(t.year == year)
    return _rows(t)


def build(
    db: Path | str | Any,
    years: list[int] | None = None,
    *,
    rules: str | Path | None = None,
) -> dict[str, int]:
    """Build the registers, expected patients, standardised workload and admission links of
    every year with service records (or ``years``) and store them in the warehouse (the
    ``ph_*`` tables, replaced whole). Returns rows per table."""
    r = load_rules(rules)
    with opened(db) as wh:
        chosen = years or _years(wh)
        persons = _persons(wh)
        deaths = _deaths(wh)
        reg, exp, links = [], [], []
        for year in chosen:
            as_of = _as_of(wh, year)
            fu = _followups(wh, r, date(year - 1, 1, 1), as_of)
            entries = build_register(
                r, year, fu, _diagnoses(wh, r, year), persons,
                contracts=_contracts(wh, year), deaths=deaths, as_of=as_of,
            )  # fmt: skip
            reg.append(register_table(entries))
            alive = [v for k, v in persons.items() if deaths.get(k, date.max) > date(year, 7, 1)]
            exp += expected_rows(r, year, alive)
            links += admission_links(r, _admissions(wh, r, year), fu)
        lines = [ln for ln in lines_from_tasks(r, _tasks(wh)) if not chosen or ln.year in chosen]
        tables = {
            "ph_register": pa.concat_tables(reg) if reg else register_table([]),
            "ph_expected": pa.Table.from_pylist(exp, schema=EXPECTED_SCHEMA),
            "ph_workload": workload_table(lines),
            "ph_admission_links": links_table(links),
        }
        return write_feed(wh, tables)


def _need_register(wh: Any) -> None:
    try:
        wh.table("ph_register")
    except Exception:  # noqa: BLE001 - any lookup failure means "not built"
        raise LookupError(
            "no public-health registers yet: run `yigong health build` first"
        ) from None


def _names(wh: Any) -> dict[str, str]:
    i = wh.table("institutions").select("institution_id", "name_zh")
    return {r["institution_id"]: r["name_zh"] for r in _rows(i)}


def _division_names(wh: Any) -> dict[str, str]:
    d = wh.table("admin_divisions").select("division_code", "name_zh")
    return {r["division_code"]: r["name_zh"] for r in _rows(d)}


def _register_rows(
    wh: Any,
    year: int,
    *,
    team: str | None = None,
    institution: str | None = None,
    area: str | None = None,
    overdue_only: bool = False,
) -> list[dict[str, Any]]:
    _need_register(wh)
    t = wh.table("ph_register")
    t = t.filter((t.year == year) & (t.on_register | t.managed))
    if team:
        t = t.filter(t.team_id == team)
    if institution:
        t = t.filter(t.institution_id == institution)
    if area:
        t = t.filter(t.division_code.startswith(area))
    if overdue_only:
        t = t.filter(t.overdue)
    return _rows(t.order_by([ibis.desc("days_overdue"), "person_key", "disease"]))


def _view(
    rows: list[dict[str, Any]], names: dict[str, str], divisions: dict[str, str]
) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        out.append(
            {
                "person": r["person_key"][:12],
                "person_key": r["person_key"],
                "disease": r["disease"],
                "age": r["age"],
                "village": divisions.get(r["division_code"] or "", r["division_code"]),
                "division_code": r["division_code"],
                "institution_id": r["institution_id"],
                "institution": names.get(r["institution_id"] or "", r["institution_id"]),
                "team_id": r["team_id"],
                "followups": r["followups"],
                "standard": r["standard"],
                "controlled": r["controlled"],
                "on_schedule": r["on_schedule"],
                "last_followup": _iso(r["last_followup"]),
                "next_due": _iso(r["next_due"]),
                "overdue": r["overdue"],
                "days_overdue": r["days_overdue"],
                "last_sbp": r["last_sbp"],
                "last_dbp": r["last_dbp"],
                "last_glucose": r["last_glucose"],
                "long_prescription": r["long_prescription"],
                "contracted": r["contracted"],
            }
        )
    return out


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for disease in ("hypertension", "diabetes"):
        rs = [r for r in rows if r["disease"] == disease]
        managed = [r for r in rs if r["followups"]]
        n = len(managed)
        out[disease] = {
            "on_register": sum(bool(r["on_register"]) for r in rs),
            "managed": n,
            "standard": sum(r["standard"] for r in managed),
            "controlled": sum(r["controlled"] for r in managed),
            "overdue": sum(r["overdue"] for r in rs),
            "standard_rate": _pct(sum(r["standard"] for r in managed), n),
            "control_rate": _pct(sum(r["controlled"] for r in managed), n),
        }
    return out


def _pct(num: int, den: int) -> str | None:
    return None if not den else str((Decimal(100 * num) / den).quantize(Decimal("0.01")))


def overdue(
    db: Path | str | Any,
    year: int,
    *,
    team: str | None = None,
    institution: str | None = None,
    area: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The patients whose next follow-up is overdue at the year's as-of day, most overdue
    first, for a team, a village clinic (or township centre) or an area."""
    with opened(db, read_only=True) as wh:
        rows = _register_rows(wh, year, team=team, institution=institution, area=area,
                              overdue_only=True)  # fmt: skip
        view = _view(rows, _names(wh), _division_names(wh))
    return {"year": year, "count": len(view), "patients": view[:limit] if limit else view}


def register(
    db: Path | str | Any,
    year: int,
    *,
    team: str | None = None,
    institution: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """The register of a team, a clinic or an area: every patient on it and the rates."""
    with opened(db, read_only=True) as wh:
        rows = _register_rows(wh, year, team=team, institution=institution, area=area)
        view = _view(rows, _names(wh), _division_names(wh))
    return {"year": year, "summary": _summary(rows), "patients": view}


def top_overdue_villages(db: Path | str | Any, year: int, n: int = 5) -> list[dict[str, Any]]:
    """The villages (by residence) with the most overdue follow-ups."""
    with opened(db, read_only=True) as wh:
        _need_register(wh)
        t = wh.table("ph_register")
        t = t.filter((t.year == year) & t.on_register)
        g = t.group_by("division_code").aggregate(overdue=t.overdue.sum(), on_register=t.count())
        rows = _rows(g.order_by([ibis.desc("overdue"), "division_code"]).limit(n))
        names = _division_names(wh)
        clinics = _clinics_by_village(wh)
    return [
        {
            "division_code": r["division_code"],
            "village": names.get(r["division_code"], r["division_code"]),
            "clinic": clinics.get(r["division_code"]),
            "overdue": int(r["overdue"]),
            "on_register": int(r["on_register"]),
        }
        for r in rows
    ]


def _clinics_by_village(wh: Any) -> dict[str, str]:
    i = wh.table("institutions")
    i = i.filter(i.institution_type == "village_clinic").select("division_code", "name_zh")
    return {r["division_code"]: r["name_zh"] for r in _rows(i)}


def county_summary(db: Path | str | Any, year: int, area: str | None = None) -> dict[str, Any]:
    """Registered, standardised and controlled patients of an area (default: everyone) and
    their rates, with the rates by township (first 9 digits of the residence code)."""
    with opened(db, read_only=True) as wh:
        rows = _register_rows(wh, year, area=area)
        names = _division_names(wh)
    by_town: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_town[(r["division_code"] or "")[:9]].append(r)
    return {
        "year": year,
        "area": area,
        "total": _summary(rows),
        "townships": [
            {"division_code": k, "name": names.get(k, k), **_summary(v)}
            for k, v in sorted(by_town.items())
        ],
    }


def _villages(wh: Any) -> set[str]:
    i = wh.table("institutions")
    return {
        r["institution_id"]
        for r in _rows(i.filter(i.institution_type == "village_clinic").select("institution_id"))
    }


def _members(wh: Any, institution: str) -> set[str]:
    """A township centre and the village clinics whose parent it is (any membership span)."""
    m = wh.table("community_memberships")
    m = m.filter(m.parent_institution_id == institution).select("institution_id")
    return {institution} | {r["institution_id"] for r in _rows(m)}


def assessments(
    db: Path | str | Any,
    year: int,
    *,
    institutions: list[str] | None = None,
    township: str | None = None,
    rules: str | Path | None = None,
) -> dict[str, Any]:
    """Programme completion and assessment scores of the institutions (or of a township
    centre and its village clinics), with the village share of standardised workload."""
    r = load_rules(rules)
    with opened(db, read_only=True) as wh:
        chosen = set(institutions or []) | (_members(wh, township) if township else set())
        lines = lines_from_tasks(r, _tasks(wh, year))
        if chosen:
            lines = [ln for ln in lines if ln.institution_id in chosen]
        result = assess(r, lines)
        villages = _villages(wh)
        names = _names(wh)
    num, den = village_share(lines, villages)
    return {
        "year": year,
        "village_share": None if not den else str((num / den * 100).quantize(Decimal("0.01"))),
        "village_workload": str(num.quantize(Decimal("0.01"))),
        "total_workload": str(den.quantize(Decimal("0.01"))),
        "institutions": [
            {
                **a.as_dict(),
                "name": names.get(a.institution_id, a.institution_id),
                "village_clinic": a.institution_id in villages,
            }  # fmt: skip
            for (_, _), a in sorted(result.items())
        ],
    }


def subsidy(
    db: Path | str | Any,
    year: int,
    *,
    township: str | None = None,
    fund: Money | None = None,
    rules: str | Path | None = None,
) -> SubsidyRun:
    """The village clinics' subsidy of a year (all clinics of the warehouse, or those under a
    township centre): the fund defaults to the public-health funds recorded for the clinics in
    ``public_health_tasks``; shared by score × assigned workload, to the fen, with its ledger."""
    r = load_rules(rules)
    with opened(db, read_only=True) as wh:
        villages = _villages(wh)
        if township:
            villages &= _members(wh, township)
        tasks = [t for t in _tasks(wh, year) if t["institution_id"] in villages]
        result = assess(r, lines_from_tasks(r, tasks))
    clinics: list[Assessment] = [a for (i, _), a in result.items() if i in villages]
    if fund is None:
        fund = Money.sum([Money.of(t["funds"] or 0) for t in tasks])
    scope = township or "county"
    return allocate_subsidy(
        r, fund, clinics, account=f"fund:public_health:{scope}:{year}", period=str(year),
        date=f"{year}-12-31",
    )  # fmt: skip


def teams(db: Path | str | Any, year: int) -> dict[str, str]:
    """Family-doctor teams of the year and the institution each belongs to (the institution
    of most of its contracts, else of its staff)."""
    with opened(db, read_only=True) as wh:
        c = wh.table("family_doctor_contracts")
        c = c.filter((c.signed_date <= date(year, 12, 31)) & (c.end_date >= date(year, 1, 1)))
        g = c.group_by(["team_id", "institution_id"]).aggregate(n=c.count())
        out: dict[str, tuple[int, str]] = {}
        for r in _rows(g):
            if r["team_id"] not in out or r["n"] > out[r["team_id"]][0]:
                out[r["team_id"]] = (r["n"], r["institution_id"])
        s = wh.table("staff")
        s = s.filter(s.family_doctor_team_id.notnull()).select(
            "family_doctor_team_id", "institution_id"
        )
        staff = {r["family_doctor_team_id"]: r["institution_id"] for r in _rows(s.distinct())}
    return {t: i for t, (_, i) in out.items()} | {t: i for t, i in staff.items() if t not in out}


def team_overdue(db: Path | str | Any, year: int) -> dict[str, int]:
    """Overdue patients per team (teams with none are left out)."""
    with opened(db, read_only=True) as wh:
        _need_register(wh)
        t = wh.table("ph_register")
        t = t.filter((t.year == year) & t.on_register & t.overdue & t.team_id.notnull())
        rows = _rows(t.group_by("team_id").aggregate(n=t.count()))
    return {r["team_id"]: int(r["n"]) for r in rows}
