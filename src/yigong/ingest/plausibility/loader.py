"""Load and check a plausibility pack (kind ``plausibility-rules``): a built-in pack by id
(``plausibility-2021``), a user pack folder (a county's copy) or its one YAML file. Every
problem is an `Issue` with file, line and field (`PlausibilityRulesError`). Reading the pack is
`yigong.rulepacks.load_one_file_pack`'s; this module keeps the checks of tables and columns."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from yigong.ingest.plausibility.spec import PlausibilityRules
from yigong.rulepacks import (
    FieldPath,
    Issue,
    IssuesError,
    Quote,
    SourceFile,
    errors_in,
    load_one_file_pack,
    one_file_quotes,
)
from yigong.schema.model import DType, Table
from yigong.schema.tables import BY_NAME

__all__ = [
    "DEFAULT_PACK",
    "PACKS_DIR",
    "PACK_KIND",
    "PlausibilityRulesError",
    "builtin_rules",
    "check_pack",
    "load_rules",
    "policy_quotes",
]

PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "plausibility-rules"
DEFAULT_PACK = "plausibility-2021"
_DATES = (DType.DATE, DType.TIMESTAMP)


class PlausibilityRulesError(IssuesError):
    """A plausibility pack with errors (every one listed with file and line)."""


def _column_issues(
    src: SourceFile,
    path: tuple[str | int, ...],
    table: Table,
    column: str,
    kinds: tuple[DType, ...],
) -> list[Issue]:
    try:
        col = table.column(column)
    except KeyError:
        return [src.issue("unknown-column", f"{table.name} has no column {column!r}", path)]
    if col.dtype not in kinds:
        want = " or ".join(k.value for k in kinds)
        return [
            src.issue(
                "column-type", f"{table.name}.{column} is {col.dtype.value}, not {want}", path
            )
        ]
    return []


def _semantic(rules: PlausibilityRules, src: SourceFile) -> list[Issue]:
    out: list[Issue] = []

    def table_of(name: str, path: tuple[str | int, ...]) -> Table | None:
        if name not in BY_NAME:
            out.append(src.issue("unknown-table", f"no canonical table {name!r}", path))
            return None
        return BY_NAME[name]

    for name, columns in rules.dates.planned.items():
        t = table_of(name, ("dates", "planned", name))
        for i, column in enumerate(columns):
            if t is not None:
                out += _column_issues(src, ("dates", "planned", name, i), t, column, _DATES)
    for n, stay in enumerate(rules.stays):
        t = table_of(stay.table, ("stays", n, "table"))
        if t is None:
            continue
        out += _column_issues(
            src, ("stays", n, "length_of_stay"), t, stay.length_of_stay, (DType.INT,)
        )
        for key in ("admission", "discharge"):
            out += _column_issues(src, ("stays", n, key), t, getattr(stay, key), _DATES)
    for n, rule in enumerate(rules.parts):
        t = table_of(rule.table, ("parts", n, "table"))
        if t is None:
            continue
        out += _column_issues(src, ("parts", n, "total"), t, rule.total, (DType.DECIMAL,))
        for i, part in enumerate(rule.parts):
            out += _column_issues(src, ("parts", n, "parts", i), t, part, (DType.DECIMAL,))
            if part == rule.total:
                out.append(src.issue("part-is-total", f"{part} is the total itself",
                                     ("parts", n, "parts", i)))  # fmt: skip
        for i, part in enumerate(rule.sum_of):
            if part not in rule.parts:
                out.append(src.issue("sum-of", f"{part} is not one of the parts",
                                     ("parts", n, "sum_of", i)))  # fmt: skip
    return out


def _pack(ref: str | Path) -> tuple[PlausibilityRules | None, list[Issue]]:
    return load_one_file_pack(PACKS_DIR, ref, PACK_KIND, PlausibilityRules, _semantic)


def check_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a pack folder (or its file): folder convention, shape, tables and
    columns."""
    return _pack(ref)[1]


def load_rules(ref: str | Path | None = None) -> PlausibilityRules:
    """The rules of a built-in pack id (default ``plausibility-2021``), a pack folder or its
    YAML file."""
    if ref is None or (isinstance(ref, str) and (PACKS_DIR / ref).is_dir()):
        return _builtin(ref or DEFAULT_PACK)
    return _load(ref)


def _load(ref: str | Path) -> PlausibilityRules:
    rules, issues = _pack(ref)
    if rules is None:
        raise PlausibilityRulesError(errors_in(issues))
    return rules


@cache
def _builtin(ref: str) -> PlausibilityRules:
    return _load(ref)


def builtin_rules() -> PlausibilityRules:
    """The default built-in pack's rules (what ingest applies unless told otherwise)."""
    return load_rules()


def _quoted(data: Any) -> list[tuple[FieldPath, str, str]]:
    """(field, rule, source) of every clause of a pack's data."""
    data = data if isinstance(data, dict) else {}
    dates = data.get("dates") or {}
    items: list[tuple[FieldPath, str, str]] = [
        (("dates", "clause"), "rule date_window", str(dates.get("source", "")))
    ]
    for n, stay in enumerate(data.get("stays", [])):
        what = f"{stay.get('table')}.{stay.get('length_of_stay')}"
        source = str(stay.get("source", ""))
        items.append((("stays", n, "bound_clause"), f"rule los_bound ({what})", source))
        items.append((("stays", n, "clause"), f"rule los_dates ({what})", source))
    for n, rule in enumerate(data.get("parts", [])):
        what = f"{rule.get('table')}.{rule.get('total')}"
        items.append(
            (("parts", n, "clause"), f"rules part_total, parts_sum ({what})",
             str(rule.get("source", "")))
        )  # fmt: skip
    return items


def policy_quotes() -> list[Quote]:
    """The clause of every rule of every built-in pack, with file and line (``docs/rules.md``)."""
    return one_file_quotes(PACKS_DIR, PACK_KIND, _quoted)
