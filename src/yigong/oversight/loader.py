"""Reading and validating screening rule packs: every problem names file, line and field.

The rules ship as rule packs (kind ``screening-rules``) under ``oversight/packs/<id>/``; a user
points at a pack folder (a copy of a built-in one) or at single rules files. A rules file is a
mapping with ``kind: screening_rules``, a ``ruleset`` id, titles and a list of
``rules``. Each rule is checked against `Rule`, then its ``params`` against its evaluator's
parameter model; ids must be unique across files; ``status: needs_data`` requires ``needs``.
Loading never raises on bad content: problems become `Issue`s (``check`` raises them together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from yigong.oversight.evaluators import EVALUATORS
from yigong.oversight.spec import Rule, RuleStatus
from yigong.rulepacks import (
    FieldPath,
    Issue,
    IssuesError,
    Level,
    Quote,
    SourceFile,
    YAMLError,
    open_packs,
    repo_path,
    validate_model,
    yaml_issue,
)

__all__ = [
    "PACKS_DIR",
    "PACK_KIND",
    "RuleSet",
    "RulesError",
    "builtin_rule_paths",
    "load_rules",
    "pack_issues",
    "policy_quotes",
]

HEADER_KEYS = {"kind", "ruleset", "edition", "title_zh", "title_en", "note", "rules"}


class RulesError(IssuesError):
    """The screening rules failed validation; carries every error."""


@dataclass
class RuleSet:
    """Every rule read from a set of files, with the problems found."""

    rules: dict[str, Rule] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level is Level.ERROR]

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(
                f"no screening rule {rule_id!r}; known: {', '.join(self.rules)}"
            ) from None

    def select(self, ids: list[str] | None = None) -> list[Rule]:
        return [self.rule(i) for i in ids] if ids else list(self.rules.values())

    def check(self) -> RuleSet:
        if self.errors:
            raise RulesError(self.errors)
        return self


PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "screening-rules"


def builtin_rule_paths() -> list[Path]:
    """The rules files of the packs shipped with yigong, pack by pack."""
    packs, _ = open_packs(PACKS_DIR, None, PACK_KIND)
    return [f for pack in packs for f in pack.data_files()]


def pack_issues(refs: list[str | Path] | None = None) -> list[Issue]:
    """Findings about the pack folders (manifest, README, licence, checksums)."""
    return open_packs(PACKS_DIR, refs, PACK_KIND)[1]


def _issue(src: SourceFile, path: FieldPath, code: str, message: str) -> Issue:
    return src.issue(code, message, path)


def _validate(
    src: SourceFile, model: type[BaseModel], data: Any, path: FieldPath, out: list[Issue]
) -> Any:
    return validate_model(model, data, src, path, out)


def _load_file(rs: RuleSet, src: SourceFile) -> None:
    data = src.data
    if not isinstance(data, dict):
        rs.issues.append(Issue(Level.ERROR, "schema", "a rules file is a mapping", src.name, 1))
        return
    if data.get("kind") != "screening_rules":
        rs.issues.append(_issue(src, ("kind",), "schema", "kind must be 'screening_rules'"))
        return
    for key in data:
        if key not in HEADER_KEYS:
            rs.issues.append(_issue(src, (key,), "schema", f"unknown key {key!r}"))
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        rs.issues.append(_issue(src, ("rules",), "schema", "rules must be a non-empty list"))
        return
    for i, body in enumerate(rules):
        path: FieldPath = ("rules", i)
        if not isinstance(body, dict):
            rs.issues.append(_issue(src, path, "schema", "a rule is a mapping"))
            continue
        body = {**body, "file": src.name, "line": src.line(path)}
        rule = _validate(src, Rule, body, path, rs.issues)
        if rule is None:
            continue
        ev = EVALUATORS.get(rule.evaluator)
        if ev is None:
            rs.issues.append(
                _issue(
                    src,
                    (*path, "evaluator"),
                    "unknown-evaluator",
                    f"evaluator {rule.evaluator!r} is unknown; known: "
                    f"{', '.join(sorted(EVALUATORS))}",
                )
            )
            continue
        if rule.status is RuleStatus.NEEDS_DATA and not rule.needs.strip():
            rs.issues.append(
                _issue(
                    src,
                    (*path, "needs"),
                    "needs-missing",
                    "status needs_data requires 'needs' (which data is missing)",
                )
            )
        if _validate(src, ev.params, rule.params, (*path, "params"), rs.issues) is None:
            continue
        if rule.id in rs.rules:
            first = rs.rules[rule.id]
            rs.issues.append(
                _issue(
                    src,
                    (*path, "id"),
                    "duplicate-id",
                    f"rule id {rule.id!r} already defined in {first.file}:{first.line}",
                )
            )
            continue
        rs.rules[rule.id] = rule


def load_rules(paths: list[Path] | None = None) -> RuleSet:
    """Load rules files or pack folders (the built-in packs by default); never raises on bad
    content."""
    rs = RuleSet()
    files: list[Path] = []
    for path in paths if paths is not None else builtin_rule_paths():
        if Path(path).is_dir():
            packs, found = open_packs(PACKS_DIR, [Path(path)], PACK_KIND)
            rs.issues += found
            files += [f for pack in packs for f in pack.data_files()]
        else:
            files.append(Path(path))
    for path in files:
        try:
            src = SourceFile.read(path)
        except YAMLError as exc:
            rs.issues.append(yaml_issue(exc, path.name))
            continue
        _load_file(rs, src)
    return rs


def policy_quotes() -> list[Quote]:
    """The policy text each built-in screening rule serves, with its file and line (rows of
    ``docs/rules.md``)."""
    packs, _ = open_packs(PACKS_DIR, None, PACK_KIND)
    out: list[Quote] = []
    for pack in packs:
        for path in pack.data_files():
            for rule in load_rules([path]).rules.values():
                out.append(
                    Quote(
                        rule.policy.text,
                        rule.policy.source,
                        PACK_KIND,
                        pack.id,
                        f"rule {rule.id} ({rule.name_en})",
                        repo_path(path),
                        rule.line,
                    )
                )
    return out
