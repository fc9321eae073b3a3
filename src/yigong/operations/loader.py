"""Load and validate an operations policy: a built-in pack by id, a pack folder, or one file.

A pack (``packs/<id>/``, kind ``operations-policy``) holds one YAML file per section; together
they make one :class:`~yigong.operations.policy.OperationsPolicy`. Every problem is reported
with file, line and field, in two passes: shapes (Pydantic), then the registered checks of
:mod:`yigong.operations.checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yigong.operations.checks import POLICY_CHECKS
from yigong.operations.errors import OperationsPolicyError
from yigong.operations.policy import OperationsPolicy
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
    "DEFAULT_POLICY",
    "PACKS_DIR",
    "PACK_KIND",
    "check_policy_pack",
    "load_operations_policy",
    "policy_from_sources",
    "policy_quotes",
]

PACKS_DIR = Path(__file__).parent.joinpath("packs")
PACK_KIND = "operations-policy"
DEFAULT_POLICY = "national-2021"
BUILTIN_POLICIES = tuple(p.name for p in builtin_folders(PACKS_DIR))


def _owner(sources: list[SourceFile], top: str | int | None) -> SourceFile:
    for src in sources:
        if isinstance(src.data, dict) and top in src.data:
            return src
    return sources[0]


def policy_from_sources(sources: list[SourceFile]) -> OperationsPolicy:
    """The sections of one or more parsed files, validated as one policy."""
    from pydantic import ValidationError

    merged: dict[str, Any] = {}
    issues: list[Issue] = []
    for src in sources:
        if not isinstance(src.data, dict):
            issues.append(
                Issue(Level.ERROR, "yaml.shape", "a policy file is a mapping", src.name, 1)
            )
            continue
        for key, value in src.data.items():
            if key in merged:
                first = _owner(sources, key)
                issues.append(src.issue("pack.section", f"section {key!r} is already in {first.name}",
                                        (key,)))  # fmt: skip
                continue
            merged[key] = value
    if issues:
        raise OperationsPolicyError(issues)
    try:
        policy = OperationsPolicy.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            loc: FieldPath = tuple(p for p in err["loc"] if isinstance(p, str | int))
            src = _owner(sources, loc[0] if loc else None)
            issues.append(Issue(Level.ERROR, f"schema.{err['type']}", err["msg"], src.name,
                                src.line(loc), dotted(loc)))  # fmt: skip
        raise OperationsPolicyError(issues) from exc
    found = run_checks(POLICY_CHECKS, policy)
    if found:
        raise OperationsPolicyError(
            [_owner(sources, i.field.split(".", 1)[0]).locate(i) for i in found]
        )
    return policy


def _parse(text: str, file: str) -> SourceFile:
    try:
        return SourceFile.parse(text, file, decimals=True)
    except YAMLError as exc:
        raise OperationsPolicyError([yaml_issue(exc, file)]) from exc


def _display(pack: Pack, path: Path) -> str:
    return f"yigong/operations/packs/{pack.folder.name}/{path.name}" if pack.builtin else str(path)


def _sources(pack: Pack) -> list[SourceFile]:
    files = sorted(pack.data_files(), key=lambda p: (p.name != "policy.yaml", p.name))
    return [_parse(p.read_text(encoding="utf-8"), _display(pack, p)) for p in files]


def _open(ref: str | Path) -> tuple[Pack, list[Issue]]:
    pack, issues = open_pack(PACKS_DIR, ref, PACK_KIND)
    if pack is None:
        raise OperationsPolicyError(issues)
    return pack, issues


def load_operations_policy(name_or_path: str | Path = DEFAULT_POLICY) -> OperationsPolicy:
    """A built-in policy by id (``national-2021``), a policy pack folder, or a YAML file."""
    key = str(name_or_path)
    path = Path(key)
    if key in BUILTIN_POLICIES or is_pack_folder(path):
        pack, _ = _open(name_or_path)
        return policy_from_sources(_sources(pack))
    if not path.is_file():
        raise OperationsPolicyError(
            [Issue(Level.ERROR, "policy.missing",
                   f"no built-in operations policy or file named {key!r} (built-in: "
                   f"{', '.join(BUILTIN_POLICIES)}; a pack folder works too)", key)]
        )  # fmt: skip
    return policy_from_sources([_parse(path.read_text(encoding="utf-8"), str(path))])


def check_policy_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a policy pack: its folder convention, its sections, its id."""
    try:
        pack, issues = _open(ref)
        policy = policy_from_sources(_sources(pack))
    except (OperationsPolicyError, PackNotFound) as exc:
        return list(exc.issues)
    if policy.id != pack.id:
        issues.append(Issue(Level.ERROR, "pack.id",
                            f"manifest id {pack.id!r} differs from the policy id {policy.id!r}",
                            f"{pack.folder.name}/manifest.toml", None, "pack.id"))  # fmt: skip
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
    """Every ``clause`` of every built-in operations pack with its file and line (rows of
    ``docs/rules.md``)."""
    out: list[Quote] = []
    for ref in BUILTIN_POLICIES:
        pack, _ = _open(ref)
        files = {_display(pack, p): p for p in pack.data_files()}
        for src in _sources(pack):
            for path, text in _clauses(src.data, ()):
                tags = re.match(r"^((?:\[[^\]]+\])+)", text)
                source = tags.group(1) if tags else text.split("（")[0].split(" ")[0]
                out.append(Quote(text, source, PACK_KIND, pack.id, f"{'.'.join(map(str, path[:-1]))}",
                                 repo_path(files[src.name]), src.line(path)))  # fmt: skip
    return out
