"""Loading and validating disease catalogs: rule packs (kind ``disease-catalog``) under
``catalogs/packs/<county>-<version>/``, each holding ``<county>-<version>.yaml``.

A user points at a pack folder (a copy of a built-in one) or at a single catalog file. Every
problem is reported as an ``Issue`` with file, line, field and reason; a catalog with any
error is never returned. Reading the pack (folder, its one YAML file, lines) is
`yigong.rulepacks.load_one_file_pack`'s; this module keeps the catalog's validator. County catalogs are looked up by county code, falling back to
``default`` (documented in ``docs/graded-care.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from yigong.graded_care.catalogs.catalog import (
    CatalogEntry,
    DiseaseCatalog,
    Setting,
    Token,
    parse_token,
)
from yigong.graded_care.errors import DefinitionError
from yigong.graded_care.levels import CareLevel
from yigong.rulepacks import (
    FieldPath,
    Issue,
    Level,
    PackNotFound,
    Quote,
    SourceFile,
    builtin_folders,
    errors_in,
    load_one_file_pack,
    one_file_quotes,
    open_packs,
    parse_one_file,
)

TOP_KEYS = {"county", "version", "name_zh", "source", "entries"}
ENTRY_KEYS = {"codes", "level", "setting", "name_zh", "note"}
CATALOG_LEVELS = {CareLevel.VILLAGE.key, CareLevel.TOWNSHIP.key, CareLevel.COUNTY.key}


PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "disease-catalog"


def catalog_dir() -> Path:
    """The folder of the shipped disease-catalog packs."""
    return PACKS_DIR


def parse_catalog(text: str, file: str) -> tuple[DiseaseCatalog | None, list[Issue]]:
    """Parse and validate catalog text; the catalog is None when any error was found."""
    return parse_one_file(text, file, _catalog, decimals=False)


def _catalog(src: SourceFile) -> tuple[DiseaseCatalog | None, list[Issue]]:
    """The catalog of a read catalog file, validated field by field."""
    issues: list[Issue] = []
    file = src.name

    def err(code: str, message: str, line: int | None = None, field: str = "") -> None:
        issues.append(Issue(Level.ERROR, code, message, file, line, field))

    top = src.data
    if not isinstance(top, dict):
        err("not_a_mapping", "a catalog file is a mapping with county, version, entries")
        return None, issues
    for key in top:
        if key not in TOP_KEYS:
            err("unknown_field", f"unknown top-level field {key!r}", src.line((key,)), key)
    head: dict[str, str] = {}
    for key in ("county", "version", "name_zh", "source"):
        if key not in top:
            err("missing_field", f"required field {key!r} is missing", None, key)
            continue
        value = top[key]
        if not isinstance(value, str | int | float) or not str(value).strip():
            err("bad_value", f"{key} must be non-empty text", src.line((key,)), key)
            continue
        head[key] = str(value).strip()
    entries: list[CatalogEntry] = []
    if "entries" not in top:
        err("missing_field", "required field 'entries' is missing", None, "entries")
    elif not isinstance(top["entries"], list) or not top["entries"]:
        err("bad_value", "entries must be a non-empty list", src.line(("entries",)), "entries")
    else:
        for i, body in enumerate(top["entries"]):
            entry = _entry(src, ("entries", i), body, err)
            if entry is not None:
                entries.append(entry)
    issues.extend(_conflicts(entries, file))
    name = Path(file).name
    if head.get("county") and head.get("version") and name.endswith(".yaml"):
        expected = f"{head['county']}-{head['version']}.yaml"
        if name != expected:
            err("file_name", f"file name should be {expected} (county-version.yaml)")
    if errors_in(issues):
        return None, issues
    catalog = DiseaseCatalog(
        head["county"], head["version"], head["name_zh"], head["source"], tuple(entries), file
    )
    return catalog, issues


def _entry(  # noqa: C901 - one check per field, in file order
    src: SourceFile, path: FieldPath, body: Any, err: Callable[..., None]
) -> CatalogEntry | None:
    line = src.line(path)
    if not isinstance(body, dict):
        err("bad_entry", "each entry is a mapping with codes, level, name_zh", line)
        return None
    ok = True
    for key in body:
        if key not in ENTRY_KEYS:
            err("unknown_field", f"unknown entry field {key!r}", src.line((*path, key)), key)
            ok = False
    for key in ("codes", "level", "name_zh"):
        if key not in body:
            err("missing_field", f"entry is missing {key!r}", line, key)
            ok = False
    if not ok:
        return None
    tokens: list[Token] = []
    raw = body["codes"]
    if not isinstance(raw, list) or not raw:
        err(
            "bad_value",
            "codes must be a non-empty list of ICD-10 codes or ranges",
            src.line((*path, "codes")),
            "codes",
        )
        return None
    for j, item in enumerate(raw):
        token = parse_token(str(item)) if isinstance(item, str) else None
        if token is None:
            err(
                "bad_code",
                f"{item!r} is not an ICD-10 code (A00, A00.1) or category range "
                "(A00-A09, start before end)",
                src.line((*path, "codes", j)),
                "codes",
            )
            ok = False
        else:
            tokens.append(token)
    level = str(body["level"]).strip().lower()
    if level not in CATALOG_LEVELS:
        err(
            "bad_level",
            f"level {level!r} must be one of {sorted(CATALOG_LEVELS)}",
            src.line((*path, "level")),
            "level",
        )
        ok = False
    setting = Setting.ANY
    if "setting" in body:
        value = str(body["setting"]).strip().lower()
        if value not in {s.value for s in Setting}:
            err(
                "bad_setting",
                f"setting {value!r} must be any, outpatient or inpatient",
                src.line((*path, "setting")),
                "setting",
            )
            ok = False
        else:
            setting = Setting(value)
    name = body["name_zh"]
    if not isinstance(name, str) or not name.strip():
        err("bad_value", "name_zh must be non-empty text", src.line((*path, "name_zh")), "name_zh")
        ok = False
    if not ok:
        return None
    return CatalogEntry(tuple(tokens), CareLevel.parse(level), setting, name.strip(), line or 0)


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
                        Level.ERROR,
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
                                Level.ERROR,
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


def _load(path: str | Path) -> tuple[DiseaseCatalog | None, list[Issue]]:
    return load_one_file_pack(PACKS_DIR, path, PACK_KIND, _catalog, decimals=False)


def load_catalog_file(path: str | Path) -> DiseaseCatalog:
    """Load one catalog (file or pack folder) or raise ``DefinitionError`` listing every error."""
    catalog, issues = _load(path)
    if catalog is None:
        raise DefinitionError(errors_in(issues))
    return catalog


def validate_catalog_file(path: str | Path) -> list[Issue]:
    """All issues of one catalog (file or pack folder; empty when it is valid); a path that is
    neither is one issue, not an exception."""
    try:
        return _load(path)[1]
    except PackNotFound as exc:
        return list(exc.issues)


def pack_issues(refs: list[str | Path] | None = None) -> list[Issue]:
    """Findings about the built-in (or named) pack folders: manifest, README, licence, checksums."""
    return open_packs(PACKS_DIR, refs, PACK_KIND)[1]


def _version_key(version: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in version.replace("-", ".").split("."))


def available_catalogs(directory: Path | None = None) -> list[tuple[str, str, Path]]:
    """(county, version, file) of every catalog in ``directory`` (the shipped packs by default):
    pack folders ``<county>-<version>/`` and plain ``<county>-<version>.yaml`` files, sorted by
    county then version."""
    root = directory or catalog_dir()
    paths = sorted(root.glob("*.yaml")) + [
        f for d in builtin_folders(root) for f in sorted(d.glob("*.yaml"))
    ]
    found = []
    for path in paths:
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


def policy_quotes() -> list[Quote]:
    """The source of every built-in disease catalog, at its file and line (``docs/rules.md``)."""
    return one_file_quotes(
        PACKS_DIR,
        PACK_KIND,
        lambda data: [
            (
                ("source",),
                f"disease catalog {data.get('county')} {data.get('version')}",
                "catalog source",
            )
        ],
    )
