"""Plausibility rules of ingest as data (a rule pack of kind ``plausibility-rules``): a date
window, a length-of-stay bound, length of stay = discharge − admission, parts ≤ total. The
pack is read here (`loader`); `ingest/rules.py` compiles it to set-based SQL."""

from __future__ import annotations

from yigong.ingest.plausibility.loader import (
    DEFAULT_PACK,
    PACK_KIND,
    PACKS_DIR,
    PlausibilityRulesError,
    builtin_rules,
    check_pack,
    load_rules,
    policy_quotes,
)
from yigong.ingest.plausibility.spec import DateWindow, PartsRule, PlausibilityRules, StayRule

__all__ = [
    "DEFAULT_PACK",
    "PACKS_DIR",
    "PACK_KIND",
    "DateWindow",
    "PartsRule",
    "PlausibilityRules",
    "PlausibilityRulesError",
    "StayRule",
    "builtin_rules",
    "check_pack",
    "load_rules",
    "policy_quotes",
]
