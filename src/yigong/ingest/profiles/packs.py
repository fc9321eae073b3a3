"""Reading and checking layout profile packs.

A profile is a rule pack in the project's pack format (`yigong.rulepacks`, kind
``layout-profile``; `yigong packs check` checks it with every other pack)::

    <id>/manifest.toml   [pack] id, version, kind, titles; [source] the standard it follows,
                         licence; [files] the SHA-256 of every file (`yigong packs seal`)
    <id>/profile.toml    [profile] table, min_share, case_key; [groups], [derived],
                         [sublists.<id>], [taken], [maps] (docs/ingest.md "Layout profiles")
    <id>/fields.csv      sheet,name,header,aliases,column,group,slot,codes,format,source,note
    <id>/codes.csv       map,value,code,label   (the first value listed for a code is the one
                         yigong writes)
    <id>/README.md       the standard it follows, what is an extension, what to check locally
    <id>/LICENSE.txt

The shipped packs live beside this module; further folders (a county's local variant, made by
copying a shipped folder and editing it) are found through ``--profiles DIR`` or the
environment variable ``YIGONG_PROFILES`` (folders separated by ``:``). A pack whose id repeats a
shipped one replaces it. Every pack is checked when loaded (`check_profile`): a broken pack is
refused with the file, line and reason, never half-used. An edited copy whose checksums are
stale is used (a warning of `yigong packs check`, as for every user pack).
"""

from __future__ import annotations

import csv
import os
import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from yigong.ingest.profiles.model import (
    FORMATS,
    SLOT,
    Derived,
    FieldSpec,
    Profile,
    SubList,
    Taken,
    ValueMap,
    parse_template,
)
from yigong.rulepacks import Level, PackNotFound, read_toml_model
from yigong.rulepacks.packs import Pack, open_pack
from yigong.schema.codes import SMALL_CODE_SYSTEMS
from yigong.schema.model import DType
from yigong.schema.tables import BY_NAME, TABLES

ENV_VAR = "YIGONG_PROFILES"
KIND = "layout-profile"
SHIPPED = Path(__file__).parent / "packs"
FIELD_COLUMNS = (
    "sheet",
    "name",
    "header",
    "aliases",
    "column",
    "group",
    "slot",
    "codes",
    "format",
    "source",
    "note",
)
CODE_COLUMNS = ("map", "value", "code", "label")
_INGESTABLE = {t.name for t in TABLES}


class ProfileError(ValueError):
    """A profile pack cannot be used; the message names the file, line and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Head(_Strict):
    table: str
    min_share: float = 0.5
    case_key: list[str] = []


class _Sub(_Strict):
    title: str
    key: str
    parent: str


class _Manifest(_Strict):
    profile: _Head
    groups: dict[str, str] = {}
    derived: dict[str, str] = {}
    sublists: dict[str, _Sub] = {}
    taken: dict[str, str] = {}
    maps: dict[str, str] = {}


_SUM = re.compile(r"^sum\(([^()]+)\)$")
_TAKEN = re.compile(
    r"^(first|sum)\(\s*(\w+)\.(\w+)\s*\)(?:\s+where\s+(\w+)\s*=\s*(\S+))?$", re.IGNORECASE
)


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise ProfileError(f"{path}: missing")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != columns:
            raise ProfileError(f"{path}: header must be {','.join(columns)}")
        return [(i + 2, {k: (v or "").strip() for k, v in r.items()}) for i, r in enumerate(reader)]


def _derived(column: str, text: str, where: str) -> Derived:
    m = _SUM.match(text.strip())
    if m:
        names = tuple(n.strip() for n in m.group(1).split(","))
        return Derived(column, "sum", names, text)
    try:
        return parse_template(column, text)
    except ValueError as exc:
        raise ProfileError(f"{where}: {exc}") from exc


def _taken(column: str, text: str, where: str) -> Taken:
    m = _TAKEN.match(text.strip())
    if not m:
        raise ProfileError(
            f"{where}: taken {column} = {text!r}: write first(list.field) [where field = value] "
            "or sum(list.field)"
        )
    op, sheet, name, wf, wv = m.groups()
    return Taken(column, sheet, op.lower(), name, wf or "", (wv or "").strip("'\""))


def _pack(folder: Path) -> Pack:
    """The pack's manifest and folder convention (rulepacks): errors refuse it."""
    try:
        pack, issues = open_pack(SHIPPED, folder, KIND)
    except PackNotFound as exc:
        raise ProfileError(str(exc)) from exc
    errors = [i for i in issues if i.level is Level.ERROR]
    if pack is None or errors:
        raise ProfileError("; ".join(str(i) for i in errors) or f"{folder}: unusable manifest")
    return pack


