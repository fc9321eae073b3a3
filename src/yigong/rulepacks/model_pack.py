"""A pack whose data is one Pydantic model spread over its YAML files (policy parameters).

Each YAML file of the pack is a mapping with ``kind: <header kind>`` and some of the model's
top-level sections; the sections of all files together are validated as one model. Every
problem is an `Issue` with file, line and field. Used by engines whose rules are a handful of
parameters with their clauses (the drugs engine's procurement policy, the charges engine's
price policy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from yigong.rulepacks.issues import Issue, Level
from yigong.rulepacks.packs import Pack, open_pack
from yigong.rulepacks.yamlsrc import SourceFile, YAMLError, yaml_issue

__all__ = ["load_model_pack"]

M = TypeVar("M", bound=BaseModel)


def load_model_pack(
    root: Path, ref: str | Path, kind: str, header: str, model: type[M]
) -> tuple[M | None, list[Issue], Pack | None, dict[str, tuple[SourceFile, tuple[str, ...]]]]:
    """(model, issues, pack, section → (file, path)) of pack ``ref`` (a built-in id under
    ``root`` or a folder). The model is None when any error was found."""
    pack, issues = open_pack(root, ref, kind)
    if pack is None:
        return None, issues, None, {}
    data: dict[str, Any] = {}
    where: dict[str, tuple[SourceFile, tuple[str, ...]]] = {}
    for path in pack.data_files():
        try:
            src = SourceFile.read(path, f"{pack.folder.name}/{path.name}", decimals=True)
        except YAMLError as exc:
            issues.append(yaml_issue(exc, path.name))
            continue
        body = src.data
        if not isinstance(body, dict) or body.get("kind") != header:
            issues.append(
                Issue(Level.ERROR, "schema", f"a mapping with kind: {header}", src.name, 1)
            )
            continue
        for key, value in body.items():
            if key == "kind":
                continue
            if key in data:
                first = where[key][0].name
                issues.append(src.issue("duplicate", f"{key} already given in {first}", (key,)))
                continue
            data[key] = value
            where[key] = (src, (key,))
    errors = [i for i in issues if i.level is Level.ERROR]
    try:
        result = model.model_validate(data)
    except ValidationError as exc:  # each error at its line, in the file that gave the section
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            src = where[str(loc[0])][0] if loc and str(loc[0]) in where else None
            name = src.name if src else pack.folder.name
            line = src.line(loc) if src else None
            field = ".".join(map(str, loc))
            issues.append(Issue(Level.ERROR, "schema", err["msg"], name, line, field))
        return None, issues, pack, where
    return (None if errors else result), issues, pack, where
