"""Loading and validating disease catalog files (package data ``catalogs/<county>-<version>.yaml``).

Every problem is reported as an ``Issue`` with file, line, field and reason; a catalog with any
error is never returned. County catalogs are looked up by county code, falling back to
``default`` (documented in ``docs/graded-care.md``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from yigong.graded_care import _yaml
from yigong.graded_care.catalogs.catalog import (
    CatalogEntry,
    DiseaseCatalog,
    Setting,
    Token,
    parse_token,
)
from yigong.graded_care.issues import DefinitionError, Issue, Severity
from yigong.graded_care.levels import CareLevel

TOP_KEYS = {"county", "version", "name_zh", "source", "entries"}
ENTRY_KEYS = {"codes", "level", "setting", "name_zh", "note"}
CATALOG_LEVELS = {CareLevel.VILLAGE.key, CareLevel.TOWNSHIP.key, CareLevel.COUNTY.key}


def catalog_dir() -> Path:
    return Path(str(resources.files("yigong.graded_care.catalogs") / "packs"))


def parse_catalog(text: str, file: str) -> tuple[DiseaseCatalog | None, list[Issue]]:
    """Parse and validate catalog text; the catalog is None when any error was found."""
    issues: list[Issue] = []

    def err(code: str, message: str, line: int = 0, field: str = "") -> None:
        issues.append(Issue(Severity.ERROR, code, message, file, line, field))

    try:
        root = _yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        err("yaml_syntax", str(exc).splitlines()[0], mark.line + 1 if mark else 0)
        return None, issues
    if not isinstance(root, yaml.MappingNode):
        err("not_a_mapping", "a catalog file is a mapping with county, version, entries")
        return None, issues
    top = _yaml.mapping_items(root)
    for key, (_, line) in top.items():
        if key not in TOP_KEYS:
            err("unknown_field", f"unknown top-level field {key!r}", line, key)
    head: dict[str, str] = {}
    for key in ("county", "version", "name_zh", "source"):
        if key not in top:
            err("missing_field", f"required field {key!r} is missing", 0, key)
            continue
        value = _yaml.plain(top[key][0])
        if not isinstance(value, str | int | float) or not str(value).strip():
            err("bad_value", f"{key} must be non-empty text", top[key][1], key)
            continue
        head[key] = str(value).strip()
    entries: list[CatalogEntry] = []
    if "entries" not in top:
        err("missing_field", "required field 'entries' is missing", 0, "entries")
    elif not isinstance(top["entries"][0], yaml.SequenceNode) or not top["entries"][0].value:
        err("bad_value", "entries must be a non-empty list", top["entries"][1], "entries")
    else:
        for node in top["entries"][0].value:
            entry = _entry(node, err)
            if entry is not None:
                entries.append(entry)
    issues.extend(_conflicts(entries, file))
    name = Path(file).name
    if head.get("county") and head.get("version") and name.endswith(".yaml"):
        expected = f"{head['county']}-{head['version']}.yaml"
        if name != expected:
            err("file_name", f"file name should be {expected} (county-version.yaml)", 0)
    if any(i.severity is Severity.ERROR for i in issues):
        return None, issues
    catalog = DiseaseCatalog(
        head["county"], head["version"], head["name_zh"], head["source"], tuple(entries), file
    )
    return catalog, issues


def _entry(node: yaml.Node, err) -> CatalogEntry | None:  # type: ignore[no-untyped-def]
    line = _yaml.line_of(node)
    if not isinstance(node, yaml.MappingNode):
        err("bad_entry", "each entry is a mapping with codes, level, name_zh", line)
        return None
    fields = _yaml.mapping_items(node)
    ok = True
    for key, (_, kline) in fields.items():
        if key not in ENTRY_KEYS:
            err("unknown_field", f"unknown entry field {key!r}", kline, key)
            ok = False
    for key in ("codes", "level", "name_zh"):
        if key not in fields:
            err("missing_field", f"entry is missing {key!r}", line, key)
            ok = False
    if not ok:
        return None
    tokens: list[Token] = []
    codes_node, codes_line = fields["codes"]
    raw = _yaml.plain(codes_node)
    if not isinstance(raw, list) or not raw:
        err(
            "bad_value",
            "codes must be a non-empty list of ICD-10 codes or ranges",
            codes_line,
            "codes",
        )
        return None
    for item_node, item in zip(codes_node.value, raw, strict=True):
        token = parse_token(str(item)) if isinstance(item, str) else None
        if token is None:
            err(
                "bad_code",
                f"{item!r} is not an ICD-10 code (A00, A00.1) or category range "
                "(A00-A09, start before end)",
                _yaml.line_of(item_node),
                "codes",
            )
            ok = False
        else:
            tokens.append(token)
    level_node, level_line = fields["level"]
    level = str(_yaml.plain(level_node)).strip().lower()
    if level not in CATALOG_LEVELS:
        err(
            "bad_level",
            f"level {level!r} must be one of {sorted(CATALOG_LEVELS)}",
            level_line,
            "level",
        )
        ok = False
    setting = Setting.ANY
    if "setting" in fields:
        value = str(_yaml.plain(fields["setting"][0])).strip().lower()
        if value not in {s.value for s in Setting}:
            err(
                "bad_setting",
                f"setting {value!r} must be any, outpatient or inpatient",
                fields["setting"][1],
                "setting",
            )
            ok = False
        else:
            setting = Setting(value)
    name = _yaml.plain(fields["name_zh"][0])
    if not isinstance(name, str) or not name.strip():
        err("bad_value", "name_zh must be non-empty text", fields["name_zh"][1], "name_zh")
        ok = False
    if not ok:
        return None
    return CatalogEntry(tuple(tokens), CareLevel.parse(level), setting, name.strip(), line)


def _conflicts(entries: list[CatalogEntry], file: str) -> list[Issue]:
    """Duplicates and overlapping ranges that would leave a code with two levels."""
    issues: list[Issue] = []
    seen: dict[tuple[str, Setting], CatalogEntry] = {}
    ranges: list[tuple[Token, CatalogEntry]] = []
    for entry in entries:
        for token in entry.tokens:
            key = (token.text, entry.setting)
            if key in seen:
                first = seen[key]
                issues.append(
                    Issue(
                        Severity.ERROR,
                        "duplicate_code",
                        f"{token.text} ({entry.setting.value}) is already listed at "
                        f"line {first.line} ({first.level.key})",
                        file,
                        entry.line,
                        "codes",
                    )
                )
                continue
            seen[key] = entry
            if token.is_range:
                for other_token, other in ranges:
                    overlap = other_token.start <= token.end and token.start <= other_token.end
                    if overlap and other.setting is entry.setting and other.level != entry.level:
                        issues.append(
                            Issue(
                                Severity.ERROR,
                                "overlapping_ranges",
                                f"{token.text} ({entry.level.key}) overlaps {other_token.text} "
                                f"({other.level.key}, line {other.line}); list the exceptions as "
                                "codes instead",
                                file,
                                entry.line,
                                "codes",
                            )
                        )
                ranges.append((token, entry))
    return issues


def load_catalog_file(path: str | Path) -> DiseaseCatalog:
    """Load one catalog file or raise ``DefinitionError`` listing every error."""
    path = Path(path)
    catalog, issues = parse_catalog(path.read_text(encoding="utf-8"), str(path))
    if catalog is None:
        raise DefinitionError([i for i in issues if i.severity is Severity.ERROR])
    return catalog


def validate_catalog_file(path: str | Path) -> list[Issue]:
    """All issues of one catalog file (empty when it is valid)."""
    path = Path(path)
    return parse_catalog(path.read_text(encoding="utf-8"), str(path))[1]


def _version_key(version: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in version.replace("-", ".").split("."))


def available_catalogs(directory: Path | None = None) -> list[tuple[str, str, Path]]:
    """(county, version, path) of every shipped catalog, sorted by county then version."""
    found = []
    for path in sorted((directory or catalog_dir()).glob("*.yaml")):
        county, _, version = path.stem.partition("-")
        found.append((county, version, path))
    return sorted(found, key=lambda t: (t[0], _version_key(t[1])))


def load_catalog(
    county: str | None = None, version: str | None = None, directory: Path | None = None
) -> DiseaseCatalog:
    """The catalog for a county (latest version unless given), else the ``default`` catalog."""
    shipped = available_catalogs(directory)
    for wanted in ([county] if county else []) + ["default"]:
        candidates = [c for c in shipped if c[0] == wanted and (version is None or c[1] == version)]
        if candidates:
            return load_catalog_file(candidates[-1][2])
    raise FileNotFoundError(
        f"no disease catalog for county {county!r} version {version!r} and no default in "
        f"{directory or catalog_dir()}"
    )