def load_profile(folder: Path) -> Profile:
    """Read the pack in `folder` and check it; ProfileError naming the problem otherwise."""
    pack = _pack(folder)
    where = folder / "profile.toml"
    m, issues = read_toml_model(where, _Manifest, str(where), code="profile")
    if m is None:  # one issue per problem, each at profile.toml:<line> with its field
        raise ProfileError("; ".join(str(i) for i in issues))
    fields = []
    for line, r in _rows(folder / "fields.csv", FIELD_COLUMNS):
        try:
            slot = int(r["slot"]) if r["slot"] else None
        except ValueError as exc:
            raise ProfileError(f"{folder / 'fields.csv'}:{line}: slot must be a number") from exc
        fields.append(
            FieldSpec(
                sheet=r["sheet"],
                name=r["name"],
                header=r["header"],
                aliases=tuple(a.strip() for a in r["aliases"].split("|") if a.strip()),
                column=r["column"],
                group=r["group"],
                slot=slot,
                codes=r["codes"],
                format=r["format"] or "text",
                source=r["source"],
                note=r["note"],
            )
        )
    values: dict[str, dict[str, str]] = {}
    written: dict[str, dict[str, str]] = {}
    for line, r in _rows(folder / "codes.csv", CODE_COLUMNS):
        seen = values.setdefault(r["map"], {})
        if r["value"] in seen and seen[r["value"]] != r["code"]:
            raise ProfileError(
                f"{folder / 'codes.csv'}:{line}: {r['map']} value {r['value']!r} maps to "
                f"{seen[r['value']]!r} already"
            )
        seen[r["value"]] = r["code"]
        written.setdefault(r["map"], {}).setdefault(r["code"], r["value"])
    maps = {k: ValueMap(k, m.maps.get(k, k), v, written[k]) for k, v in values.items() if k}
    h, info, src = m.profile, pack.manifest.pack, pack.manifest.source
    profile = Profile(
        id=info.id,
        version=info.version,
        title=info.title_zh,
        title_en=info.title_en,
        table=h.table,
        source=f"{src.document}: {src.clause}" if src.clause else src.document,
        folder=folder,
        fields=tuple(fields),
        value_maps=maps,
        groups=dict(m.groups),
        derived=tuple(_derived(c, t, str(where)) for c, t in m.derived.items()),
        sublists={k: SubList(k, s.title, s.key, s.parent) for k, s in m.sublists.items()},
        taken=tuple(_taken(c, t, str(where)) for c, t in m.taken.items()),
        case_key=tuple(h.case_key),
        min_share=h.min_share,
    )
    problems = check_profile(profile)
    if problems:
        raise ProfileError(f"{folder}: " + "; ".join(problems))
    return profile


