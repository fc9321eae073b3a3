"""Layout profiles as a user sees them: list, describe, check (one function per action)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yigong.ingest.profiles import ProfileError, all_profiles, get_profile, load_profile
from yigong.ingest.profiles.packs import search_path


def list_profiles(dirs: list[Path] | None = None) -> list[dict[str, Any]]:
    """Every profile on the search path, with its table, size and source."""
    return [
        {
            "id": p.id,
            "version": p.version,
            "title": p.title,
            "title_en": p.title_en,
            "table": p.table,
            "fields": len(p.fields),
            "sublists": [s.title for s in p.sublists.values()],
            "source": p.source,
            "folder": str(p.folder),
        }
        for p in sorted(all_profiles(dirs).values(), key=lambda p: p.id)
    ]


def describe_profile(name: str, dirs: list[Path] | None = None) -> str:
    """A plain-text table of a profile's fields (what `yigong profiles show` prints)."""
    try:
        p = get_profile(name, dirs)
    except ProfileError as exc:
        raise ValueError(str(exc)) from exc
    lines = [p.label, f"  table: {p.table}", f"  source: {p.source}", ""]
    for sheet in ("", *p.sublists):
        if sheet:
            lines += ["", f"sub-list {sheet} ({p.sublists[sheet].title})"]
        for f in p.sheet_fields(sheet):
            target = f.column or "-"
            extra = ", ".join(
                x for x in (f.group and f"group {f.group}", f.codes and f"map {f.codes}") if x
            )
            lines.append(f"  {f.header:<28} {f.name:<24} {target:<28} {extra}")
    for d in p.derived:
        lines.append(f"  derived {d.column} = {d.expression}")
    for t in p.taken:
        cond = f" where {t.where_field} = {t.where_value}" if t.where_field else ""
        lines.append(f"  taken {t.column} = {t.op}({t.sheet}.{t.field}){cond}")
    return "\n".join(lines)


def check_profiles(folders: list[Path] | None = None) -> dict[str, list[str]]:
    """Folder → problems, for the given pack folders or every folder on the search path."""
    targets = folders or [
        f
        for root in search_path()
        for f in sorted(root.iterdir())
        if (f / "manifest.toml").exists()
    ]
    out: dict[str, list[str]] = {}
    for folder in targets:
        try:
            load_profile(Path(folder))
            out[str(folder)] = []
        except ProfileError as exc:
            out[str(folder)] = [str(exc)]
    return out
