"""Load and validate a settlement policy YAML file.

Validation happens in two passes and reports **every** problem with file, line and field:
1. shape and ranges (Pydantic models in :mod:`yigong.payment.policy`);
2. cross-field rules (:func:`semantic_issues`): reserve shares sum below 1, tiers ascending
   and open-ended, score bands covering 0–100, weights positive, DIP ratios ordered.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from yigong.payment.issues import Issue, IssueLevel, PolicyError
from yigong.payment.policy import Policy, QualityReturn
from yigong.payment.yamlio import FieldPath, line_for, load_with_lines
from yigong.schema.rounding import MODES

__all__ = ["BUILTIN_POLICIES", "load_policy", "policy_from_text", "semantic_issues"]

#: Policies shipped as package data, by id.
BUILTIN_POLICIES = {"henan-default": "henan-default.yaml"}


def _path_str(path: FieldPath) -> str:
    return ".".join(str(p) for p in path)


def _error(code: str, message: str, path: FieldPath) -> tuple[str, str, FieldPath]:
    return code, message, path


def _bands_issues(ret: QualityReturn, where: FieldPath) -> list[tuple[str, str, FieldPath]]:
    out: list[tuple[str, str, FieldPath]] = []
    if ret.method == "bands":
        if not ret.bands:
            out.append(
                _error("bands.empty", "method 'bands' needs at least one band", (*where, "bands"))
            )
        mins = [b.min_score for b in ret.bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            out.append(
                _error(
                    "bands.order",
                    "bands must be listed by strictly falling min_score",
                    (*where, "bands"),
                )
            )
        if mins and min(mins) != 0:
            out.append(
                _error(
                    "bands.cover",
                    "the last band must start at min_score 0 so every score maps",
                    (*where, "bands"),
                )
            )
        shares = [b.share for b in ret.bands]
        if shares != sorted(shares, reverse=True):
            out.append(
                _error(
                    "bands.monotone",
                    "a higher score must never return a smaller share",
                    (*where, "bands"),
                )
            )
    else:
        if ret.zero_at is None or ret.full_at is None:
            out.append(_error("linear.bounds", "method 'linear' needs zero_at and full_at", where))
        elif ret.zero_at >= ret.full_at:
            out.append(_error("linear.order", "zero_at must be below full_at", (*where, "zero_at")))
    return out


def _tiers_issues(ups: list[Decimal | None], where: FieldPath) -> list[tuple[str, str, FieldPath]]:
    out: list[tuple[str, str, FieldPath]] = []
    if ups[-1] is not None:
        out.append(
            _error(
                "tiers.open",
                "the last tier must have up_to: null (no upper bound)",
                (*where, len(ups) - 1, "up_to"),
            )
        )
    bounded = [u for u in ups[:-1]]
    for i, u in enumerate(bounded):
        if u is None:
            out.append(
                _error("tiers.open", "only the last tier may be open-ended", (*where, i, "up_to"))
            )
    values = [u for u in bounded if u is not None]
    if values != sorted(values) or len(set(values)) != len(values):
        out.append(_error("tiers.order", "tier bounds must rise strictly", where))
    return out


def semantic_issues(policy: Policy) -> list[tuple[str, str, FieldPath]]:
    """Cross-field rules a policy must satisfy; each issue is (code, message, field path)."""
    out: list[tuple[str, str, FieldPath]] = []
    if policy.rounding.mode not in MODES:
        out.append(
            _error(
                "rounding.mode",
                f"unknown mode; expected one of {sorted(MODES)}",
                ("rounding", "mode"),
            )
        )
    if (
        policy.rounding.quantum.quantize(Decimal("0.01"), context=decimal.Context())
        != policy.rounding.quantum
    ):
        out.append(
            _error(
                "rounding.quantum", "quantum must be a whole number of fen", ("rounding", "quantum")
            )
        )
    r = policy.reserves
    if r.risk_adjustment.share + r.quality_guarantee.share + r.major_illness.share >= 1:
        out.append(_error("reserves.sum", "reserve shares must sum to less than 1", ("reserves",)))
    q = policy.quota
    if q.headcount_weight < 1 and not q.history_weights:
        out.append(
            _error(
                "quota.history",
                "history_weights needed when headcount_weight < 1",
                ("quota", "history_weights"),
            )
        )
    for back, w in q.history_weights.items():
        if not 1 <= back <= 3:
            out.append(
                _error(
                    "quota.history.years",
                    "history years back must be 1, 2 or 3 (text: past 1–3 years)",
                    ("quota", "history_weights", str(back)),
                )
            )
        if w <= 0:
            out.append(
                _error(
                    "quota.history.weight",
                    "weights must be positive",
                    ("quota", "history_weights", str(back)),
                )
            )
    if (
        any(w < 0 for w in policy.prepayment.month_weights)
        or sum(policy.prepayment.month_weights) <= 0
    ):
        out.append(
            _error(
                "prepayment.weights",
                "month weights must be non-negative with a positive sum",
                ("prepayment", "month_weights"),
            )
        )
    if policy.prepayment.withhold_share >= 1:
        out.append(
            _error(
                "prepayment.withhold",
                "withhold_share must be below 1",
                ("prepayment", "withhold_share"),
            )
        )
    a = policy.assessment
    if any(w < 0 for w in a.quarter_weights) or sum(a.quarter_weights) <= 0:
        out.append(
            _error(
                "assessment.weights",
                "quarter weights must be non-negative with a positive sum",
                ("assessment", "quarter_weights"),
            )
        )
    out += _bands_issues(a.quarterly_release, ("assessment", "quarterly_release"))
    out += _bands_issues(a.quality_return, ("assessment", "quality_return"))
    out += _tiers_issues(
        [t.up_to for t in policy.sharing.surplus_tiers], ("sharing", "surplus_tiers")
    )
    out += _tiers_issues(
        [t.up_to for t in policy.sharing.overspend_tiers], ("sharing", "overspend_tiers")
    )
    if policy.dip is not None:
        d = policy.dip
        if not d.low_ratio < 1 < d.high_ratio < d.extreme_ratio:
            out.append(
                _error("dip.ratios", "need low_ratio < 1 < high_ratio < extreme_ratio", ("dip",))
            )
        if d.coefficient_method == "fixed" and not d.fixed_coefficients:
            out.append(
                _error(
                    "dip.coefficients",
                    "method 'fixed' needs fixed_coefficients",
                    ("dip", "fixed_coefficients"),
                )
            )
    if policy.drg is not None:
        g = policy.drg
        if g.rate_method == "fixed" and g.base_rate is None:
            out.append(
                _error("drg.rate", "rate_method 'fixed' needs base_rate", ("drg", "base_rate"))
            )
        if g.high_ratio is not None and g.high_ratio <= 1:
            out.append(_error("drg.high", "high_ratio must be above 1", ("drg", "high_ratio")))
        if g.min_los is not None and g.max_los is not None and g.min_los >= g.max_los:
            out.append(_error("drg.los", "min_los must be below max_los", ("drg", "min_los")))
    if policy.distribution is not None:
        p = policy.distribution.procurement_surplus
        if p.staff_min > p.staff_max:
            out.append(
                _error(
                    "distribution.procurement",
                    "staff_min above staff_max",
                    ("distribution", "procurement_surplus"),
                )
            )
    return out


def policy_from_text(text: str, file: str = "<policy>") -> Policy:
    """Parse and validate policy YAML; raise :class:`PolicyError` listing every issue."""
    try:
        data, lines = load_with_lines(text)
    except Exception as exc:  # yaml errors carry their own mark
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(
            [Issue(IssueLevel.ERROR, "yaml", str(exc).splitlines()[0], file, line)]
        ) from exc
    if not isinstance(data, dict):
        raise PolicyError(
            [Issue(IssueLevel.ERROR, "yaml.shape", "a policy file must be a mapping", file, 1)]
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            path: FieldPath = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
            issues.append(
                Issue(
                    IssueLevel.ERROR,
                    f"schema.{err['type']}",
                    err["msg"],
                    file,
                    line_for(lines, path),
                    _path_str(path),
                )
            )
        raise PolicyError(issues) from exc
    found = semantic_issues(policy)
    if found:
        raise PolicyError(
            [
                Issue(IssueLevel.ERROR, code, msg, file, line_for(lines, path), _path_str(path))
                for code, msg, path in found
            ]
        )
    return policy


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a built-in policy by id (e.g. ``henan-default``) or a policy YAML file by path."""
    key = str(name_or_path)
    if key in BUILTIN_POLICIES:
        ref = resources.files("yigong.payment").joinpath("policies", BUILTIN_POLICIES[key])
        return policy_from_text(
            ref.read_text(encoding="utf-8"), f"yigong/payment/policies/{BUILTIN_POLICIES[key]}"
        )
    path = Path(key)
    if not path.is_file():
        raise PolicyError(
            [
                Issue(
                    IssueLevel.ERROR,
                    "policy.missing",
                    f"no built-in policy or file named {key!r}",
                    key,
                )
            ]
        )
    return policy_from_text(path.read_text(encoding="utf-8"), str(path))
