"""Load and validate a settlement policy: a built-in pack by id, a user pack folder, or one file.

A policy pack (``packs/<id>/``, kind ``payment-policy``) holds one YAML file per section
(``reserves.yaml``, ``surplus-and-overspend.yaml`` …); the sections of all its files together
make one :class:`~yigong.payment.policy.Policy`. A single YAML file holding every section is
accepted too. Validation reports **every** problem with file, line and field, in two passes:

1. shape and ranges (Pydantic models in :mod:`yigong.payment.policy`);
2. cross-field rules: the registered checks of :mod:`yigong.payment.policy_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yigong.payment.errors import PolicyError
from yigong.payment.policy import Policy
from yigong.payment.policy_checks import POLICY_CHECKS
from yigong.rulepacks import (
    FieldPath,
    Issue,
    Level,
    Pack,
    PackNotFound,
    Quote,
    SourceFile,
    YAMLError,
    builtin_folders,
    dotted,
    is_pack_folder,
    open_pack,
    repo_path,
    run_checks,
    yaml_issue,
)

__all__ = [
    "BUILTIN_POLICIES",
    "PACKS_DIR",
    "PACK_KIND",
    "check_policy_pack",
    "load_policy",
    "policy_from_sources",
    "policy_from_text",
    "policy_quotes",
    "policy_sources",
]

PACKS_DIR = Path(__file__).parent.joinpath("packs")
PACK_KIND = "payment-policy"

#: Policies shipped as packs (package data ``payment/packs/<id>/``), by id.
BUILTIN_POLICIES = tuple(p.name for p in builtin_folders(PACKS_DIR))


def _owner(sources: list[SourceFile], top: str | int | None) -> SourceFile:
    """The file that holds the top-level section ``top`` (the first file if none does)."""
    for src in sources:
        if isinstance(src.data, dict) and top in src.data:
            return src
    return sources[0]


def policy_from_sources(sources: list[SourceFile]) -> Policy:
    """Validate the sections of one or more parsed files as one policy; raise
    :class:`PolicyError` listing every issue, each in the file and at the line it concerns."""
    merged: dict[str, Any] = {}
    issues: list[Issue] = []
    for src in sources:
        if not isinstance(src.data, dict):
            issues.append(
                Issue(Level.ERROR, "yaml.shape", "a policy file must be a mapping", src.name, 1)
            )
            continue
        for key, value in src.data.items():
            if key in merged:
                first = _owner(sources, key)
                issues.append(
                    src.issue(
                        "pack.section", f"section {key!r} is already given in {first.name}", (key,)
                    )
                )
                continue
            merged[key] = value
    if issues:
        raise PolicyError(issues)
    try:
        policy = Policy.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            loc: FieldPath = tuple(p for p in err["loc"] if isinstance(p, str | int))
            src = _owner(sources, loc[0] if loc else None)
            issues.append(
                Issue(
                    Level.ERROR,
                    f"schema.{err['type']}",
                    err["msg"],
                    src.name,
                    src.line(loc),
                    dotted(loc),
                )
            )
        raise PolicyError(issues) from exc
    found = run_checks(POLICY_CHECKS, policy)
    if found:
        raise PolicyError([_owner(sources, i.field.split(".", 1)[0]).locate(i) for i in found])
    return policy


def _parse(text: str, file: str) -> SourceFile:
    try:
        return SourceFile.parse(text, file, decimals=True)
    except YAMLError as exc:  # yaml errors carry their own mark
        raise PolicyError([yaml_issue(exc, file)]) from exc


def policy_from_text(text: str, file: str = "<policy>") -> Policy:
    """Parse and validate a single-file policy; raise :class:`PolicyError` listing every issue."""
    return policy_from_sources([_parse(text, file)])


def _display(pack: Pack, path: Path) -> str:
    """How issues name a pack file: ``yigong/payment/packs/<id>/<file>`` when built in."""
    return f"yigong/payment/packs/{pack.folder.name}/{path.name}" if pack.builtin else str(path)


def policy_sources(pack: Pack) -> list[SourceFile]:
    """The parsed section files of a policy pack (``policy.yaml`` first, then by name)."""
    files = sorted(pack.data_files(), key=lambda p: (p.name != "policy.yaml", p.name))
    return [_parse(p.read_text(encoding="utf-8"), _display(pack, p)) for p in files]


def _open(ref: str | Path) -> tuple[Pack, list[Issue]]:
    pack, issues = open_pack(PACKS_DIR, ref, PACK_KIND)
    if pack is None:
        raise PolicyError(issues)
    if not pack.data_files():
        raise PolicyError(
            [Issue(Level.ERROR, "pack.empty", "the pack lists no policy YAML file", str(ref))]
        )
    return pack, issues


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a built-in policy by id (e.g. ``henan-default``), a policy pack folder, or a policy
    YAML file by path."""
    key = str(name_or_path)
    path = Path(key)
    if key in BUILTIN_POLICIES or is_pack_folder(path):
        pack, _ = _open(name_or_path)
        return policy_from_sources(policy_sources(pack))
    if not path.is_file():
        raise PolicyError(
            [
                Issue(
                    Level.ERROR,
                    "policy.missing",
                    f"no built-in policy or file named {key!r} (built-in: "
                    f"{', '.join(BUILTIN_POLICIES)}; a policy pack folder works too)",
                    key,
                )
            ]
        )
    return policy_from_text(path.read_text(encoding="utf-8"), str(path))


def check_policy_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a policy pack: its folder (manifest, README, licence, checksums), its
    sections, and that the manifest's id is the policy's."""
    try:
        pack, issues = _open(ref)
    except (PolicyError, PackNotFound) as exc:
        return list(exc.issues)
    try:
        policy = policy_from_sources(policy_sources(pack))
    except PolicyError as exc:
        return issues + list(exc.issues)
    if policy.id != pack.id:
        issues.append(
            Issue(
                Level.ERROR,
                "pack.id",
                f"manifest id {pack.id!r} differs from the policy id {policy.id!r}",
                f"{pack.folder.name}/manifest.toml",
                None,
                "pack.id",
            )
        )
    return issues


def _clauses(data: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "clause" and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from _clauses(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _clauses(value, (*path, i))


def policy_quotes() -> list[Quote]:
    """Every ``clause`` of every built-in policy pack, with its file and line (rows of
    ``docs/rules.md``); the source is the clause's leading tags (``[N]``, ``[H]`` …)."""
    out: list[Quote] = []
    for ref in BUILTIN_POLICIES:
        pack, _ = _open(ref)
        files = {_display(pack, p): p for p in pack.data_files()}
        for src in policy_sources(pack):
            for path, text in _clauses(src.data, ()):
                tags = re.match(r"^((?:\[[^\]]+\])+)", text)
                out.append(
                    Quote(
                        text,
                        tags.group(1) if tags else "policy clause",
                        PACK_KIND,
                        pack.id,
                        f"{dotted(path[:-1])} section",
                        repo_path(files[src.name]),
                        src.line(path),
                    )
                )
    return out
