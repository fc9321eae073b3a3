"""Reading catalog YAML files into a `Catalog`, keeping file and line for every definition.

The catalog ships as rule packs (kind ``indicator-catalog``) under ``indicators/packs/``: the
pack ``measures-1`` holds ``measures.yaml`` (measures and value sets shared by all catalogs) and
every other pack one catalog edition (``kind: catalog``) with its indicators and targets. A user
points at a pack folder (a copy of a built-in one) or at single YAML files. Loading never raises
on bad content: each problem becomes an `Issue` with file and line, and
`yigong.indicators.checks` adds the cross-reference checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from yigong.indicators.spec import Indicator, Measure, Strict, Target
from yigong.rulepacks import (
    FieldPath,
    Issue,
    IssuesError,
    Level,
    Pack,
    Quote,
    SourceFile,
    YAMLError,
    open_packs,
    repo_path,
    validate_model,
    yaml_issue,
)

__all__ = [
    "PACKS_DIR",
    "PACK_KIND",
    "Catalog",
    "CatalogError",
    "CatalogHeader",
    "builtin_packs",
    "builtin_paths",
    "load_catalog",
    "edition_issues",
    "policy_quotes",
]


class CatalogError(IssuesError):
    """A catalog failed validation; carries every error, not just the first."""


class CatalogHeader(Strict):
    """The head of one catalog edition file: what it is and where it comes from."""

    kind: str
    catalog: str
    edition: str
    title_zh: str
    title_en: str
    issuer: str = ""
    document: str = ""
    status: str = ""
    note: str = ""


@dataclass
class Catalog:
    """Every measure, value set, indicator and target read from a set of files."""

    measures: dict[str, Measure] = field(default_factory=dict)
    valuesets: dict[str, list[str]] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    headers: dict[str, CatalogHeader] = field(default_factory=dict)  # catalog id -> header
    sources: dict[str, SourceFile] = field(default_factory=dict)  # file name -> parsed file
    issues: list[Issue] = field(default_factory=list)  # problems found while loading

    def line(self, file: str, path: FieldPath) -> int | None:
        src = self.sources.get(file)
        return src.line(path) if src else None

    def issue(self, level: Level, code: str, message: str, file: str, path: FieldPath) -> Issue:
        field_name = ".".join(str(p) for p in path)
        return Issue(level, code, message, file, self.line(file, path), field_name)

    def indicator(self, ident: str) -> Indicator:
        try:
            return self.indicators[ident]
        except KeyError:
            raise KeyError(f"no indicator {ident!r} in the catalog") from None

    def in_catalog(self, name: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.catalog == name]


PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "indicator-catalog"


def builtin_packs() -> list[Pack]:
    """The catalog packs shipped with yigong (package data ``indicators/packs/<id>/``)."""
    return open_packs(PACKS_DIR, None, PACK_KIND)[0]


def builtin_paths() -> list[Path]:
    """The catalog files of the packs shipped with yigong, pack by pack."""
    return [f for pack in builtin_packs() for f in pack.data_files()]


def edition_issues(folders: list[Path] | None = None) -> list[Issue]:
    """That each pack manifest's version is the edition of its catalog file (the built-in
    packs by default)."""
    packs, _ = open_packs(PACKS_DIR, folders, PACK_KIND)
    issues: list[Issue] = []
    for pack in packs:
        for path in pack.data_files():
            try:
                head = SourceFile.read(path).data
            except YAMLError:
                continue  # reported by load_catalog
            edition = head.get("edition") if isinstance(head, dict) else None
            if edition is not None and str(edition) != pack.version:
                issues.append(
                    Issue(
                        Level.ERROR,
                        "pack.version",
                        f"manifest version {pack.version!r} differs from the edition "
                        f"{edition!r} of {path.name}",
                        f"{pack.folder.name}/manifest.toml",
                        None,
                        "pack.version",
                    )
                )
    return issues


def _expand(paths: list[Path]) -> tuple[list[Path], list[Issue]]:
    """Files as given; a pack folder → its YAML files (and the findings about the folder)."""
    files: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            packs, found = open_packs(PACKS_DIR, [path], PACK_KIND)
            issues += found
            files += [f for pack in packs for f in pack.data_files()]
        else:
            files.append(path)
    return files, issues


def _model(cat: Catalog, model: type[BaseModel], data: Any, file: str, path: FieldPath) -> Any:
    obj = validate_model(model, data, cat.sources[file], path, cat.issues)
    if obj is not None and hasattr(obj, "located"):
        obj.located(file, path)
    return obj


def _load_measures(cat: Catalog, src: SourceFile) -> None:
    data = src.data
    for name, body in (data.get("measures") or {}).items():
        m = _model(cat, Measure, body, src.name, ("measures", name))
        if m is not None:
            if name in cat.measures:
                cat.issues.append(
                    cat.issue(
                        Level.ERROR,
                        "duplicate-measure",
                        f"measure {name!r} defined twice",
                        src.name,
                        ("measures", name),
                    )
                )
            cat.measures[name] = m
    for name, codes in (data.get("valuesets") or {}).items():
        if not isinstance(codes, list) or not all(isinstance(c, str | int) for c in codes):
            cat.issues.append(
                cat.issue(
                    Level.ERROR,
                    "schema",
                    "a value set is a list of codes",
                    src.name,
                    ("valuesets", name),
                )
            )
            continue
        cat.valuesets[name] = [str(c) for c in codes]


def _load_catalog_file(cat: Catalog, src: SourceFile) -> None:
    data = dict(src.data)
    indicators = data.pop("indicators", None) or []
    targets = data.pop("targets", None) or []
    header = _model(cat, CatalogHeader, data, src.name, ())
    if header is None:
        return
    if header.catalog in cat.headers:
        cat.issues.append(
            cat.issue(
                Level.ERROR,
                "duplicate-catalog",
                f"catalog {header.catalog!r} is defined by two files",
                src.name,
                ("catalog",),
            )
        )
    cat.headers[header.catalog] = header
    for i, body in enumerate(indicators):
        if isinstance(body, dict):
            body = {**body, "catalog": header.catalog, "edition": header.edition}
        ind = _model(cat, Indicator, body, src.name, ("indicators", i))
        if ind is None:
            continue
        if ind.id in cat.indicators:
            first = cat.indicators[ind.id].origin
            cat.issues.append(
                cat.issue(
                    Level.ERROR,
                    "duplicate-id",
                    f"indicator id {ind.id!r} already defined in {first.file}:"
                    f"{cat.line(first.file, first.path)}",
                    src.name,
                    ("indicators", i, "id"),
                )
            )
            continue
        cat.indicators[ind.id] = ind
    for i, body in enumerate(targets):
        tgt = _model(cat, Target, body, src.name, ("targets", i))
        if tgt is not None:
            cat.targets.append(tgt)


def load_catalog(paths: list[Path] | None = None) -> Catalog:
    """Load catalog files or pack folders (the built-in packs by default) and resolve
    ``same_as`` references."""
    cat = Catalog()
    files, found = _expand(paths) if paths is not None else (builtin_paths(), [])
    cat.issues += found
    for path in files:
        try:
            src = SourceFile.read(path)
        except YAMLError as exc:
            cat.issues.append(yaml_issue(exc, path.name))
            continue
        cat.sources[src.name] = src
        if not isinstance(src.data, dict):
            cat.issues.append(
                Issue(Level.ERROR, "schema", "a catalog file is a mapping", src.name, 1)
            )
        elif src.data.get("kind") == "measures":
            _load_measures(cat, src)
        elif src.data.get("kind") == "catalog":
            _load_catalog_file(cat, src)
        else:
            cat.issues.append(
                cat.issue(
                    Level.ERROR,
                    "schema",
                    "kind must be 'measures' or 'catalog'",
                    src.name,
                    ("kind",),
                )
            )
    _resolve_same_as(cat)
    return cat


#: fields an indicator inherits from the one it is ``same_as`` (its definition, not its name).
_DEFINITION_FIELDS = (
    "kind",
    "numerator",
    "denominator",
    "base",
    "growth_against",
    "factor",
    "divisor",
    "unit",
    "decimals",
    "display",
    "direction",
    "period_types",
    "levels",
    "institution_types",
    "provenance",
    "interpretation",
    "proxy",
    "proxy_zh",
    "requires",
)


def _resolve_same_as(cat: Catalog) -> None:
    for ident, ind in list(cat.indicators.items()):
        if ind.same_as is None:
            continue
        ref = cat.indicators.get(ind.same_as)
        if ref is None or ref.same_as is not None:
            why = "is unknown" if ref is None else "is itself a same_as (chain not allowed)"
            cat.issues.append(
                cat.issue(
                    Level.ERROR,
                    "same-as",
                    f"same_as {ind.same_as!r} {why}",
                    ind.origin.file,
                    (*ind.origin.path, "same_as"),
                )
            )
            continue
        given = ind.model_fields_set
        update = {f: getattr(ref, f) for f in _DEFINITION_FIELDS if f not in given}
        for inherited in ("source", "clause"):
            if inherited not in given:
                update[inherited] = getattr(ref, inherited)
        merged = ind.model_copy(update=update)
        merged.located(ind.origin.file, ind.origin.path)
        cat.indicators[ident] = merged


def policy_quotes() -> list[Quote]:
    """Every target's source sentence and every indicator's definition reference, with the
    built-in pack and the file and line that carry it (rows of ``docs/rules.md``)."""
    files = {f.name: (pack, f) for pack in builtin_packs() for f in pack.data_files()}
    cat = load_catalog([f for _, f in files.values()])
    out: list[Quote] = []
    for t in cat.targets:
        pack, path = files[t.origin.file]
        value = f"{t.value:g}" if t.value is not None else t.benchmark
        out.append(
            Quote(
                t.source_text,
                f"[{t.source}]",
                PACK_KIND,
                pack.id,
                f"target {t.indicator} {t.comparator} {value} by {t.deadline}",
                repo_path(path),
                cat.line(t.origin.file, t.origin.path),
            )
        )
    for ind in cat.indicators.values():
        if not ind.source:
            continue
        pack, path = files[ind.origin.file]
        out.append(
            Quote(
                ind.source,
                "indicator definition",
                PACK_KIND,
                pack.id,
                f"indicator {ind.id} {ind.name_en}",
                repo_path(path),
                cat.line(ind.origin.file, ind.origin.path),
                reference=True,
            )
        )
    return out
