"""Checks on budget inputs before any money moves: every problem named, nothing dropped."""

from __future__ import annotations

from collections import Counter

from yigong.payment.issues import Issue, IssueLevel
from yigong.payment.policy import Policy
from yigong.payment.quota import quota_basis
from yigong.payment.records import BudgetInputs, ClaimSetting, ReferralStatus

__all__ = ["budget_input_issues"]


def _err(code: str, message: str, file: str, index: int | None = None, field: str = "") -> Issue:
    # rows are reported as file lines: header on line 1, record i on line i + 2
    return Issue(IssueLevel.ERROR, code, message, file, None if index is None else index + 2, field)


def budget_input_issues(inputs: BudgetInputs, policy: Policy) -> list[Issue]:
    """Every error in ``inputs`` against ``policy`` (empty list: ready to settle)."""
    out: list[Issue] = []
    if inputs.annual_fund.amount <= 0:
        out.append(
            _err(
                "fund.nonpositive",
                "annual fund must be positive",
                "bundle.yaml",
                None,
                "annual_fund",
            )
        )
    if not inputs.communities:
        out.append(_err("communities.empty", "at least one community is needed", "communities.csv"))
    ids = Counter(c.community_id for c in inputs.communities)
    for i, c in enumerate(inputs.communities):
        if ids[c.community_id] > 1:
            out.append(
                _err(
                    "communities.duplicate",
                    f"community {c.community_id!r} listed twice",
                    "communities.csv",
                    i,
                    "community_id",
                )
            )
        if c.insured_headcount < 0:
            out.append(
                _err(
                    "communities.headcount",
                    "insured headcount must be >= 0",
                    "communities.csv",
                    i,
                    "insured_headcount",
                )
            )
    if (
        policy.quota.headcount_weight > 0
        and sum(c.insured_headcount for c in inputs.communities) <= 0
    ):
        out.append(
            _err(
                "communities.headcount",
                "total insured headcount must be positive",
                "communities.csv",
            )
        )
    members = {i.institution_id for i in inputs.institutions}
    for i, inst in enumerate(inputs.institutions):
        if inst.community_id not in ids:
            out.append(
                _err(
                    "institutions.community",
                    f"unknown community {inst.community_id!r}",
                    "institutions.csv",
                    i,
                    "community_id",
                )
            )
    if policy.quota.headcount_weight < 1:
        have = {(h.community_id, h.year) for h in inputs.history}
        for c in inputs.communities:
            for back in sorted(policy.quota.history_weights):
                if (c.community_id, inputs.year - back) not in have:
                    out.append(
                        _err(
                            "history.missing",
                            f"no fund history for {c.community_id!r} in {inputs.year - back}",
                            "history.csv",
                            None,
                            "year",
                        )
                    )
    for i, h in enumerate(inputs.history):
        if h.community_id not in ids:
            out.append(
                _err(
                    "history.community",
                    f"unknown community {h.community_id!r}",
                    "history.csv",
                    i,
                    "community_id",
                )
            )
        if h.fund_paid.is_negative:
            out.append(
                _err("history.negative", "fund paid must be >= 0", "history.csv", i, "fund_paid")
            )
    for i, cl in enumerate(inputs.claims):
        if cl.community_id not in ids:
            out.append(
                _err(
                    "claims.community",
                    f"unknown community {cl.community_id!r}",
                    "claims.csv",
                    i,
                    "community_id",
                )
            )
        if not 1 <= cl.month <= 12:
            out.append(
                _err("claims.month", f"month {cl.month} outside 1-12", "claims.csv", i, "month")
            )
        if cl.fund_paid.is_negative:
            out.append(
                _err(
                    "claims.negative",
                    "fund paid must be >= 0 (post refunds as their own adjustment)",
                    "claims.csv",
                    i,
                    "fund_paid",
                )
            )
        if cl.setting is ClaimSetting.IN_COUNTY:
            if cl.institution_id not in members:
                out.append(
                    _err(
                        "claims.institution",
                        f"in-county claim names unknown institution {cl.institution_id!r}",
                        "claims.csv",
                        i,
                        "institution_id",
                    )
                )
        elif cl.referral is ReferralStatus.NOT_APPLICABLE:
            out.append(
                _err(
                    "claims.referral",
                    "out-of-county claims must be 'referred' or 'self_referred'",
                    "claims.csv",
                    i,
                    "referral",
                )
            )
    if not out and policy.quota.headcount_weight < 1:
        bases = quota_basis(tuple(inputs.communities), inputs.history, inputs.year, policy.quota)
        if sum(b.basis_share for b in bases) <= 0:
            out.append(
                _err(
                    "quota.basis.zero",
                    "every community's basis share is zero (no headcount weight and no fund history)",
                    "history.csv",
                    None,
                    "fund_paid",
                )
            )
    seen = Counter((a.community_id, a.quarter) for a in inputs.assessments)
    for i, a in enumerate(inputs.assessments):
        if a.community_id not in ids:
            out.append(
                _err(
                    "assessments.community",
                    f"unknown community {a.community_id!r}",
                    "assessments.csv",
                    i,
                    "community_id",
                )
            )
        if not 1 <= a.quarter <= 4:
            out.append(
                _err(
                    "assessments.quarter",
                    f"quarter {a.quarter} outside 1-4",
                    "assessments.csv",
                    i,
                    "quarter",
                )
            )
        if not 0 <= a.score <= 100:
            out.append(
                _err(
                    "assessments.score",
                    f"score {a.score} outside 0-100",
                    "assessments.csv",
                    i,
                    "score",
                )
            )
        if seen[(a.community_id, a.quarter)] > 1:
            out.append(
                _err(
                    "assessments.duplicate",
                    f"two scores for {a.community_id!r} Q{a.quarter}",
                    "assessments.csv",
                    i,
                    "quarter",
                )
            )
    for c in inputs.communities:
        for q in range(1, 5):
            if (c.community_id, q) not in seen:
                out.append(
                    _err(
                        "assessments.missing",
                        f"no score for {c.community_id!r} Q{q}",
                        "assessments.csv",
                        None,
                        "score",
                    )
                )
    return out
