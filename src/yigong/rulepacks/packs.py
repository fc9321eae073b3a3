"""Finding, opening and checking rule packs: built-in ones by id, user ones by folder path.

Built-in packs ship as package data under ``<engine>/packs/<pack-id>/``; a user copies such a
folder, edits it and points a command at the folder. ``open_pack`` reads the manifest and checks
the folder convention (kind, id = folder name for built-ins, README, licence file, every file
listed with its SHA-256, no unlisted data file). A checksum that no longer matches is an error in
a built-in pack and a warning in a user pack (edited on purpose; ``yigong packs seal FOLDER``
records the new checksums). Reading the data files is the engine's job (`SourceFile`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yigong.rulepacks.issues import Issue, IssuesError, Level
from yigong.rulepacks.manifest import MANIFEST, PackManifest, read_manifest

__all__ = [
    "DATA_SUFFIXES",
    "Pack",
    "PackNotFound",
    "builtin_folders",
    "is_pack_folder",
    "open_pack",
    "open_packs",
    "resolve",
    "seal",
    "sha256_file",
]

#: files that hold a pack's rules (every other file is documentation or licence).
DATA_SUFFIXES = (".yaml", ".yml", ".csv", ".toml")


class PackNotFound(IssuesError):
    """A pack id or folder that does not exist."""


@dataclass(frozen=True)
class Pack:
    """An opened pack folder: its manifest and whether it ships with yigong."""

    folder: Path
    manifest: PackManifest
    builtin: bool
    issues: tuple[Issue, ...] = field(default=(), compare=False)

    @property
    def id(self) -> str:
        return self.manifest.pack.id

    @property
    def version(self) -> str:
        return self.manifest.pack.version

    @property
    def kind(self) -> str:
        return self.manifest.pack.kind

    def data_files(self, suffixes: Sequence[str] = (".yaml", ".yml")) -> list[Path]:
        """The pack's data files with one of ``suffixes``, in name order (files the manifest
        lists but the folder lacks are left out: `open_pack` reports them)."""
        return [
            self.folder / name
            for name in sorted(self.manifest.files)
            if name.endswith(tuple(suffixes))
            and name != MANIFEST
            and (self.folder / name).is_file()
        ]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_pack_folder(path: Path) -> bool:
    return path.is_dir() and (path / MANIFEST).is_file()


def builtin_folders(root: Path) -> list[Path]:
    """Every pack folder directly under ``root`` (an engine's ``packs/``), by name."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if is_pack_folder(p))


def resolve(root: Path, ref: str | Path) -> tuple[Path, bool]:
    """A built-in pack id (a folder under ``root``) or a folder path → (folder, is built-in)."""
    if isinstance(ref, str) and "/" not in ref and is_pack_folder(root / ref):
        return root / ref, True
    path = Path(ref)
    if is_pack_folder(path):
        builtin = path.resolve().parent == root.resolve()
        return path, builtin
    known = ", ".join(p.name for p in builtin_folders(root))
    raise PackNotFound(
        [
            Issue(
                Level.ERROR,
                "pack.unknown",
                f"no pack {str(ref)!r}: give a built-in pack id ({known}) or a folder holding "
                "manifest.toml",
                str(ref),
            )
        ]
    )


def _folder_issues(folder: Path, manifest: PackManifest, kind: str, builtin: bool) -> list[Issue]:
    where = f"{folder.name}/{MANIFEST}"
    out: list[Issue] = []
    info = manifest.pack
    if info.kind != kind:
        out.append(
            Issue(
                Level.ERROR,
                "pack.kind",
                f"kind {info.kind!r}, expected {kind!r}",
                where,
                None,
                "pack.kind",
            )
        )
    if builtin and info.id != folder.name:
        out.append(
            Issue(
                Level.ERROR,
                "pack.id",
                f"id {info.id!r} differs from the folder name {folder.name!r}",
                where,
                None,
                "pack.id",
            )
        )
    if not (folder / "README.md").is_file():
        out.append(Issue(Level.ERROR, "pack.readme", "no README.md in the pack", where))
    if not (folder / manifest.source.licence_file).is_file():
        out.append(
            Issue(
                Level.ERROR,
                "pack.licence",
                f"licence file {manifest.source.licence_file!r} is missing",
                where,
                None,
                "source.licence_file",
            )
        )
    for name in ("README.md", manifest.source.licence_file):
        if (folder / name).is_file() and name not in manifest.files:
            out.append(
                Issue(Level.ERROR, "pack.files", f"{name} is not listed under [files]", where)
            )
    stale = Level.ERROR if builtin else Level.WARNING
    for name, digest in sorted(manifest.files.items()):
        path = folder / name
        if not path.is_file():
            out.append(
                Issue(
                    Level.ERROR,
                    "pack.files",
                    f"{name} is listed but missing",
                    where,
                    None,
                    f"files.{name}",
                )
            )
        elif sha256_file(path) != digest:
            out.append(
                Issue(
                    stale,
                    "pack.checksum",
                    f"{name} changed since the manifest was sealed "
                    f"(run `yigong packs seal {folder}`)",
                    where,
                    None,
                    f"files.{name}",
                )
            )
    for path in sorted(folder.iterdir()):
        listed = path.name == MANIFEST or path.name in manifest.files
        if path.is_file() and not listed and path.suffix in DATA_SUFFIXES:
            out.append(
                Issue(
                    Level.ERROR,
                    "pack.files",
                    f"{path.name} is in the folder but not listed under [files] "
                    f"(run `yigong packs seal {folder}`)",
                    where,
                )
            )
    return out


def open_pack(root: Path, ref: str | Path, kind: str) -> tuple[Pack | None, list[Issue]]:
    """Open a built-in pack (by id) or a user pack (by folder); never raises on bad content.

    Returns the pack (None when its manifest is unusable) and every finding about the folder.
    Raises `PackNotFound` when ``ref`` names no pack at all.
    """
    folder, builtin = resolve(root, ref)
    manifest, issues = read_manifest(folder, f"{folder.name}/{MANIFEST}")
    if manifest is None:
        return None, issues
    issues += _folder_issues(folder, manifest, kind, builtin)
    return Pack(folder, manifest, builtin, tuple(issues)), issues


def open_packs(
    root: Path, refs: Sequence[str | Path] | None, kind: str
) -> tuple[list[Pack], list[Issue]]:
    """Open the packs named by ``refs`` (every built-in pack under ``root`` by default)."""
    chosen: Sequence[str | Path] = (
        refs if refs is not None else [p.name for p in builtin_folders(root)]
    )
    packs: list[Pack] = []
    issues: list[Issue] = []
    for ref in chosen:
        pack, found = open_pack(root, ref, kind)
        issues += found
        if pack is not None:
            packs.append(pack)
    return packs, issues


def seal(folder: Path) -> dict[str, str]:
    """Rewrite ``[files]`` of ``folder/manifest.toml`` with the SHA-256 of every file beside it.

    The rest of the manifest is kept as written; returns the new ``name → sha256`` map.
    """
    path = folder / MANIFEST
    text = path.read_text(encoding="utf-8")
    digests = {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }
    head = text.partition("\n[files]\n")[0]
    body = "".join(f'"{name}" = "{digest}"\n' for name, digest in digests.items())
    path.write_text(head.rstrip("\n") + "\n\n[files]\n" + body, encoding="utf-8")
    return digests
