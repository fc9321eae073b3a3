"""Finding and loading grouper packs (full packs and regional overlays).

Packs ship as package data under ``yigong/casemix/packs/<pack-id>/``. A pack can also
be loaded from any folder path (``yigong.rulepacks`` finds both, as for every rule pack).
Loading resolves overlays onto their base, so callers always receive the complete set of
tables. The grouper pack's manifest (tables, counts) is its own spec: :mod:`.manifest`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from yigong.casemix.manifest import Manifest, ManifestError, read_manifest
from yigong.casemix.overlay import apply_diff

# the shipped packs' folder is defined once, in the light cache module (it finds a pack id
# without this module's loader, for `drg group`'s start-up)
from yigong.casemix.pack_cache import PACKS_DIR
from yigong.casemix.rawtable import RawTable, read_table
from yigong.casemix.tables import TABLES
from yigong.rulepacks import (
    Issue,
    IssuesError,
    PackNotFound,
    Quote,
    builtin_folders,
    error,
    repo_path,
    resolve,
    sha256_file,
)

__all__ = [
    "PACKS_DIR",
    "Pack",
    "PackError",
    "available_packs",
    "load_pack",
    "read_pack",
    "resolve_folder",
    "sha256_file",
]


class PackError(IssuesError):
    """A pack cannot be loaded; carries the issues that explain why."""


@dataclass
class Pack:
    """A resolved grouper pack: manifest, folder and every table."""

    manifest: Manifest
    folder: Path
    tables: dict[str, RawTable]
    chain: tuple[str, ...] = ()  # pack ids from the root base to this pack
    load_issues: list[Issue] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.manifest.pack.id

    @property
    def version(self) -> str:
        return self.manifest.pack.scheme_version

    def table(self, name: str) -> RawTable:
        return self.tables[name]


def available_packs() -> dict[str, Path]:
    """Pack id -> folder, for every pack shipped with yigong."""
    return {p.name: p for p in builtin_folders(PACKS_DIR)}


def resolve_folder(pack: str | Path) -> Path:
    """A pack id (shipped) or a folder path -> the pack folder."""
    try:
        return resolve(PACKS_DIR, pack)[0]
    except PackNotFound as exc:
        raise PackError(exc.issues) from None


def read_pack(pack: str | Path) -> Pack:
    """Load and resolve a pack, collecting issues instead of raising on table problems.

    Results are cached per folder and file modification times, so a base pack is read
    once per process however many overlays use it. Callers must not mutate the result.
    """
    folder = resolve_folder(pack).resolve()
    stamp = tuple(
        sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir())
    )
    return _read_pack(folder, stamp)


@functools.lru_cache(maxsize=16)
def _read_pack(folder: Path, _stamp: tuple[tuple[str, int, int], ...]) -> Pack:
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        raise PackError(exc.issues) from exc
    issues: list[Issue] = []
    info = manifest.pack
    if info.id != folder.name and folder.parent == PACKS_DIR:
        issues.append(
            error(
                "manifest.id",
                f"id {info.id!r} differs from folder {folder.name!r}",
                "manifest.toml",
                field="pack.id",
            )
        )
    if info.kind == "overlay":
        if not info.base:
            raise PackError(
                [
                    error(
                        "manifest.base",
                        "overlay pack without base",
                        "manifest.toml",
                        field="pack.base",
                    )
                ]
            )
        base = read_pack(info.base)
        tables = dict(base.tables)
        chain = (*base.chain, info.id)
        issues.extend(base.load_issues)
    else:
        tables, chain = {}, (info.id,)
    for name, spec in TABLES.items():
        entry = manifest.tables.get(name)
        if info.kind == "overlay":
            if entry is None or not entry.diff:
                continue
            table, found = apply_diff(tables.get(name), folder / entry.diff, spec)
        else:
            path = folder / spec.file
            if not path.is_file():
                if spec.required or entry is not None:
                    issues.append(error("table.missing", "table file missing", spec.file))
                continue
            table, found = read_table(path, spec)
        tables[name] = table
        issues.extend(found)
    return Pack(manifest, folder, tables, chain, issues)


@functools.lru_cache(maxsize=8)
def load_pack(pack: str) -> Pack:
    """Load a pack and raise ``PackError`` if it has any error-level load issue (cached)."""
    loaded = read_pack(pack)
    if loaded.load_issues:
        raise PackError(loaded.load_issues)
    return loaded


def policy_quotes() -> list[Quote]:
    """The grouping scheme each shipped pack implements (its manifest's document), with the
    manifest line (rows of ``docs/rules.md``)."""
    out: list[Quote] = []
    for name, folder in available_packs().items():
        manifest = read_manifest(folder)
        path = folder / "manifest.toml"
        lines = path.read_text(encoding="utf-8").splitlines()
        line = next((i for i, t in enumerate(lines, 1) if t.startswith("document =")), None)
        out.append(
            Quote(
                manifest.source.document,
                manifest.source.issuer,
                "drg-grouper",
                name,
                "grouping scheme: MDC, ADRG and DRG rules (adrg.csv, drg.csv)",
                repo_path(path),
                line,
            )
        )
    return out
