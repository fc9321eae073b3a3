"""The settlement policy as a rule pack: a built-in pack by id, a user pack folder, or one file.

A policy pack (``packs/<id>/``, kind ``payment-policy``) holds one YAML file per section
(``reserves.yaml``, ``surplus-and-overspend.yaml`` …); the sections of all its files together
make one :class:`~yigong.payment.policy.Policy`. Reading, locating and reporting are the shared
machinery's (`yigong.rulepacks.SectionPacks`); this engine keeps its spec
(:mod:`yigong.payment.policy`) and its cross-field checks (:mod:`yigong.payment.policy_checks`).
"""

from __future__ import annotations

from pathlib import Path

from yigong.payment.errors import PolicyError
from yigong.payment.policy import Policy
from yigong.payment.policy_checks import POLICY_CHECKS
from yigong.rulepacks import Issue, Pack, Quote, SectionPacks, SourceFile, dotted, leading_tags

__all__ = [
    "BUILTIN_POLICIES",
    "PACKS",
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

#: the settlement policy packs (package data ``payment/packs/<id>/``) and how they are read
PACKS = SectionPacks(
    PACKS_DIR, PACK_KIND, Policy, POLICY_CHECKS, PolicyError, "policy", "yigong/payment/packs"
)

#: Policies shipped as packs, by id.
BUILTIN_POLICIES = PACKS.builtin


def policy_from_sources(sources: list[SourceFile]) -> Policy:
    """Validate the sections of one or more parsed files as one policy; raise
    :class:`PolicyError` listing every issue, each in the file and at the line it concerns."""
    return PACKS.from_sources(sources)


def policy_from_text(text: str, file: str = "<policy>") -> Policy:
    """Parse and validate a single-file policy; raise :class:`PolicyError` listing every issue."""
    return PACKS.from_text(text, file)


def policy_sources(pack: Pack) -> list[SourceFile]:
    """The parsed section files of a policy pack (``policy.yaml`` first, then by name)."""
    return PACKS.sources(pack)


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a built-in policy by id (e.g. ``henan-default``), a policy pack folder, or a policy
    YAML file by path."""
    return PACKS.load(name_or_path)


def check_policy_pack(ref: str | Path) -> list[Issue]:
    """Every finding about a policy pack: its folder (manifest, README, licence, checksums), its
    sections, and that the manifest's id is the policy's."""
    return PACKS.check(ref)


def policy_quotes() -> list[Quote]:
    """Every ``clause`` of every built-in policy pack, with its file and line (rows of
    ``docs/rules.md``); the source is the clause's leading tags (``[N]``, ``[H]`` …)."""
    return PACKS.quotes(
        lambda text: leading_tags(text) or "policy clause", lambda path: f"{dotted(path)} section"
    )
