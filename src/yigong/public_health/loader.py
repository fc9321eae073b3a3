"""Load and check the public-health rules pack (kind ``public-health-rules``).

A built-in pack by id (``national-2017``), or a user pack folder (a county's copy), or one YAML
file. Every problem is reported with file, line and field (`PublicHealthRulesError`). Reading
the pack is `yigong.rulepacks.load_one_file_pack`'s; this module keeps the semantic checks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from yigong.public_health.spec import PublicHealthRules
from yigong.rulepacks import (
    FieldPath,
    Issue,
    IssuesError,
    Quote,
    SourceFile,
    errors_in,
    load_one_file_pack,
    one_file_quotes,
    value_at,
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


def check_rules_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a pack folder (or file): folder convention, shape, semantics."""
    return load_one_file_pack(PACKS_DIR, ref, PACK_KIND, PublicHealthRules, _semantic)[1]


@cache
def _builtin(ref: str) -> PublicHealthRules:
    return load_rules(PACKS_DIR / ref, cached=False)


def load_rules(ref: str | Path | None = None, *, cached: bool = True) -> PublicHealthRules:
    """The rules of a built-in pack id (default ``national-2017``), a pack folder or a file."""
    ref = ref or DEFAULT_RULES
    if cached and isinstance(ref, str) and (PACKS_DIR / ref).is_dir():
        return _builtin(ref)
    rules, issues = load_one_file_pack(PACKS_DIR, ref, PACK_KIND, PublicHealthRules, _semantic)
    if rules is None:
        raise PublicHealthRulesError(errors_in(issues))
    return rules


def _quoted(data: Any) -> list[tuple[FieldPath, str, str]]:
    """(field, item, source) of every clause of a pack's data (a ``[N]`` clause quotes the
    national specification; the others the pack's ``source``)."""
    data = data if isinstance(data, dict) else {}
    keys: list[tuple[FieldPath, str]] = [(("long_prescription_clause",), "long prescription")]
    keys += [(("chronic", d, "clause"), f"chronic {d}") for d in data.get("chronic") or {}]
    keys += [(("assessment", "clause"), "village assessment"),
             (("subsidy", "clause"), "village subsidy")]  # fmt: skip
    out = []
    for path, item in keys:
        text = value_at(data, path)
        national = isinstance(text, str) and text.startswith("[N]")
        out.append((path, item, "[N]" if national else str(data.get("source", ""))))
    return out


def policy_quotes() -> list[Quote]:
    """The clauses of every built-in pack, with file and line (rows of ``docs/rules.md``)."""
    return one_file_quotes(PACKS_DIR, PACK_KIND, _quoted)
