"""Load and check a plausibility pack (kind ``plausibility-rules``): a built-in pack by id
(``plausibility-2021``) or a user pack folder (a county's copy). Every problem is an `Issue`
with file, line and field (`PlausibilityRulesError`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from yigong.ingest.plausibility.spec import PlausibilityRules
from yigong.rulepacks import (
    Issue,
    IssuesError,
    Level,
    Quote,
    SourceFile,
    YAMLError,
    builtin_folders,
    errors_in,
    open_pack,
    repo_path,
    validate_model,
    yaml_issue,
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


def _file_of(ref: str | Path) -> tuple[Path | None, list[Issue]]:
    pack, issues = open_pack(PACKS_DIR, ref, PACK_KIND)
    yamls = pack.data_files() if pack is not None else []
    if pack is not None and len(yamls) != 1:
        where = f"{pack.folder.name}/manifest.toml"
        issues.append(
            Issue(Level.ERROR, "pack.files", "a plausibility pack holds one YAML file", where)
        )
        return None, issues
    return (yamls[0] if yamls else None), issues


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


def parse_rules(path: Path) -> tuple[PlausibilityRules | None, list[Issue]]:
    """Read and validate one rules file."""
    try:
        src = SourceFile.read(path, f"{path.parent.name}/{path.name}", decimals=True)
    except YAMLError as exc:
        return None, [yaml_issue(exc, path.name)]
    issues: list[Issue] = []
    rules = validate_model(PlausibilityRules, src.data, src, out=issues)
    if rules is not None:
        issues += _semantic(rules, src)
    return (None if errors_in(issues) else rules), issues


def check_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a pack folder: folder convention, shape, tables and columns."""
    path, issues = _file_of(ref)
    if path is not None:
        issues += parse_rules(path)[1]
    return issues


def load_rules(ref: str | Path | None = None) -> PlausibilityRules:
    """The rules of a built-in pack id (default ``plausibility-2021``) or a pack folder."""
    if ref is None or (isinstance(ref, str) and (PACKS_DIR / ref).is_dir()):
        return _builtin(ref or DEFAULT_PACK)
    return _load(ref)


def _load(ref: str | Path) -> PlausibilityRules:
    path, issues = _file_of(ref)
    if path is None:
        raise PlausibilityRulesError(errors_in(issues) or issues)
    rules, found = parse_rules(path)
    if rules is None or errors_in(issues):
        raise PlausibilityRulesError(errors_in(issues + found))
    return rules


@cache
def _builtin(ref: str) -> PlausibilityRules:
    return _load(ref)


def builtin_rules() -> PlausibilityRules:
    """The default built-in pack's rules (what ingest applies unless told otherwise)."""
    return load_rules()


def policy_quotes() -> list[Quote]:
    """The clause of every rule of every built-in pack, with file and line (``docs/rules.md``)."""
    out: list[Quote] = []
    for folder in builtin_folders(PACKS_DIR):
        path, _ = _file_of(folder)
        if path is None:
            continue
        src = SourceFile.read(path)
        data = src.data if isinstance(src.data, dict) else {}
        items: list[tuple[tuple[str | int, ...], str, str]] = []
        dates = data.get("dates", {})
        items.append((("dates", "clause"), "rule date_window", str(dates.get("source", ""))))
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
        for keys, item, source in items:
            node = data
            for k in keys:
                node = node[k] if isinstance(node, dict | list) else None
            if isinstance(node, str):
                out.append(Quote(node, source, PACK_KIND, folder.name, item, repo_path(path),
                                 src.line(keys)))  # fmt: skip
    return out
