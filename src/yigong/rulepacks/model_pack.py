"""A pack whose data is one Pydantic model spread over its YAML files (policy parameters).

Each YAML file of the pack is a mapping with ``kind: <header kind>`` and some of the model's
top-level sections; the sections of all files together are validated as one model (the
merge and the located Pydantic errors are `yigong.rulepacks.sections`'). Every
problem is an `Issue` with file, line and field. Used by engines whose rules are a handful of
parameters with their clauses (the drugs engine's procurement policy, the charges engine's
price policy).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from yigong.rulepacks.issues import Issue, Level, errors_in
from yigong.rulepacks.packs import Pack, open_pack
from yigong.rulepacks.sections import merge_sections, section_issues
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
    sources: list[SourceFile] = []
    for path in pack.data_files():
        try:
            src = SourceFile.read(path, f"{pack.folder.name}/{path.name}", decimals=True)
        except YAMLError as exc:
            issues.append(yaml_issue(exc, path.name))
            continue
        if not isinstance(src.data, dict) or src.data.get("kind") != header:
            issues.append(
                Issue(Level.ERROR, "schema", f"a mapping with kind: {header}", src.name, 1)
            )
            continue
        sources.append(src)
    data, owner, found = merge_sections(sources, skip=("kind",))
    issues += found
    where = {key: (src, (key,)) for key, src in owner.items()}
    try:
        result = model.model_validate(data)
    except ValidationError as exc:  # each error at its line, in the file that gave the section
        issues += section_issues(exc, owner, pack.folder.name)
        return None, issues, pack, where
    return (None if errors_in(issues) else result), issues, pack, where
