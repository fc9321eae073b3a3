"""Packs whose YAML files are the sections of one Pydantic model (a policy spread over files).

A settlement policy (``payment-policy``) or an operations policy (``operations-policy``) is a
pack folder holding one YAML file per section (``reserves.yaml``, ``cost-allocation.yaml`` …);
the top-level sections of all its files together are validated as one model, then the engine's
registered checks run on it. A single YAML file holding every section is accepted too. Every
problem is an `Issue` in the file and at the line it concerns, in two passes: shapes and ranges
(Pydantic), then the checks.

An engine declares one `SectionPacks` (its folder, kind, model, checks and error class) and keeps
only its spec and its checks; `merge_sections` / `section_issues` are also what
`load_model_pack` uses for packs whose files carry a ``kind:`` header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from yigong.rulepacks.checks import Checks, run_checks
from yigong.rulepacks.issues import Issue, IssuesError, Level
from yigong.rulepacks.packs import Pack, builtin_folders, is_pack_folder, open_pack
from yigong.rulepacks.quotes import Quote, repo_path
from yigong.rulepacks.yamlsrc import FieldPath, SourceFile, YAMLError, dotted, yaml_issue

__all__ = ["SectionPacks", "clauses", "leading_tags", "merge_sections", "section_issues"]

M = TypeVar("M", bound=BaseModel)


def merge_sections(
    sources: Sequence[SourceFile], skip: Iterable[str] = ()
) -> tuple[dict[str, Any], dict[str, SourceFile], list[Issue]]:
    """(merged sections, section → file that gives it, issues): each file's top-level keys
    (but ``skip``) are sections; a section given by two files is an error at the second."""
    skipped = set(skip)
    merged: dict[str, Any] = {}
    owner: dict[str, SourceFile] = {}
    issues: list[Issue] = []
    for src in sources:
        if not isinstance(src.data, dict):
            issues.append(
                Issue(Level.ERROR, "yaml.shape", "a pack file must be a mapping", src.name, 1)
            )
            continue
        for key, value in src.data.items():
            if key in skipped:
                continue
            if key in merged:
                first = owner[key].name
                issues.append(
                    src.issue(
                        "pack.section", f"section {key!r} is already given in {first}", (key,)
                    )
                )
                continue
            merged[key] = value
            owner[key] = src
    return merged, owner, issues


def section_issues(
    exc: ValidationError, owner: dict[str, SourceFile], fallback: str
) -> list[Issue]:
    """One issue per Pydantic error of a merged model, in the file that gave its section
    (``fallback`` names the place of an error outside every section)."""
    out: list[Issue] = []
    for err in exc.errors():
        loc: FieldPath = tuple(p for p in err["loc"] if isinstance(p, str | int))
        src = owner.get(str(loc[0])) if loc else None
        out.append(
            Issue(
                Level.ERROR,
                f"schema.{err['type']}",
                err["msg"],
                src.name if src else fallback,
                src.line(loc) if src else None,
                dotted(loc),
            )
        )
    return out


def clauses(data: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every ``clause:`` string under ``data`` with its field path (the clause key included)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "clause" and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from clauses(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from clauses(value, (*path, i))


_TAGS = re.compile(r"^((?:\[[^\]]+\])+)")


def leading_tags(text: str) -> str | None:
    """The source tags a clause starts with (``[N][H]``), or None."""
    found = _TAGS.match(text)
    return found.group(1) if found else None


@dataclass(frozen=True)
class SectionPacks(Generic[M]):
    """The packs of one kind whose files are sections of ``model`` (see the module doc).

    ``noun`` names the thing in messages (``policy``, ``operations policy``); ``display`` is how
    issues name a built-in pack's folder (``yigong/payment/packs``); ``error`` is the engine's
    `IssuesError` subclass raised with every issue.
    """

    packs_dir: Path
    kind: str
    model: type[M]
    checks: Checks[M]
    error: type[IssuesError]
    noun: str
    display: str
    first_file: str = "policy.yaml"
    builtin: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "builtin", tuple(p.name for p in builtin_folders(self.packs_dir)))

    # -- reading -----------------------------------------------------------------------------
    def parse(self, text: str, file: str) -> SourceFile:
        """One section file parsed (floats as Decimal); a YAML syntax error is raised as the
        engine's error at its line."""
        try:
            return SourceFile.parse(text, file, decimals=True)
        except YAMLError as exc:  # yaml errors carry their own mark
            raise self.error([yaml_issue(exc, file)]) from exc

    def _display(self, pack: Pack, path: Path) -> str:
        return f"{self.display}/{pack.folder.name}/{path.name}" if pack.builtin else str(path)

    def sources(self, pack: Pack) -> list[SourceFile]:
        """The parsed section files of a pack (``first_file`` first, then by name)."""
        files = sorted(pack.data_files(), key=lambda p: (p.name != self.first_file, p.name))
        return [self.parse(p.read_text(encoding="utf-8"), self._display(pack, p)) for p in files]

    def open(self, ref: str | Path) -> tuple[Pack, list[Issue]]:
        """The pack ``ref`` (built-in id or folder) and the findings about its folder; raises the
        engine's error when it cannot be used at all."""
        pack, issues = open_pack(self.packs_dir, ref, self.kind)
        if pack is None:
            raise self.error(issues)
        if not pack.data_files():
            raise self.error(
                [
                    Issue(
                        Level.ERROR,
                        "pack.empty",
                        f"the pack lists no {self.noun} YAML file",
                        str(ref),
                    )
                ]
            )
        return pack, issues

    # -- validating --------------------------------------------------------------------------
    def from_sources(self, sources: list[SourceFile]) -> M:
        """The sections of one or more parsed files validated as one model, then checked; raises
        the engine's error listing every issue, each in its file and at its line."""
        merged, owner, issues = merge_sections(sources)
        if issues:
            raise self.error(issues)
        try:
            result = self.model.model_validate(merged)
        except ValidationError as exc:
            raise self.error(section_issues(exc, owner, sources[0].name)) from exc
        found = run_checks(self.checks, result)
        if found:
            first = sources[0]
            raise self.error([owner.get(i.field.split(".", 1)[0], first).locate(i) for i in found])
        return result

    def from_text(self, text: str, file: str) -> M:
        """A single-file model (every section in one file)."""
        return self.from_sources([self.parse(text, file)])

    def load(self, ref: str | Path) -> M:
        """A built-in pack by id, a pack folder, or one YAML file holding every section."""
        key = str(ref)
        path = Path(key)
        if key in self.builtin or is_pack_folder(path):
            pack, _ = self.open(ref)
            return self.from_sources(self.sources(pack))
        if not path.is_file():
            raise self.error(
                [
                    Issue(
                        Level.ERROR,
                        "policy.missing",
                        f"no built-in {self.noun} or file named {key!r} (built-in: "
                        f"{', '.join(self.builtin)}; a pack folder works too)",
                        key,
                    )
                ]
            )
        return self.from_text(path.read_text(encoding="utf-8"), str(path))

    def check(self, ref: str | Path) -> list[Issue]:
        """Every finding about a pack: its folder (manifest, README, licence, checksums), its
        sections and checks, and that the manifest's id is the model's ``id``."""
        try:
            pack, issues = self.open(ref)
        except IssuesError as exc:
            return list(exc.issues)
        try:
            result = self.from_sources(self.sources(pack))
        except IssuesError as exc:
            return issues + list(exc.issues)
        model_id = getattr(result, "id", pack.id)
        if model_id != pack.id:
            issues.append(
                Issue(
                    Level.ERROR,
                    "pack.id",
                    f"manifest id {pack.id!r} differs from the {self.noun} id {model_id!r}",
                    f"{pack.folder.name}/manifest.toml",
                    None,
                    "pack.id",
                )
            )
        return issues

    # -- docs/rules.md -----------------------------------------------------------------------
    def quotes(
        self, source: Callable[[str], str], item: Callable[[FieldPath], str] = dotted
    ) -> list[Quote]:
        """Every ``clause`` of every built-in pack with its file and line; ``source`` names the
        document a clause quotes, ``item`` the pack item from the clause's section path."""
        out: list[Quote] = []
        for ref in self.builtin:
            pack, _ = self.open(ref)
            files = {self._display(pack, p): p for p in pack.data_files()}
            for src in self.sources(pack):
                for path, text in clauses(src.data):
                    out.append(
                        Quote(
                            text,
                            source(text),
                            self.kind,
                            pack.id,
                            item(path[:-1]),
                            repo_path(files[src.name]),
                            src.line(path),
                        )
                    )
        return out
