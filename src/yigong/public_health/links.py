"""The medical–prevention link (医防协同): chronic-disease admissions seen from the register.

For every inpatient stay whose diagnoses (principal or secondary) include hypertension or
type-2 diabetes, one row per disease says whether the patient was *registered* (any management
follow-up of that disease before admission, within the data given: the service passes the
admission year and the year before) and *followed up* (a follow-up within the disease's
interval before admission), and whether the stay is *avoidable*: its principal diagnosis is on
the disease's list of ambulatory-care-sensitive conditions (OECD / AHRQ PQI), an admission that
good primary care usually prevents. The rows are the ``ph_admission_links`` table; the
catalog's indicators count them by township and community.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from yigong.public_health.register import FollowUp, matches
from yigong.public_health.spec import PublicHealthRules

__all__ = ["Admission", "LINKS_SCHEMA", "admission_links", "links_table"]


@dataclass(frozen=True)
class Admission:
    """One inpatient stay (a front page) with its diagnoses, principal first."""

    discharge_id: str
    person_key: str
    institution_id: str
    admission_date: date
    discharge_date: date
    residence_code: str | None
    diagnosis_codes: tuple[str, ...]


def admission_links(
    rules: PublicHealthRules, admissions: list[Admission], followups: list[FollowUp]
) -> list[dict[str, Any]]:
    """One row per chronic-disease admission and disease (see the module docstring)."""
    seen: dict[tuple[str, str], list[date]] = defaultdict(list)
    for f in followups:
        seen[(f.person_key, f.disease)].append(f.service_date)
    for v in seen.values():
        v.sort()
    out = []
    for a in admissions:
        principal = a.diagnosis_codes[0] if a.diagnosis_codes else None
        for disease, rule in rules.chronic.items():
            if not any(matches(c, rule.codes) for c in a.diagnosis_codes):
                continue
            dates = seen.get((a.person_key, disease), [])
            before = dates[: bisect.bisect_right(dates, a.admission_date)]
            last = before[-1] if before else None
            recent = last is not None and last >= a.admission_date - timedelta(
                days=rule.interval_days
            )
            out.append(
                {
                    "discharge_id": a.discharge_id,
                    "year": a.discharge_date.year,
                    "person_key": a.person_key,
                    "disease": disease,
                    "residence_code": a.residence_code,
                    "institution_id": a.institution_id,
                    "admission_date": a.admission_date,
                    "discharge_date": a.discharge_date,
                    "principal_code": principal,
                    "principal": matches(principal, rule.codes),
                    "avoidable": matches(principal, rule.avoidable_codes),
                    "registered": last is not None,
                    "followed_up": recent,
                    "last_followup": last,
                }
            )
    return out


LINKS_SCHEMA = pa.schema(
    [
        ("discharge_id", pa.string()),
        ("year", pa.int64()),
        ("person_key", pa.string()),
        ("disease", pa.string()),
        ("residence_code", pa.string()),
        ("institution_id", pa.string()),
        ("admission_date", pa.date32()),
        ("discharge_date", pa.date32()),
        ("principal_code", pa.string()),
        ("principal", pa.bool_()),
        ("avoidable", pa.bool_()),
        ("registered", pa.bool_()),
        ("followed_up", pa.bool_()),
        ("last_followup", pa.date32()),
    ]
)


def links_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=LINKS_SCHEMA)
