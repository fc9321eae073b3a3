"""Level checks over canonical encounter tables."""

from __future__ import annotations

import pyarrow as pa

from yigong.graded_care.catalogs.level_table import LEVEL_CHECK_SCHEMA, level_check_table
from yigong.graded_care.catalogs.loader import load_catalog


def test_visits_and_discharges() -> None:
    institutions = pa.table(
        {
            "institution_id": ["H", "T", "V", "CDC"],
            "institution_type": [
                "county_general",
                "township_centre",
                "village_clinic",
                "public_health",
            ],
        }
    )
    visits = pa.table(
        {
            "visit_id": ["v1", "v2", "v3", "v4", "v5"],
            "institution_id": ["H", "V", "T", "CDC", "V"],
            "diagnosis_code": ["I10.x00", "J06.900", "C71.900", "J06.900", None],
        }
    )
    discharges = pa.table(
        {
            "discharge_id": ["d1", "d2"],
            "institution_id": ["T", "H"],
            "diagnosis_codes": pa.array(
                [["I21.900", "I10.x00"], ["K80.200"]], pa.list_(pa.string())
            ),
        }
    )
    out = level_check_table(load_catalog(), institutions, visits, discharges)
    assert out.schema == LEVEL_CHECK_SCHEMA
    got = {r["encounter_id"]: (r["verdict"], r["catalog_level"]) for r in out.to_pylist()}
    assert got == {
        "v1": ("above", "village"),
        "v2": ("at_level", "village"),
        "v3": ("uncatalogued", None),
        "v4": ("unchecked", None),
        "v5": ("unchecked", None),
        "d1": ("below", "county"),
        "d2": ("at_level", "county"),
    }
    d1 = next(r for r in out.to_pylist() if r["encounter_id"] == "d1")
    assert d1["matched"] == "I21-I22" and d1["catalog_line"] > 0 and d1["setting"] == "inpatient"