def normalise(header: str) -> str:
    """How headers are compared: full-width forms folded (NFKC), spaces and a leading ``*``
    dropped, case ignored (``入院病情 （1）`` matches ``入院病情(1)``)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "")
    return re.sub(r"\s+", "", text).lstrip("*").lower()


def check_profile(p: Profile) -> list[str]:
    """Every reason the profile cannot be used (empty: it can)."""
    out: list[str] = []
    if p.table not in _INGESTABLE:
        return [f"table {p.table!r} is not an ingestable canonical table"]
    table = BY_NAME[p.table]
    names = set(table.column_names) | {c.pseudonymise for c in table.columns if c.pseudonymise}
    by_name = {c.name: c for c in table.columns}
    by_raw = {c.pseudonymise: c for c in table.columns if c.pseudonymise}
    sheets = {"", *p.sublists}
    spelled: dict[tuple[str, str], str] = {}
    for f in p.fields:
        at = f"field {f.sheet + '.' if f.sheet else ''}{f.name}"
        if f.sheet not in sheets:
            out.append(f"{at}: sheet {f.sheet!r} is not a declared sub-list")
        if not f.name or not f.header:
            out.append(f"{at}: name and header are required")
        if f.format not in FORMATS:
            out.append(f"{at}: format {f.format!r} is not one of {', '.join(FORMATS)}")
        if (SLOT in f.name) != f.repeated:
            out.append(f"{at}: name and header must both carry {SLOT} or neither")
        if f.repeated and not f.group:
            out.append(f"{at}: a repeated field belongs to a group")
        if f.group and f.group not in p.groups:
            out.append(f"{at}: group {f.group!r} is not declared in [groups]")
        if f.group and not f.repeated and f.slot is None:
            out.append(f"{at}: a group field without {SLOT} needs its slot")
        if f.column and f.sheet:
            out.append(f"{at}: sub-list fields reach the table through [taken], not column")
        col = by_name.get(f.column) or by_raw.get(f.column)
        if f.column and f.column not in names:
            out.append(f"{at}: column {f.column!r} is not a column of {p.table}")
        elif col is not None and bool(f.group) != col.is_list:
            out.append(f"{at}: {f.column} is {'a list' if col.is_list else 'not a list'}")
        if f.codes and f.codes not in p.value_maps:
            out.append(f"{at}: value map {f.codes!r} is not in codes.csv")
        elif f.codes and col is not None:
            out += _check_map(p.value_maps[f.codes], col.codes, col.dtype, at)
        for s in f.spellings:
            key = (f.sheet, normalise(s))
            if key in spelled and spelled[key] != f.name:
                out.append(f"{at}: header {s!r} is also a spelling of {spelled[key]}")
            spelled[key] = f.name
    main = {f.name for f in p.main_fields()}
    for g, anchor in p.groups.items():
        if anchor not in by_name or not by_name[anchor].is_list:
            out.append(f"group {g}: anchor {anchor!r} is not a list column of {p.table}")
        elif not any(f.group == g and f.column == anchor for f in p.fields):
            out.append(f"group {g}: no field feeds its anchor {anchor}")
    for d in p.derived:
        if d.column not in names:
            out.append(f"derived {d.column}: not a column of {p.table}")
        for n in d.fields:
            if n not in main:
                out.append(f"derived {d.column}: {n!r} is not a field of the main file")
            elif d.kind == "sum" and p.field(n).format != "amount":
                out.append(f"derived {d.column}: {n} is summed, so its format must be amount")
    for s in p.sublists.values():
        own = {f.name for f in p.sheet_fields(s.id)}
        if s.key not in own:
            out.append(f"sub-list {s.id}: key {s.key!r} is not one of its fields")
        if s.parent not in main:
            out.append(f"sub-list {s.id}: parent {s.parent!r} is not a field of the main file")
    for t in p.taken:
        if t.column not in names:
            out.append(f"taken {t.column}: not a column of {p.table}")
        own = {f.name for f in p.sheet_fields(t.sheet)}
        if t.sheet not in p.sublists:
            out.append(f"taken {t.column}: {t.sheet!r} is not a declared sub-list")
        for n in (t.field, t.where_field):
            if n and n not in own:
                out.append(f"taken {t.column}: {n!r} is not a field of {t.sheet}")
        if t.op == "sum" and t.field in own and p.field(t.field, t.sheet).format != "amount":
            out.append(f"taken {t.column}: {t.field} is summed, so its format must be amount")
    for k in p.case_key:
        if k not in main:
            out.append(f"case_key {k!r} is not a field of the main file")
    reachable = {f.column for f in p.fields if f.column} | {d.column for d in p.derived}
    reachable |= {t.column for t in p.taken}
    for c in table.columns:
        if c.required and c.name not in reachable and c.pseudonymise not in reachable:
            out.append(f"required column {c.name} has no field, derivation or sub-list")
    return out


def _check_map(vm: ValueMap, system: str | None, dtype: DType, at: str) -> list[str]:
    if system in SMALL_CODE_SYSTEMS:
        allowed = set(SMALL_CODE_SYSTEMS[system])
    elif dtype is DType.BOOL:
        allowed = {"1", "0"}
    else:
        return []
    bad = sorted(set(vm.values.values()) - allowed)
    return (
        [f"{at}: value map {vm.id} gives {bad}, not codes of {system or 'a flag'}"] if bad else []
    )


def search_path(extra: list[Path] | None = None) -> list[Path]:
    """Folders holding packs: the shipped ones, then $YIGONG_PROFILES, then `extra`."""
    env = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return [SHIPPED, *env, *(extra or [])]


def _pack_folders(root: Path) -> list[Path]:
    if (root / "manifest.toml").exists():
        return [root]
    if not root.is_dir():
        raise ProfileError(f"{root}: no such profile folder")
    return sorted(p for p in root.iterdir() if (p / "manifest.toml").exists())


@cache
def _load_cached(folder: Path, stamp: float) -> Profile:
    del stamp
    return load_profile(folder)


def _stamp(folder: Path) -> float:
    return max(
        (f.stat().st_mtime for f in folder.iterdir() if f.is_file()),
        default=0.0,
    )


def all_profiles(extra: list[Path] | None = None) -> dict[str, Profile]:
    """Every profile on the search path by id (a later folder's id replaces an earlier one)."""
    found: dict[str, Profile] = {}
    for root in search_path(extra):
        for folder in _pack_folders(root):
            p = _load_cached(folder.resolve(), _stamp(folder))
            found[p.id] = p
    return found


def get_profile(name: str, extra: list[Path] | None = None) -> Profile:
    """The profile `name` (an id on the search path, or a pack folder)."""
    if Path(name).is_dir() and (Path(name) / "manifest.toml").exists():
        return load_profile(Path(name))
    found = all_profiles(extra)
    if name not in found:
        raise ProfileError(
            f"no layout profile {name!r}; known: {', '.join(sorted(found))} "
            "(`yigong profiles list`)"
        )
    return found[name]
