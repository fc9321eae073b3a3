"""Chronic-disease registers (慢病管理档案) for hypertension and type-2 diabetes.

For one year and an as-of day (the year's last day, or earlier for a year in progress) each
person who was *found* (diagnosed in an outpatient visit or an inpatient stay that year, aged
at least the prevalence age) or is *on the register* (a management follow-up that year or the
year before) gets one row per disease:

- ``managed`` (年内已管理): at least one follow-up in the year — the denominator of the
  standardised management and control rates;
- ``standard`` (规范管理): at least ``followups_per_year`` follow-ups in the year;
- ``on_schedule``: a follow-up in every quarter elapsed since the patient joined (a patient
  first seen this year is counted from the quarter of the first follow-up);
- ``controlled``: the year's last follow-up under the control thresholds for the patient's age
  (blood pressure for hypertension, fasting glucose for diabetes; a missing measurement is not
  controlled);
- ``overdue``: the next follow-up (last + ``interval_days``) fell due before the as-of day;
- ``long_prescription``: a follow-up of the year prescribed more than the long-prescription
  days (长处方), among patients with any prescription.

Everything is plain Python over Arrow rows: the service reads the year's rows from the
warehouse; tests hand-work small registers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from yigong.public_health.spec import ChronicRule, PublicHealthRules

__all__ = [
    "FollowUp",
    "RegisterEntry",
    "build_register",
    "expected_rows",
    "matches",
    "register_table",
]


@dataclass(frozen=True)
class FollowUp:
    """One management follow-up of one disease (a row of ``public_health_services``)."""

    person_key: str
    disease: str
    service_date: date
    institution_id: str
    provider_key: str | None = None
    team_id: str | None = None
    sbp: int | None = None
    dbp: int | None = None
    fasting_glucose: float | None = None
    hba1c: float | None = None
    prescription_days: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FollowUp:
        return cls(**{f.name: row.get(f.name) for f in fields(cls)})


@dataclass
class RegisterEntry:
    """One person and disease in one year's register (a row of ``ph_register``)."""

    year: int
    person_key: str
    disease: str
    division_code: str | None
    age: int | None
    found: bool = False
    on_register: bool = False
    managed: bool = False
    followups: int = 0
    quarters: int = 0
    on_schedule: bool = False
    standard: bool = False
    controlled: bool = False
    overdue: bool = False
    days_overdue: int = 0
    last_followup: date | None = None
    next_due: date | None = None
    last_sbp: int | None = None
    last_dbp: int | None = None
    last_glucose: float | None = None
    last_hba1c: float | None = None
    has_prescription: bool = False
    long_prescription: bool = False
    contracted: bool = False
    institution_id: str | None = None
    team_id: str | None = None
    provider_key: str | None = None
    as_of: date | None = None
    notes: list[str] = field(default_factory=list)


def matches(code: str | None, prefixes: list[str]) -> bool:
    """Whether an ICD-10 code starts with one of ``prefixes`` (``I10.x00x002`` matches I10)."""
    return bool(code) and any(str(code).startswith(p) for p in prefixes)


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _quarter(d: date) -> int:
    return (d.month - 1) // 3 + 1


def _controlled(rules: PublicHealthRules, disease: str, f: FollowUp, age: int | None) -> bool:
    rule = rules.control_rule(disease, age or 0)
    ok = True
    if rule.sbp_below is not None:
        ok &= f.sbp is not None and f.sbp < rule.sbp_below
    if rule.dbp_below is not None:
        ok &= f.dbp is not None and f.dbp < rule.dbp_below
    if rule.fasting_glucose_below is not None:
        ok &= f.fasting_glucose is not None and f.fasting_glucose < float(
            rule.fasting_glucose_below
        )
    return bool(ok)


def build_register(
    rules: PublicHealthRules,
    year: int,
    followups: list[FollowUp],
    diagnoses: list[tuple[str, str]],
    persons: dict[str, tuple[date | None, str | None]],
    *,
    contracts: dict[str, str] | None = None,
    deaths: dict[str, date] | None = None,
    as_of: date | None = None,
) -> list[RegisterEntry]:
    """The register of ``year`` as of ``as_of`` (default: the year's last day).

    ``followups``: management follow-ups of the year and the year before (others are ignored);
    ``diagnoses``: (person_key, ICD-10 code) of the year's visits and stays; ``persons``:
    person_key → (birth date, residence division code); ``contracts``: person_key → team of a
    family-doctor contract in force in the year; ``deaths``: person_key → date of death.
    """
    as_of = as_of or date(year, 12, 31)
    start, prior = date(year, 1, 1), date(year - 1, 1, 1)
    contracts = contracts or {}
    deaths = deaths or {}
    by_key: dict[tuple[str, str], list[FollowUp]] = defaultdict(list)
    for f in followups:
        if f.disease in rules.chronic and prior <= f.service_date <= as_of:
            by_key[(f.person_key, f.disease)].append(f)
    found: set[tuple[str, str]] = set()
    for person, code in diagnoses:
        for disease, rule in rules.chronic.items():
            if matches(code, rule.codes):
                birth = persons.get(person, (None, None))[0]
                age = _age(birth, as_of)
                if age is None or age >= rule.prevalence_from_age:
                    found.add((person, disease))
    out = []
    for person, disease in sorted(set(by_key) | found):
        birth, division = persons.get(person, (None, None))
        died = deaths.get(person)
        if died is not None and died < start:
            continue
        e = RegisterEntry(year, person, disease, division, _age(birth, as_of), as_of=as_of)
        e.found = (person, disease) in found
        e.contracted = person in contracts
        fs = sorted(by_key.get((person, disease), []), key=lambda f: f.service_date)
        if fs:
            _fill(e, rules, rules.chronic[disease], fs, start, as_of, birth, died)
        if e.contracted:
            e.team_id = contracts[person]
        out.append(e)
    return out


