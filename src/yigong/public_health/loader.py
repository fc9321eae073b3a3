"""Load and check the public-health rules pack (kind ``public-health-rules``).

A built-in pack by id (``national-2017``), or a user pack folder (a county's copy), or one YAML
file. Every problem is reported with file, line and field (`PublicHealthRulesError`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from yigong.public_health.spec import PublicHealthRules
from yigong.rulepacks import (
    Issue,
    IssuesError,
    Level,
    Quote,
    SourceFile,
    YAMLError,
    builtin_folders,
    errors_in,
    open_pack,
    repo_path,
    validate_model,
    yaml_issue,
)
from yigong.schema.codes import PH_TASK_UNIT, PUBLIC_HEALTH_PROGRAM

__all__ = [
    "DEFAULT_RULES",
    "PACKS_DIR",
    "PACK_KIND",
    "PublicHealthRulesError",
    "check_rules_pack",
    "load_rules",
    "policy_quotes",
]

PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "public-health-rules"
DEFAULT_RULES = "national-2017"
DISEASES = ("hypertension", "diabetes")


class PublicHealthRulesError(IssuesError):
    """A public-health rules pack with errors (every one listed with file and line)."""


def _file_of(ref: str | Path) -> tuple[Path | None, list[Issue]]:
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path, []
    pack, issues = open_pack(PACKS_DIR, ref, PACK_KIND)
    files = pack.data_files() if pack is not None else []
    yamls = [f for f in files if f.suffix in (".yaml", ".yml")]
    if pack is not None and len(yamls) != 1:
        issues.append(
            Issue(
                Level.ERROR,
                "pack.files",
                "a public-health rules pack holds one YAML file",
                str(pack.folder),
            )  # fmt: skip
        )
        return None, issues
    return (yamls[0] if yamls else None), issues


def _semantic(rules: PublicHealthRules, src: SourceFile) -> list[Issue]:
    out = []
    for d in DISEASES:
        if d not in rules.chronic:
            out.append(src.issue("missing-disease", f"chronic.{d} is required", ("chronic",)))
    for code, prog in rules.programmes.items():
        if code not in PUBLIC_HEALTH_PROGRAM:
            out.append(src.issue("unknown-programme", f"unknown programme {code!r}",
                                 ("programmes", code)))  # fmt: skip
        if prog.unit not in PH_TASK_UNIT:
            out.append(src.issue("unknown-unit", f"unknown unit {prog.unit!r}; one of "
                                 f"{', '.join(PH_TASK_UNIT)}", ("programmes", code, "unit")))  # fmt: skip
    if not any(p.weight > 0 for p in rules.programmes.values()):
        out.append(src.issue("no-weight", "at least one programme needs a weight", ("programmes",)))
    return out


def parse_rules(path: Path) -> tuple[PublicHealthRules | None, list[Issue]]:
    """Read and validate one rules file."""
    try:
        src = SourceFile.read(path, str(path), decimals=True)
    except YAMLError as exc:
        return None, [yaml_issue(exc, str(path))]
    issues: list[Issue] = []
    rules = validate_model(PublicHealthRules, src.data, src, out=issues)
    if rules is not None:
        issues += _semantic(rules, src)
    return (None if errors_in(issues) else rules), issues


def check_rules_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a pack folder (or file): folder convention, shape, semantics."""
    path, issues = _file_of(ref)
    if path is not None:
        issues += parse_rules(path)[1]
    return issues


@cache
def _builtin(ref: str) -> PublicHealthRules:
    return load_rules(PACKS_DIR / ref, cached=False)


def load_rules(ref: str | Path | None = None, *, cached: bool = True) -> PublicHealthRules:
    """The rules of a built-in pack id (default ``national-2017``), a pack folder or a file."""
    ref = ref or DEFAULT_RULES
    if cached and isinstance(ref, str) and (PACKS_DIR / ref).is_dir():
        return _builtin(ref)
    path, issues = _file_of(ref)
    if path is None:
        raise PublicHealthRulesError(errors_in(issues) or issues)
    rules, found = parse_rules(path)
    if rules is None or errors_in(issues):
        raise PublicHealthRulesError(errors_in(issues + found))
    return rules


def policy_quotes() -> list[Quote]:
    """The clauses of every built-in pack, with file and line (rows of ``docs/rules.md``)."""
    out: list[Quote] = []
    for folder in builtin_folders(PACKS_DIR):
        path, _ = _file_of(folder)
        if path is None:
            continue
        src = SourceFile.read(path)
        data = src.data
        items = [(("long_prescription_clause",), "long prescription")]
        items += [(("chronic", d, "clause"), f"chronic {d}") for d in data.get("chronic", {})]
        items += [(("assessment", "clause"), "village assessment"),
                  (("subsidy", "clause"), "village subsidy")]  # fmt: skip
        for keys, item in items:
            node = data
            for k in keys:
                node = node.get(k, {}) if isinstance(node, dict) else {}
            if not isinstance(node, str):
                continue
            source = "[N]" if node.startswith("[N]") else str(data.get("source", ""))
            out.append(Quote(node, source, PACK_KIND, folder.name, item, repo_path(path),
                             src.line(keys)))  # fmt: skip
    return out
