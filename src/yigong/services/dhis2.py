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
from yigong.services.warehouse import opened
from yigong.warehouse import Tables

__all__ = ["Dhis2Export", "dhis2_metadata", "dhis2_values", "export_dhis2", "export_nodes"]

#: an institution without an opening date opens with its division; a division without a
#: validity start with the People's Republic (DHIS2 requires an opening date)
_EPOCH = date(1949, 10, 1)


def _rows(expr: Any) -> list[dict[str, Any]]:
    return list(expr.to_pyarrow().to_pylist())


def _hierarchy(wh: Tables) -> tuple[list[Unit], list[Community]]:
    d = wh.table("admin_divisions")
    divisions = d.group_by("division_code").aggregate(
        zh=d.name_zh.argmax(d.valid_from),
        en=d.name_en.argmax(d.valid_from),
        parent=d.parent_code.argmax(d.valid_from),
        vf=d.valid_from.min(),
        still_valid=d.valid_to.isnull().any(),
        vt=d.valid_to.max(),
    )
    units = [
        Unit(
            str(r["division_code"]),
            str(r["zh"]),
            str(r["en"] or ""),
            str(r["parent"]) if r["parent"] else None,
            r["vf"] or _EPOCH,
            None if r["still_valid"] else r["vt"],
        )
        for r in _rows(divisions)
    ]
    opened = {u.code: u.opened for u in units}
    i = wh.table("institutions")
    cols = ("institution_id", "name_zh", "name_en", "division_code", "opened_on", "closed_on")
    for r in _rows(i.select(*cols)):
        div = str(r["division_code"]) if r["division_code"] else None
        on = r["opened_on"] or opened.get(div or "", _EPOCH)
        units.append(
            Unit(str(r["institution_id"]), str(r["name_zh"]), str(r["name_en"] or ""), div, on,
                 r["closed_on"])
        )  # fmt: skip
    m = wh.table("community_memberships")
    m = m.filter(m.valid_to.isnull() | (m.valid_to >= date.today()))
    members: dict[str, list[str]] = {}
    for r in _rows(m.select("institution_id", "community_id")):
        members.setdefault(str(r["community_id"]), []).append(str(r["institution_id"]))
    c = wh.table("communities")
    cols = ("community_id", "name_zh", "name_en", "county_code", "valid_from", "valid_to")
    communities = [
        Community(
            str(r["community_id"]), str(r["name_zh"]), str(r["name_en"] or ""),
            str(r["county_code"]), r["valid_from"], r["valid_to"],
            tuple(members.get(str(r["community_id"]), [])),
        )
        for r in _rows(c.select(*cols))
    ]  # fmt: skip
    return units, communities


def dhis2_metadata(db: Path) -> dict[str, Any]:
    """Org units (both hierarchies), data elements, indicators and data sets (see
    `yigong.interop.dhis2.metadata`)."""
    with opened(db) as wh:
        units, communities = _hierarchy(wh)
    return metadata(units, communities, indicators_svc.catalog().indicators.values())


def _distinct(wh: Tables, table: str, column: str) -> list[str]:
    t = wh.table(table)
    values = t.select(column).distinct().to_pyarrow().column(0).to_pylist()
    return sorted(str(v) for v in values if v is not None)


def export_nodes(db: Path) -> list[str]:
    """The nodes an export covers by default: every county, community and institution."""
    with opened(db) as wh:
        counties = _distinct(wh, "communities", "county_code")
        communities = _distinct(wh, "communities", "community_id")
        institutions = _distinct(wh, "institutions", "institution_id")
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
