"""The operations policy as a rule pack: a built-in pack by id, a pack folder, or one file.

A pack (``packs/<id>/``, kind ``operations-policy``) holds one YAML file per section; together
they make one :class:`~yigong.operations.policy.OperationsPolicy`. Reading, locating and
reporting are the shared machinery's (`yigong.rulepacks.SectionPacks`); this engine keeps its
spec (:mod:`yigong.operations.policy`) and its checks (:mod:`yigong.operations.checks`).
"""

from __future__ import annotations

from pathlib import Path

from yigong.operations.checks import POLICY_CHECKS
from yigong.operations.errors import OperationsPolicyError
from yigong.operations.policy import OperationsPolicy
from yigong.rulepacks import Issue, Quote, SectionPacks, SourceFile, leading_tags

__all__ = [
    "BUILTIN_POLICIES",
    "DEFAULT_POLICY",
    "PACKS",
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

#: the operations policy packs and how they are read
PACKS = SectionPacks(
    PACKS_DIR,
    PACK_KIND,
    OperationsPolicy,
    POLICY_CHECKS,
    OperationsPolicyError,
    "operations policy",
    "yigong/operations/packs",
)
BUILTIN_POLICIES = PACKS.builtin


def policy_from_sources(sources: list[SourceFile]) -> OperationsPolicy:
    """The sections of one or more parsed files, validated as one policy."""
    return PACKS.from_sources(sources)


def load_operations_policy(name_or_path: str | Path = DEFAULT_POLICY) -> OperationsPolicy:
    """A built-in policy by id (``national-2021``), a policy pack folder, or a YAML file."""
    return PACKS.load(name_or_path)


def check_policy_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a policy pack: its folder convention, its sections, its id."""
    return PACKS.check(ref)


def _source(text: str) -> str:
    """A clause's document: its leading tags, else its first word (the policy's title)."""
    return leading_tags(text) or text.split("（")[0].split(" ")[0]


def policy_quotes() -> list[Quote]:
    """Every ``clause`` of every built-in operations pack with its file and line (rows of
    ``docs/rules.md``)."""
    return PACKS.quotes(_source)
