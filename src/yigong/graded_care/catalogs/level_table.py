"""Level checks over whole encounter tables (canonical ``outpatient_visits`` and ``discharges``).

``level_check_table`` returns one row per encounter with its catalog verdict, so the warehouse can
count encounters treated above or below their catalog level per institution and period. The
treated level comes from the institution's type (``institutions.institution_type``); the
diagnosis is the visit's ``diagnosis_code`` or the discharge's principal (first) diagnosis.
Encounters without a diagnosis, or at an institution whose type has no care level, get verdict
``unchecked`` with the reason — never dropped.
"""

from __future__ import annotations

import pyarrow as pa

from yigong.graded_care.catalogs.catalog import DiseaseCatalog, Setting
from yigong.graded_care.catalogs.level_check import LevelVerdict
from yigong.graded_care.errors import InvalidRequest
from yigong.graded_care.levels import CareLevel, level_of_type

LEVEL_CHECK_SCHEMA = pa.schema(
    [
        ("encounter_id", pa.string()),
        ("institution_id", pa.string()),
        ("setting", pa.string()),
        ("diagnosis_code", pa.string()),
        ("treated_level", pa.string()),
        ("catalog_level", pa.string()),
        ("verdict", pa.string()),
        ("matched", pa.string()),
        ("catalog_line", pa.int64()),
    ]
)


def level_check_table(
    catalog: DiseaseCatalog,
    institutions: pa.Table,
    outpatient_visits: pa.Table | None = None,
    discharges: pa.Table | None = None,
) -> pa.Table:
    """Verdict per encounter (columns in ``LEVEL_CHECK_SCHEMA``; see docs/graded-care.md)."""
    levels: dict[str, str | None] = {}
    for iid, itype in zip(
        institutions["institution_id"].to_pylist(),
        institutions["institution_type"].to_pylist(),
        strict=True,
    ):
        try:
            levels[iid] = level_of_type(itype).key
        except InvalidRequest:
            levels[iid] = None
    cols: dict[str, list[object]] = {f.name: [] for f in LEVEL_CHECK_SCHEMA}
    sources: list[tuple[Setting, list[str], list[str], list[str | None]]] = []
    if outpatient_visits is not None:
        sources.append(
            (
                Setting.OUTPATIENT,
                outpatient_visits["visit_id"].to_pylist(),
                outpatient_visits["institution_id"].to_pylist(),
                outpatient_visits["diagnosis_code"].to_pylist(),
            )
        )
    if discharges is not None:
        codes = discharges["diagnosis_codes"].to_pylist()
        principal = [
            (c[0] if isinstance(c, list) else str(c).split("|")[0]) if c else None for c in codes
        ]
        sources.append(
            (
                Setting.INPATIENT,
                discharges["discharge_id"].to_pylist(),
                discharges["institution_id"].to_pylist(),
                principal,
            )
        )
    for setting, ids, insts, dxs in sources:
        for eid, iid, dx in zip(ids, insts, dxs, strict=True):
            level = levels.get(iid)
            verdict, cat_level, matched, line = LevelVerdict.UNCATALOGUED.value, None, None, None
            if level is None or not dx:
                verdict = "unchecked"
                matched = "no diagnosis" if not dx else f"institution {iid} has no care level"
            else:
                match = catalog.lookup(dx, setting)
                if match is not None:
                    treated, cat = CareLevel.parse(level), match.level
                    verdict = (
                        LevelVerdict.ABOVE
                        if treated > cat
                        else LevelVerdict.BELOW
                        if treated < cat
                        else LevelVerdict.AT_LEVEL
                    ).value
                    cat_level, matched, line = cat.key, match.token.text, match.entry.line
            for key, value in (
                ("encounter_id", eid),
                ("institution_id", iid),
                ("setting", setting.value),
                ("diagnosis_code", dx),
                ("treated_level", level),
                ("catalog_level", cat_level),
                ("verdict", verdict),
                ("matched", matched),
                ("catalog_line", line),
            ):
                cols[key].append(value)
    return pa.Table.from_pydict(cols, schema=LEVEL_CHECK_SCHEMA)
