"""Packs whose data is one model: spread over its YAML files, or held in one YAML file.

`load_model_pack`: a pack whose data is one Pydantic model spread over its YAML files (policy
parameters).

Each YAML file of the pack is a mapping with ``kind: <header kind>`` and some of the model's
top-level sections; the sections of all files together are validated as one model (the
merge and the located Pydantic errors are `yigong.rulepacks.sections`'). Every
problem is an `Issue` with file, line and field. Used by engines whose rules are a handful of
parameters with their clauses (the drugs engine's procurement policy, the charges engine's
price policy).

`load_one_file_pack`: a pack holding exactly one YAML file (plausibility rules, public-health
rules, disease catalogs, centre services). The pack is a built-in id, a pack folder or the YAML
file itself; the file is read with its lines, validated (a Pydantic model, or the engine's own
parser), then the engine's semantic checks run; every problem is an `Issue` at file:line.
`one_file_quotes` walks the policy quotes of every built-in pack of such a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast, overload

from pydantic import BaseModel, ValidationError

from yigong.rulepacks.issues import Issue, Level, errors_in
from yigong.rulepacks.manifest import MANIFEST
from yigong.rulepacks.models import validate_model
from yigong.rulepacks.packs import Pack, builtin_folders, open_pack
from yigong.rulepacks.quotes import Quote, repo_path
from yigong.rulepacks.sections import merge_sections, section_issues
from yigong.rulepacks.yamlsrc import FieldPath, SourceFile, YAMLError, yaml_issue

__all__ = [
    "load_model_pack",
    "load_one_file_pack",
    "one_file_of",
    "one_file_quotes",
    "parse_one_file",
    "value_at",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

YAML_SUFFIXES = (".yaml", ".yml")

#: how an engine whose spec is not a Pydantic model reads its one file: a parser of the read
#: file returning (value or None, issues)
Parser = Callable[[SourceFile], tuple[T | None, list[Issue]]]
#: the engine's checks on a valid value, located in its file: ``semantic(value, src)``
Semantic = Callable[[T, SourceFile], list[Issue]]


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


def one_file_of(root: Path, ref: str | Path, kind: str) -> tuple[Path | None, list[Issue]]:
    """(the one YAML file of pack ``ref``, the findings about its folder).

    ``ref`` is a built-in pack id under ``root``, a pack folder, or a ``.yaml``/``.yml`` file
    given as is (no folder: no folder findings). A pack listing no or several YAML files is an
    error at its manifest (``pack.files``) and gives no file. Raises `PackNotFound` when ``ref``
    names nothing.
    """
    path = Path(ref)
    if path.suffix in YAML_SUFFIXES and path.is_file():
        return path, []
    pack, issues = open_pack(root, ref, kind)
    if pack is None:
        return None, issues
    yamls = pack.data_files(YAML_SUFFIXES)
    if len(yamls) != 1:
        issues.append(
            Issue(
                Level.ERROR,
                "pack.files",
                f"a {kind} pack holds exactly one YAML file; the manifest lists {len(yamls)}",
                f"{pack.folder.name}/{MANIFEST}",
                None,
                "files",
            )
        )
        return None, issues
    return yamls[0], issues


@overload
def parse_one_file(
    text: str,
    file: str,
    model: type[M],
    semantic: Semantic[M] | None = None,
    *,
    decimals: bool = True,
) -> tuple[M | None, list[Issue]]: ...
@overload
def parse_one_file(
    text: str,
    file: str,
    model: Parser[T],
    semantic: Semantic[T] | None = None,
    *,
    decimals: bool = True,
) -> tuple[T | None, list[Issue]]: ...
def parse_one_file(
    text: str,
    file: str,
    model: type[BaseModel] | Parser[Any],
    semantic: Semantic[Any] | None = None,
    *,
    decimals: bool = True,
) -> tuple[Any, list[Issue]]:
    """(value, issues) of one pack file's text; ``file`` is the name issues show. The value is
    None when any error was found (YAML syntax, model, or a semantic check)."""
    try:
        src = SourceFile.parse(text, file, decimals=decimals)
    except YAMLError as exc:
        return None, [yaml_issue(exc, file)]
    issues: list[Issue] = []
    value: Any
    if isinstance(model, type) and issubclass(model, BaseModel):
        value = validate_model(model, src.data, src, out=issues)
    else:
        value, found = cast("Parser[Any]", model)(src)
        issues += found
    if value is not None and semantic is not None:
        issues += semantic(value, src)
    return (None if errors_in(issues) else value), issues


@overload
def load_one_file_pack(
    root: Path,
    ref: str | Path,
    kind: str,
    model: type[M],
    semantic: Semantic[M] | None = None,
    *,
    decimals: bool = True,
) -> tuple[M | None, list[Issue]]: ...
@overload
def load_one_file_pack(
    root: Path,
    ref: str | Path,
    kind: str,
    model: Parser[T],
    semantic: Semantic[T] | None = None,
    *,
    decimals: bool = True,
) -> tuple[T | None, list[Issue]]: ...
def load_one_file_pack(
    root: Path,
    ref: str | Path,
    kind: str,
    model: type[BaseModel] | Parser[Any],
    semantic: Semantic[Any] | None = None,
    *,
    decimals: bool = True,
) -> tuple[Any, list[Issue]]:
    """(value, issues) of a one-file pack ``ref`` (see `one_file_of`): the folder's findings,
    then the file's (`parse_one_file`). The value is None when any error was found, in the
    folder or in the file. ``decimals``: YAML floats read as ``Decimal``.
    """
    path, issues = one_file_of(root, ref, kind)
    if path is None:
        return None, issues
    bare = Path(ref) == path  # the YAML file given as is: issues name it as given
    value, found = parse_one_file(
        path.read_text(encoding="utf-8"),
        str(path) if bare else f"{path.parent.name}/{path.name}",
        model,
        semantic,
        decimals=decimals,
    )
    issues += found
    return (None if errors_in(issues) else value), issues


def value_at(data: Any, keys: FieldPath) -> Any:
    """The value at ``keys`` under ``data`` (None where a key or index is missing)."""
    node = data
    for key in keys:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


QuoteItems = Callable[[Any], Iterable[tuple[FieldPath, str, str]]]


def one_file_quotes(root: Path, kind: str, items: QuoteItems) -> list[Quote]:
    """The policy quotes of every built-in one-file pack under ``root`` (rows of
    ``docs/rules.md``): ``items(data)`` names (field path, pack item, source document) of each
    quoted field of a pack's data; a field holding text becomes a `Quote` at its line."""
    out: list[Quote] = []
    for folder in builtin_folders(root):
        path, _ = one_file_of(root, folder.name, kind)
        if path is None:
            continue
        src = SourceFile.read(path)
        for keys, item, source in items(src.data):
            text = value_at(src.data, keys)
            if isinstance(text, str):
                out.append(
                    Quote(text, source, kind, folder.name, item, repo_path(path), src.line(keys))
                )
    return out
