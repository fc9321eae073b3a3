"""Reading catalog YAML files into a `Catalog`, keeping file and line for every definition.

Two kinds of file live in ``indicators/catalog/``: one ``measures.yaml`` (measures and value
sets shared by all catalogs) and one file per catalog edition (``kind: catalog``) holding
indicators and targets. Loading never raises on bad content: each problem becomes an `Issue`
with file and line, and `yigong.indicators.rules` adds the cross-reference checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from yigong.indicators.issues import Issue, Level
from yigong.indicators.spec import Indicator, Measure, Strict, Target
from yigong.indicators.yamlsrc import FieldPath, SourceFile

__all__ = ["Catalog", "CatalogHeader", "builtin_paths", "load_catalog"]


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


def builtin_paths() -> list[Path]:
    """The catalog files shipped with yigong (package data)."""
    root = resources.files("yigong.indicators") / "catalog"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".yaml", ".yml")))


def _model(cat: Catalog, model: type[BaseModel], data: Any, file: str, path: FieldPath) -> Any:
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = (*path, *err["loc"])
            cat.issues.append(cat.issue(Level.ERROR, "schema", err["msg"], file, loc))
        return None
    if hasattr(obj, "located"):
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
    """Load catalog files (the built-in ones by default) and resolve ``same_as`` references."""
    cat = Catalog()
    for path in paths if paths is not None else builtin_paths():
        try:
            src = SourceFile.read(path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            cat.issues.append(Issue(Level.ERROR, "yaml", str(exc).splitlines()[0], path.name, line))
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