def _fill(
    e: RegisterEntry,
    rules: PublicHealthRules,
    rule: ChronicRule,
    fs: list[FollowUp],
    start: date,
    as_of: date,
    birth: date | None,
    died: date | None,
) -> None:
    this_year = [f for f in fs if f.service_date >= start]
    last = fs[-1]
    e.on_register = died is None or died > as_of
    e.institution_id, e.provider_key, e.team_id = (
        last.institution_id,
        last.provider_key,
        last.team_id,
    )
    e.last_followup = last.service_date
    e.next_due = last.service_date + timedelta(days=rule.interval_days)
    if e.on_register and e.next_due < as_of:
        e.overdue, e.days_overdue = True, (as_of - e.next_due).days
    if not this_year:
        return
    e.managed = True
    e.followups = len(this_year)
    covered = {_quarter(f.service_date) for f in this_year}
    e.quarters = len(covered)
    joined_before = len(this_year) < len(fs)
    first_q = 1 if joined_before else _quarter(this_year[0].service_date)
    e.on_schedule = all(q in covered for q in range(first_q, _quarter(as_of) + 1))
    e.standard = e.followups >= rule.followups_per_year
    final = this_year[-1]
    e.controlled = _controlled(rules, e.disease, final, _age(birth, final.service_date))
    e.last_sbp, e.last_dbp = final.sbp, final.dbp
    e.last_glucose, e.last_hba1c = final.fasting_glucose, final.hba1c
    days = [f.prescription_days or 0 for f in this_year]
    e.has_prescription = any(d > 0 for d in days)
    e.long_prescription = any(d > rules.long_prescription_days for d in days)


#: Arrow types of the ``ph_register`` columns (``notes`` is not stored).
REGISTER_SCHEMA = pa.schema(
    [
        ("year", pa.int64()),
        ("person_key", pa.string()),
        ("disease", pa.string()),
        ("division_code", pa.string()),
        ("age", pa.int64()),
        ("found", pa.bool_()),
        ("on_register", pa.bool_()),
        ("managed", pa.bool_()),
        ("followups", pa.int64()),
        ("quarters", pa.int64()),
        ("on_schedule", pa.bool_()),
        ("standard", pa.bool_()),
        ("controlled", pa.bool_()),
        ("overdue", pa.bool_()),
        ("days_overdue", pa.int64()),
        ("last_followup", pa.date32()),
        ("next_due", pa.date32()),
        ("last_sbp", pa.int64()),
        ("last_dbp", pa.int64()),
        ("last_glucose", pa.float64()),
        ("last_hba1c", pa.float64()),
        ("has_prescription", pa.bool_()),
        ("long_prescription", pa.bool_()),
        ("contracted", pa.bool_()),
        ("institution_id", pa.string()),
        ("team_id", pa.string()),
        ("provider_key", pa.string()),
        ("as_of", pa.date32()),
    ]
)


def register_table(entries: list[RegisterEntry]) -> pa.Table:
    """The entries as the ``ph_register`` table."""
    rows = []
    for e in entries:
        d = asdict(e)
        d.pop("notes")
        rows.append(d)
    return pa.Table.from_pylist(rows, schema=REGISTER_SCHEMA)


def expected_rows(
    rules: PublicHealthRules,
    year: int,
    persons: list[tuple[date | None, str | None]],
    deaths_before: int = 0,
) -> list[dict[str, Any]]:
    """Expected patients per residence division and disease: adults (aged at least the
    prevalence age on 1 July) × the adult prevalence, as the specification estimates them
    (辖区常住成年人口总数 × 成年人患病率). ``persons``: (birth date, division code) of residents."""
    mid = date(year, 7, 1)
    adults: dict[tuple[str, int], int] = defaultdict(int)
    ages = sorted({r.prevalence_from_age for r in rules.chronic.values()})
    for birth, division in persons:
        age = _age(birth, mid)
        if age is None or division is None:
            continue
        for a in ages:
            if age >= a:
                adults[(division, a)] += 1
    out = []
    for (division, a), n in sorted(adults.items()):
        for disease, rule in rules.chronic.items():
            if rule.prevalence_from_age == a:
                out.append(
                    {
                        "year": year,
                        "division_code": division,
                        "disease": disease,
                        "adults": n,
                        "expected": float(n * rule.prevalence),
                    }
                )
    return out


EXPECTED_SCHEMA = pa.schema(
    [
        ("year", pa.int64()),
        ("division_code", pa.string()),
        ("disease", pa.string()),
        ("adults", pa.int64()),
        ("expected", pa.float64()),
    ]
)
