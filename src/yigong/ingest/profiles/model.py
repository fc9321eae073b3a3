"""What a layout profile is: how one national export layout maps onto one canonical table.

A profile is data (a folder under `packs/`, see `packs.py`): a manifest naming the canonical
table and the standard the layout follows, `fields.csv` with one row per field of the layout
(its identifier, its Chinese header and the spellings exports use, the canonical column it feeds
or none) and `codes.csv` with the value maps (性别 1/2 and 男/女 → the canonical code). Wide
repeated fields (其他诊断编码1…n, 手术及操作编码1…n with their dates, grades, incisions and
anaesthesia) form *groups* that are unpivoted into the canonical `|`-joined lists. A few
canonical columns are *derived* from several fields (住院记录标识 from 组织机构代码, 病案号 and
住院次数; a cost class as the sum of its items) or *taken* from a sub-list (the settlement list's
diagnosis, procedure, item and fund-payment lists, given as further files or sheets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

#: the placeholder of a repeated field's number in names and headers (其他诊断编码{n}).
SLOT = "{n}"
FORMATS = ("text", "date", "integer", "amount")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a layout.

    Attributes:
        sheet: ``""`` for the main file, else the id of the sub-list it belongs to.
        name: the field's identifier in the standard (HQMS column code, NHSA interface element),
            itself accepted as a header; ``{n}`` in a repeated field.
        header: the Chinese header the standard prints (``{n}`` in a repeated field).
        aliases: other spellings exports use (``{n}`` allowed).
        column: the canonical column it feeds, ``""`` for a field that is known but not stored.
        group: the repeat group (``diagnoses``, ``procedures``) of a list element, else ``""``.
        slot: the fixed position in its group of a field without ``{n}`` (主要诊断 = 0).
        codes: the value map (in ``codes.csv``) its values go through, ``""`` for none.
        format: how its text is normalised before the table's own checks (see `FORMATS`).
        source: where the field comes from (``WS 445``, ``HQMS``, ``NHSA 4101``, ``extension``).
        note: one line for the reader of the pack.
    """

    sheet: str
    name: str
    header: str
    aliases: tuple[str, ...] = ()
    column: str = ""
    group: str = ""
    slot: int | None = None
    codes: str = ""
    format: str = "text"
    source: str = ""
    note: str = ""

    @property
    def repeated(self) -> bool:
        return SLOT in self.header

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every header this field is recognised by: its header, its identifier, its aliases."""
        return (self.header, self.name, *self.aliases)

    def header_for(self, slot: int | None) -> str:
        return self.header.replace(SLOT, str(slot)) if slot is not None else self.header

    def name_for(self, slot: int | None) -> str:
        return self.name.replace(SLOT, str(slot)) if slot is not None else self.name


@dataclass(frozen=True)
class ValueMap:
    """Raw value (as exported) → canonical code, with the label of each canonical code."""

    id: str
    title: str
    values: dict[str, str]
    written: dict[str, str]  # canonical code → the raw value yigong writes (the first listed)


@dataclass(frozen=True)
class Derived:
    """A canonical column built from several fields of the same row.

    ``template``: text with ``{FIELD}`` or ``{FIELD:0N}`` (left-padded with zeros to N);
    ``sum``: the amounts of the fields added up (the class total of a cost breakdown).
    """

    column: str
    kind: str  # "template" | "sum"
    fields: tuple[str, ...]
    expression: str
    widths: tuple[int, ...] = ()  # template: zero-pad width per field (0 = none)


@dataclass(frozen=True)
class SubList:
    """A list that belongs to each main row (the settlement list's 诊断信息, 收费项目信息 …)."""

    id: str
    title: str
    key: str  # field of the sub-list naming its main row
    parent: str  # field of the main file it matches


@dataclass(frozen=True)
class Taken:
    """A canonical column taken from a sub-list: the first value where a field has a value, or
    the sum of an amount field."""

    column: str
    sheet: str
    op: str  # "first" | "sum"
    field: str
    where_field: str = ""
    where_value: str = ""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (loaded once, cached)
class Profile:
    """A layout profile, loaded from its folder and checked (`packs.check_profile`)."""

    id: str
    version: str
    title: str
    title_en: str
    table: str
    source: str
    folder: Path
    fields: tuple[FieldSpec, ...]
    value_maps: dict[str, ValueMap]
    groups: dict[str, str]  # group id → its anchor canonical column (a slot exists if it is set)
    derived: tuple[Derived, ...] = ()
    sublists: dict[str, SubList] = field(default_factory=dict)
    taken: tuple[Taken, ...] = ()
    case_key: tuple[str, ...] = ()  # fields naming a case in the export (the DRG output's key)
    min_share: float = 0.5

    def main_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.sheet)

    def sheet_fields(self, sheet: str) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.sheet == sheet)

    def field(self, name: str, sheet: str = "") -> FieldSpec:
        for f in self.fields:
            if f.sheet == sheet and f.name == name:
                return f
        raise KeyError(f"{self.id}: no field {name!r}" + (f" in {sheet}" if sheet else ""))

    @property
    def label(self) -> str:
        return f"{self.id} {self.version} ({self.title})"


_TEMPLATE_PART = re.compile(r"\{([^{}:]+)(?::0(\d+))?\}")


def parse_template(column: str, expression: str) -> Derived:
    """``{ZZJGDM}-{BAH}-{ZYCS:02}`` → a template over fields ZZJGDM, BAH and ZYCS."""
    parts = _TEMPLATE_PART.findall(expression)
    if not parts:
        raise ValueError(f"derived {column}: {expression!r} names no field")
    return Derived(
        column,
        "template",
        tuple(p[0] for p in parts),
        expression,
        tuple(int(p[1] or 0) for p in parts),
    )


def template_pieces(d: Derived) -> list[tuple[str, int] | str]:
    """A template as literal text and (field, width) pieces, in order."""
    out: list[tuple[str, int] | str] = []
    pos = 0
    for m in _TEMPLATE_PART.finditer(d.expression):
        if m.start() > pos:
            out.append(d.expression[pos : m.start()])
        out.append((m.group(1), int(m.group(2) or 0)))
        pos = m.end()
    if pos < len(d.expression):
        out.append(d.expression[pos:])
    return out
