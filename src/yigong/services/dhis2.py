"""DHIS2 use cases: the metadata of the warehouse's hierarchy and the indicator catalog, the data
values of nodes and a period, and an export writing both (JSON, CSV, ADX) and checking them
against the documented shapes and by reading them back.

The builders are `yigong.interop.dhis2`; this module only reads the warehouse and computes the
indicators (`services.indicators`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from yigong.interop.dhis2.datavalues import (
    DataValue,
    adx,
    data_value_set,
    data_value_set_csv,
    data_values,
    read_adx,
    read_csv,
    read_json,
)
from yigong.interop.dhis2.metadata import Community, Unit, metadata
from yigong.interop.dhis2.shapes import CsvRow, DataValueSet, Metadata, check_adx
from yigong.services import indicators as indicators_svc
from yigong.warehouse import Warehouse

__all__ = ["Dhis2Export", "dhis2_metadata", "dhis2_values", "export_dhis2", "export_nodes"]

#: an institution without an opening date opens with its division; a division without a
#: validity start with the People's Republic (DHIS2 requires an opening date)
_EPOCH = date(1949, 10, 1)


def _hierarchy(wh: Warehouse) -> tuple[list[Unit], list[Community]]:
    q = wh.duck.execute
    divisions = q(
        "SELECT division_code, arg_max(name_zh, valid_from), arg_max(name_en, valid_from), "
        "arg_max(parent_code, valid_from), min(valid_from), "
        "CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END "
        "FROM admin_divisions GROUP BY division_code"
    ).fetchall()
    units = [
        Unit(str(c), str(zh), str(en or ""), str(parent) if parent else None, vf or _EPOCH, vt)
        for c, zh, en, parent, vf, vt in divisions
    ]
    opened = {u.code: u.opened for u in units}
    for i, zh, en, div, on, off in q(
        "SELECT institution_id, name_zh, name_en, division_code, opened_on, closed_on "
        "FROM institutions"
    ).fetchall():
        div = str(div) if div else None
        units.append(
            Unit(str(i), str(zh), str(en or ""), div, on or opened.get(div or "", _EPOCH), off)
        )
    members: dict[str, list[str]] = {}
    for inst, com in q(
        "SELECT institution_id, community_id FROM community_memberships "
        "WHERE valid_to IS NULL OR valid_to >= current_date"
    ).fetchall():
        members.setdefault(str(com), []).append(str(inst))
    communities = [
        Community(str(c), str(zh), str(en or ""), str(county), vf, vt, tuple(members.get(c, [])))
        for c, zh, en, county, vf, vt in q(
            "SELECT community_id, name_zh, name_en, county_code, valid_from, valid_to "
            "FROM communities"
        ).fetchall()
    ]
    return units, communities


def dhis2_metadata(db: Path) -> dict[str, Any]:
    """Org units (both hierarchies), data elements, indicators and data sets (see
    `yigong.interop.dhis2.metadata`)."""
    with Warehouse(db) as wh:
        units, communities = _hierarchy(wh)
    return metadata(units, communities, indicators_svc.catalog().indicators.values())


def export_nodes(db: Path) -> list[str]:
    """The nodes an export covers by default: every county, community and institution."""
    with Warehouse(db) as wh:
        counties = [
            r[0]
            for r in wh.duck.execute(
                "SELECT DISTINCT county_code FROM communities ORDER BY 1"
            ).fetchall()
        ]
        communities = [
            r[0]
            for r in wh.duck.execute("SELECT community_id FROM communities ORDER BY 1").fetchall()
        ]
        institutions = [
            r[0]
            for r in wh.duck.execute(
                "SELECT institution_id FROM institutions ORDER BY 1"
            ).fetchall()
        ]
    return (
        [f"division:{c}" for c in counties]
        + [f"community:{c}" for c in communities]
        + [f"inst:{i}" for i in institutions]
    )


def dhis2_values(db: Path, nodes: Iterable[str], period: str) -> list[DataValue]:
    """The data values of every indicator of ``nodes`` in ``period``."""
    out: list[DataValue] = []
    for node in nodes:
        out += data_values(indicators_svc.compute(db, node, period, compare=False).results)
    return out


@dataclass
class Dhis2Export:
    """What an export wrote and what the checks found."""

    folder: Path
    org_units: int = 0
    data_elements: int = 0
    indicators: int = 0
    values: int = 0
    read_back: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "organisation units": self.org_units,
            "data elements": self.data_elements,
            "DHIS2 indicators": self.indicators,
            "data values": self.values,
            "read back (JSON / CSV / ADX)": " / ".join(str(n) for n in self.read_back.values()),
            "problems": self.problems[:5],
        }


def _check(meta: dict[str, Any], values: list[DataValue], files: dict[str, str]) -> list[str]:
    """Shapes (DHIS2 documentation) and the round trip: every value found again, by code, in
    each format, and every code it uses defined in the metadata."""
    problems: list[str] = []
    for what, check in (
        ("metadata", lambda: Metadata.model_validate(meta)),
        ("dataValueSet", lambda: DataValueSet.model_validate(json.loads(files["json"]))),
    ):
        try:
            check()
        except ValueError as exc:
            problems.append(f"{what}: {str(exc).splitlines()[:3]}")
    problems += [f"ADX: {p}" for p in check_adx(files["adx"])]
    for n, row in enumerate(csv.DictReader(io.StringIO(files["csv"])), start=2):
        try:
            CsvRow.model_validate(row)
        except ValueError as exc:
            problems.append(f"CSV row {n}: {str(exc).splitlines()[:3]}")
            break
    ou = {u["code"] for u in meta["organisationUnits"]}
    de = {d["code"] for d in meta["dataElements"]}
    for v in values:
        if v.org_unit not in ou or v.data_element not in de:
            problems.append(f"{v.key}: a code the metadata does not define")
            break
    expected = {v.key: v.value for v in values}
    for fmt, back in (
        ("JSON", read_json(json.loads(files["json"]))),
        ("CSV", read_csv(files["csv"])),
        ("ADX", read_adx(files["adx"])),
    ):
        got = {v.key: v.value for v in back}
        if got != expected:
            problems.append(f"{fmt} read back differs in {len(set(got) ^ set(expected))} keys")
    return problems


def export_dhis2(
    db: Path, folder: Path, period: str, nodes: list[str] | None = None
) -> Dhis2Export:
    """Write ``metadata.json``, ``dataValueSet.json``, ``dataValueSet.csv`` and
    ``dataValueSet.adx.xml`` for ``nodes`` (default: `export_nodes`) and ``period`` into
    ``folder``, and check them (shapes and round trip)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = dhis2_metadata(db)
    values = dhis2_values(db, nodes or export_nodes(db), period)
    exported = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    files = {
        "json": json.dumps(data_value_set(values), ensure_ascii=False, indent=1),
        "csv": data_value_set_csv(values),
        "adx": adx(values, exported),
    }
    (folder / "metadata.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    for suffix, name in (("json", "json"), ("csv", "csv"), ("adx", "adx.xml")):
        (folder / f"dataValueSet.{name}").write_text(files[suffix], encoding="utf-8")
    out = Dhis2Export(
        folder,
        len(meta["organisationUnits"]),
        len(meta["dataElements"]),
        len(meta["indicators"]),
        len(values),
    )
    out.read_back = {
        "json": len(read_json(json.loads(files["json"]))),
        "csv": len(read_csv(files["csv"])),
        "adx": len(read_adx(files["adx"])),
    }
    out.problems = _check(meta, values, files)
    return out
