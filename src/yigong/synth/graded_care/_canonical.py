"""Inputs of ``generate_graded_care`` from the canonical tables of a synthetic (or real) county.

``inputs_from_canonical`` turns the canonical ``institutions``, ``community_memberships`` and
``persons`` tables into the plain dicts the generator takes: memberships valid on ``as_of`` give
each institution its community and the lead role; persons living in the county (division code
under ``county_code``) become residents with their age on ``as_of``, their sex, and a home
clinic — the village clinic of their village code, else the township centre whose division code
prefixes theirs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa


def inputs_from_canonical(
    institutions: pa.Table,
    memberships: pa.Table,
    persons: pa.Table,
    county_code: str,
    as_of: date,
    *,
    key_column: str = "person_key",
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(institutions, residents) for ``generate_graded_care``.

    ``persons`` should be the warehouse's table (pseudonymised ``person_key``) so that workflow
    patient keys join the encounters; a file-shaped table carries the raw ``id_number`` instead
    and is refused unless ``key_column="id_number"`` is asked for explicitly.
    """
    if key_column not in persons.column_names:
        raise ValueError(
            f"persons has no {key_column!r} column (columns: "
            f"{', '.join(persons.column_names)}); pass the warehouse's pseudonymised "
            "persons, or key_column='id_number' for a throwaway synthetic world"
        )
    member: dict[str, tuple[str, str]] = {}
    for row in memberships.select(
        ["institution_id", "community_id", "role", "valid_from", "valid_to"]
    ).to_pylist():
        if row["valid_from"] <= as_of and (row["valid_to"] is None or row["valid_to"] >= as_of):
            member[row["institution_id"]] = (row["community_id"], row["role"])
    insts: list[dict[str, Any]] = []
    village_of: dict[str, str] = {}
    township_of: dict[str, str] = {}
    for row in institutions.select(
        ["institution_id", "institution_type", "division_code"]
    ).to_pylist():
        division = str(row["division_code"] or "")
        if not division.startswith(county_code):
            continue
        community, role = member.get(row["institution_id"], (None, None))
        insts.append(
            {
                "institution_id": row["institution_id"],
                "type": row["institution_type"],
                "community_id": community,
                "county_code": county_code,
                "is_lead": role == "lead",
            }
        )
        if row["institution_type"] == "village_clinic":
            village_of[division] = row["institution_id"]
        elif row["institution_type"] in ("township_centre", "community_centre"):
            township_of[division[:9]] = row["institution_id"]
    residents: list[dict[str, Any]] = []
    cols = persons.select([key_column, "sex", "birth_date", "division_code"]).to_pydict()
    for key, sex, birth, division in zip(
        cols[key_column], cols["sex"], cols["birth_date"], cols["division_code"], strict=True
    ):
        division = str(division or "")
        if not division.startswith(county_code) or birth is None:
            continue
        age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
        residents.append(
            {
                "patient_key": key,
                "age": max(age, 0),
                "sex": "F" if sex == "2" else "M",
                "home_institution_id": village_of.get(division) or township_of.get(division[:9]),
            }
        )
    return insts, residents
