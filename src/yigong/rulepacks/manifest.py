"""``manifest.toml`` of a rule pack: identity, provenance, licence, effective dates, checksums.

Every rule pack is a versioned folder holding ``manifest.toml``, ``README.md``, a licence file
and its data files, like the DRG grouper packs (``casemix/packs/chs-drg-1.1/``)::

    [pack]
    id = "policy-targets-2022"          # = the folder name of a built-in pack
    version = "2022"
    kind = "indicator-catalog"          # which engine reads it
    title_zh = "…"
    title_en = "…"

    [source]                            # the policy document the pack implements
    issuer = "…"
    document = "…"
    clause = "…"                        # which part of the document
    policy_files = ["henan-2020-close-county-medical-community.txt"]   # in docs/policy/
    licence = "Apache-2.0"
    licence_file = "LICENSE.txt"
    credit = "…"

    [effective]
    from = 2020-04-14                   # optional: when the document applies
    to = 2025-12-31

    [files]                             # SHA-256 of every other file (``yigong packs seal``)
    "policy-targets-2022.yaml" = "…"
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yigong.rulepacks.issues import Issue, Level

__all__ = [
    "MANIFEST",
    "Effective",
    "PackInfo",
    "PackManifest",
    "PackSource",
    "read_manifest",
    "read_toml_model",
]

MANIFEST = "manifest.toml"
FORMAT_VERSION = 1

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PackInfo(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    format_version: int = FORMAT_VERSION


class PackSource(_Strict):
    issuer: str = Field(min_length=1)
    document: str = Field(min_length=1)
    clause: str = ""
    policy_files: list[str] = Field(default_factory=list)  # file names in docs/policy/
    licence: str = Field(min_length=1)
    licence_file: str = Field(min_length=1)
    credit: str = ""


class Effective(_Strict):
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")


class PackManifest(_Strict):
    pack: PackInfo
    source: PackSource
    effective: Effective = Effective()
    files: dict[str, str] = Field(default_factory=dict)


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _key_lines(text: str) -> dict[str, int]:
    """``section.key`` → line, for locating Pydantic errors in a flat TOML file."""
    lines: dict[str, int] = {}
    section = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith('"') else raw.strip()
        head = re.match(r"^\[([^\]]+)\]$", line)
        if head:
            section = head.group(1).strip()
            lines.setdefault(section, no)
            continue
        key = re.match(r'^"?([^"=]+?)"?\s*=', line)
        if key and section:
            lines.setdefault(f"{section}.{key.group(1).strip()}", no)
    return lines


def read_toml_model(
    path: Path, model: type[M], file: str, code: str = "manifest"
) -> tuple[M | None, list[Issue]]:
    """Parse ``path`` (a TOML file) and validate it as ``model``; ``file`` is the name issues
    show. Never raises on bad content: a missing file, a TOML syntax error (at its line) and
    each Pydantic error (at the line of its key) are issues ``<code>.missing``,
    ``<code>.toml`` and ``<code>.schema``. The one reader of every pack's TOML manifests (the
    pack convention's ``manifest.toml``, a grouper pack's manifest, a layout profile's
    ``profile.toml``)."""
    if not path.is_file():
        return None, [Issue(Level.ERROR, f"{code}.missing", f"no {path.name}", file)]
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [
            Issue(Level.ERROR, f"{code}.toml", str(exc).splitlines()[0], file, _toml_line(exc))
        ]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        lines = _key_lines(text)
        out = []
        for err in exc.errors():
            parts = [str(p) for p in err["loc"]]
            loc = ".".join(parts)
            line = next(  # the key itself, else its nearest table header
                (lines[k] for n in range(len(parts), 0, -1) if (k := ".".join(parts[:n])) in lines),
                None,
            )
            out.append(Issue(Level.ERROR, f"{code}.schema", err["msg"], file, line, loc))
        return None, out


def read_manifest(folder: Path, file: str) -> tuple[PackManifest | None, list[Issue]]:
    """Parse and type-check ``folder/manifest.toml``; ``file`` is the name issues show."""
    return read_toml_model(folder / MANIFEST, PackManifest, file)
