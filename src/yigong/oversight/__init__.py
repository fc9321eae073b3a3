"""Fund-supervision screening (基金监管筛查): rules as YAML data, a set-based Ibis evaluator.

Rules live in rule packs ``oversight/packs/<id>/`` (validated by `load_rules`, errors name file, line and
field); `screen` evaluates them over any Ibis backend's tables and returns flags that carry the
rule, its parameters, the numbers that triggered it and the row keys behind it. The engine never
imports the warehouse backend; services persist the flags and the review workflow.
"""

from __future__ import annotations

from yigong.oversight.engine import Flag, flag_id, screen
from yigong.oversight.loader import RuleSet, load_rules
from yigong.oversight.periods import Period, parse_period
from yigong.oversight.spec import Rule

__all__ = [
    "Flag",
    "Period",
    "Rule",
    "RuleSet",
    "flag_id",
    "load_rules",
    "parse_period",
    "screen",
]
