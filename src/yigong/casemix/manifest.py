"""``manifest.toml`` of a grouper pack: identity, provenance, licence credit, counts, checksums.

A *full* pack ships every table as ``<table>.csv``. An *overlay* pack names a ``base``
pack and ships only ``<table>.diff.csv`` files for the tables it changes (see
``overlay.py``). Either way ``[tables.<name>]`` records the row count and the canonical
SHA-256 of the table *after* overlay resolution, so a regional variant is checked
against exactly the numbers it was built from.

The file is read by the one TOML manifest reader of the rule packs
(`yigong.rulepacks.read_toml_model`): a syntax or schema error is one issue per problem, at
``manifest.toml:<line>`` with its field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from yigong.rulepacks import IssuesError, read_toml_model

MANIFEST = "manifest.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackInfo(_Strict):
    id: str
    title: str
    title_zh: str = ""
    scheme: str
    scheme_version: str
    region: str
    kind: Literal["full", "overlay"] = "full"
    base: str = ""
    format_version: int = 1


class SourceInfo(_Strict):
    issuer: str
    document: str
    tables_from: str
    commit: str = ""
    directory: str = ""
    licence: str
    licence_file: str
    credit: str
    changes: str = ""


class TableEntry(_Strict):
    """Row count and canonical checksum of the resolved table (``-1``/empty until refreshed)."""

    rows: int = -1
    sha256: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    diff: str = ""


class Manifest(_Strict):
    pack: PackInfo
    source: SourceInfo
    tables: dict[str, TableEntry]
    counts: dict[str, int] = {}
    files: dict[str, str] = {}


class ManifestError(IssuesError, ValueError):
    """A grouper pack manifest that cannot be read (every issue at ``manifest.toml:<line>``)."""


def read_manifest(folder: Path) -> Manifest:
    """Parse and type-check ``folder/manifest.toml``; raises `ManifestError` listing every
    unknown, missing or mistyped key at its line."""
    manifest, issues = read_toml_model(folder / MANIFEST, Manifest, MANIFEST)
    if manifest is None:
        raise ManifestError(issues)
    return manifest
