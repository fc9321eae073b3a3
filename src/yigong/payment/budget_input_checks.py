"""Checks on budget inputs before any money moves: every problem named, nothing dropped.

Each rule is a small registered check (``yigong.rulepacks.Checks``) over the inputs and the
policy; rows are reported as file lines (header on line 1, record *i* on line *i* + 2). Three
registries run in order: the structure of the bundle, then — only when the structure is sound —
the quota basis, then the quarterly assessment scores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from yigong.payment.policy import Policy
from yigong.payment.quota import quota_basis
from yigong.payment.records import BudgetInputs, ClaimSetting, ReferralStatus
from yigong.rulepacks import Checks, Issue, Level, run_checks
from yigong.schema.rounding import in_context

__all__ = [
    "ASSESSMENT_CHECKS",
    "BASIS_CHECKS",
    "STRUCTURE_CHECKS",
    "BudgetCheck",
    "budget_input_issues",
]


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """What a budget input check looks at: the inputs and the policy they are settled under."""

    inputs: BudgetInputs
    policy: Policy

    @property
    def community_ids(self) -> Counter[str]:
        return Counter(c.community_id for c in self.inputs.communities)


STRUCTURE_CHECKS: Checks[BudgetCheck] = Checks("budget inputs: bundle structure")
BASIS_CHECKS: Checks[BudgetCheck] = Checks("budget inputs: quota basis")
ASSESSMENT_CHECKS: Checks[BudgetCheck] = Checks("budget inputs: assessment scores")


def _err(code: str, message: str, file: str, index: int | None = None, field: str = "") -> Issue:
    # rows are reported as file lines: header on line 1, record i on line i + 2
    return Issue(Level.ERROR, code, message, file, None if index is None else index + 2, field)


@STRUCTURE_CHECKS.check("fund.nonpositive")
def fund_positive(c: BudgetCheck) -> Iterator[Issue]:
    """The annual fund is positive."""
    if c.inputs.annual_fund.amount <= 0:
        yield _err(
            "fund.nonpositive", "annual fund must be positive", "bundle.yaml", None, "annual_fund"
        )


@STRUCTURE_CHECKS.check("communities")
def communities(c: BudgetCheck) -> Iterator[Issue]:
    """At least one community; ids unique; every community covers insured residents (a
    headcount of 0 is missing data, not a community: its quota would rest on history alone)."""
    if not c.inputs.communities:
        yield _err("communities.empty", "at least one community is needed", "communities.csv")
    ids = c.community_ids
    for i, com in enumerate(c.inputs.communities):
        if ids[com.community_id] > 1:
            yield _err(
                "communities.duplicate",
                f"community {com.community_id!r} listed twice",
                "communities.csv",
                i,
                "community_id",
            )
        if com.insured_headcount <= 0:
            yield _err(
                "communities.headcount",
                f"community {com.community_id!r} covers {com.insured_headcount} insured: the "
                "insured headcount must be positive",
                "communities.csv",
                i,
                "insured_headcount",
            )


@STRUCTURE_CHECKS.check("institutions.community")
def institutions_known_community(c: BudgetCheck) -> Iterator[Issue]:
    """Every institution belongs to a listed community and is listed once."""
    ids = c.community_ids
    seen: set[str] = set()
    for i, inst in enumerate(c.inputs.institutions):
        if inst.institution_id in seen:
            yield _err(
                "institutions.duplicate",
                f"institution {inst.institution_id!r} listed twice",
                "institutions.csv",
                i,
                "institution_id",
            )
        seen.add(inst.institution_id)
        if inst.community_id not in ids:
            yield _err(
                "institutions.community",
                f"unknown community {inst.community_id!r}",
                "institutions.csv",
                i,
                "community_id",
            )


@STRUCTURE_CHECKS.check("history.missing")
def history_complete(c: BudgetCheck) -> Iterator[Issue]:
    """Fund history for every community and every year the quota looks back to."""
    if c.policy.quota.headcount_weight >= 1:
        return
    have = {(h.community_id, h.year) for h in c.inputs.history}
    for com in c.inputs.communities:
        for back in sorted(c.policy.quota.history_weights):
            if (com.community_id, c.inputs.year - back) not in have:
                yield _err(
                    "history.missing",
                    f"no fund history for {com.community_id!r} in {c.inputs.year - back}",
                    "history.csv",
                    None,
                    "year",
                )


@STRUCTURE_CHECKS.check("history.rows")
def history_rows(c: BudgetCheck) -> Iterator[Issue]:
    """History rows name a known community and a fund paid ≥ 0, once per community and year
    (a second row for the same year would silently replace the first)."""
    ids = c.community_ids
    seen: set[tuple[str, int]] = set()
    for i, h in enumerate(c.inputs.history):
        if (h.community_id, h.year) in seen:
            yield _err(
                "history.duplicate",
                f"fund history of {h.community_id!r} in {h.year} listed twice",
                "history.csv",
                i,
                "year",
            )
        seen.add((h.community_id, h.year))
        if h.community_id not in ids:
            yield _err(
                "history.community",
                f"unknown community {h.community_id!r}",
                "history.csv",
                i,
                "community_id",
            )
        if h.fund_paid.is_negative:
            yield _err("history.negative", "fund paid must be >= 0", "history.csv", i, "fund_paid")


@STRUCTURE_CHECKS.check("claims.rows")
def claim_rows(c: BudgetCheck) -> Iterator[Issue]:
    """Claims name a known community, a month 1–12, a fund paid ≥ 0, a member institution when
    in the county and a referral status when outside it."""
    ids = c.community_ids
    members = {i.institution_id for i in c.inputs.institutions}
    seen: set[tuple[str, str, int, str, str]] = set()
    for i, cl in enumerate(c.inputs.claims):
        key = (cl.community_id, cl.institution_id, cl.month, cl.setting, cl.referral)
        if key in seen:
            yield _err(
                "claims.duplicate",
                f"claims of {cl.community_id!r} at {cl.institution_id!r} in month {cl.month} "
                f"({cl.setting}, {cl.referral}) listed twice",
                "claims.csv",
                i,
                "institution_id",
            )
        seen.add(key)
        if cl.community_id not in ids:
            yield _err(
                "claims.community",
                f"unknown community {cl.community_id!r}",
                "claims.csv",
                i,
                "community_id",
            )
        if not 1 <= cl.month <= 12:
            yield _err("claims.month", f"month {cl.month} outside 1-12", "claims.csv", i, "month")
        if cl.fund_paid.is_negative:
            yield _err(
                "claims.negative",
                "fund paid must be >= 0 (post refunds as their own adjustment)",
                "claims.csv",
                i,
                "fund_paid",
            )
        if cl.setting is ClaimSetting.IN_COUNTY:
            if cl.institution_id not in members:
                yield _err(
                    "claims.institution",
                    f"in-county claim names unknown institution {cl.institution_id!r}",
                    "claims.csv",
                    i,
                    "institution_id",
                )
        elif cl.referral is ReferralStatus.NOT_APPLICABLE:
            yield _err(
                "claims.referral",
                "out-of-county claims must be 'referred' or 'self_referred'",
                "claims.csv",
                i,
                "referral",
            )


@STRUCTURE_CHECKS.check("claims.months")
def claims_every_month(c: BudgetCheck) -> Iterator[Issue]:
    """Claims for the year, and for every community in every month: a community whose members
    were paid nothing in a month is missing data (an extract cut short), not a saving."""
    if not c.inputs.claims:
        yield _err("claims.empty", f"no claims for {c.inputs.year}", "claims.csv", None, "month")
        return
    have = {(cl.community_id, cl.month) for cl in c.inputs.claims}
    for com in c.inputs.communities:
        gaps = [m for m in range(1, 13) if (com.community_id, m) not in have]
        if gaps:
            yield _err(
                "claims.month_missing",
                f"no claims of community {com.community_id!r} in month "
                f"{', '.join(map(str, gaps))} of {c.inputs.year}",
                "claims.csv",
                None,
                "month",
            )


@BASIS_CHECKS.check("quota.basis.zero")
def quota_basis_not_zero(c: BudgetCheck) -> Iterator[Issue]:
    """Some community has a positive basis share (headcount or fund history)."""
    if c.policy.quota.headcount_weight >= 1:
        return
    bases = quota_basis(
        tuple(c.inputs.communities), c.inputs.history, c.inputs.year, c.policy.quota
    )
    if sum(b.basis_share for b in bases) <= 0:
        yield _err(
            "quota.basis.zero",
            "every community's basis share is zero (no headcount weight and no fund history)",
            "history.csv",
            None,
            "fund_paid",
        )


@ASSESSMENT_CHECKS.check("assessments.rows")
def assessment_rows(c: BudgetCheck) -> Iterator[Issue]:
    """Scores name a known community, a quarter 1–4, a score 0–100, once per community-quarter."""
    ids = c.community_ids
    seen = Counter((a.community_id, a.quarter) for a in c.inputs.assessments)
    for i, a in enumerate(c.inputs.assessments):
        if a.community_id not in ids:
            yield _err(
                "assessments.community",
                f"unknown community {a.community_id!r}",
                "assessments.csv",
                i,
                "community_id",
            )
        if not 1 <= a.quarter <= 4:
            yield _err(
                "assessments.quarter",
                f"quarter {a.quarter} outside 1-4",
                "assessments.csv",
                i,
                "quarter",
            )
        if not 0 <= a.score <= 100:
            yield _err(
                "assessments.score", f"score {a.score} outside 0-100", "assessments.csv", i, "score"
            )
        elif -int(a.score.as_tuple().exponent) > c.policy.score_decimals:
            yield _err(
                "assessments.decimals",
                f"score {a.score} has more decimals than the policy keeps "
                f"(score_decimals {c.policy.score_decimals}): scores are banded as kept, "
                "never rounded silently",
                "assessments.csv",
                i,
                "score",
            )
        if seen[(a.community_id, a.quarter)] > 1:
            yield _err(
                "assessments.duplicate",
                f"two scores for {a.community_id!r} Q{a.quarter}",
                "assessments.csv",
                i,
                "quarter",
            )


@ASSESSMENT_CHECKS.check("assessments.missing")
def assessments_complete(c: BudgetCheck) -> Iterator[Issue]:
    """A score for every community and quarter."""
    seen = {(a.community_id, a.quarter) for a in c.inputs.assessments}
    for com in c.inputs.communities:
        for q in range(1, 5):
            if (com.community_id, q) not in seen:
                yield _err(
                    "assessments.missing",
                    f"no score for {com.community_id!r} Q{q}",
                    "assessments.csv",
                    None,
                    "score",
                )


@in_context
@ASSESSMENT_CHECKS.check("prior_scores")
def prior_scores(c: BudgetCheck) -> Iterator[Issue]:
    """With ``quota.assessment_adjustment``: last year's annual score of every community, once,
    0–100, kept to the policy's decimals. Without it the file is not needed (and not used)."""
    if c.policy.quota.assessment_adjustment is None:
        return
    ids = c.community_ids
    seen: set[str] = set()
    for i, p in enumerate(c.inputs.prior_scores):
        if p.community_id not in ids:
            yield _err("prior_scores.community", f"unknown community {p.community_id!r}",
                       "prior_scores.csv", i, "community_id")  # fmt: skip
        if p.year != c.inputs.year - 1:
            yield _err("prior_scores.year", f"year {p.year} is not the year before {c.inputs.year}",
                       "prior_scores.csv", i, "year")  # fmt: skip
        if p.community_id in seen:
            yield _err("prior_scores.duplicate", f"two prior scores for {p.community_id!r}",
                       "prior_scores.csv", i, "community_id")  # fmt: skip
        seen.add(p.community_id)
        if not 0 <= p.annual_score <= 100:
            yield _err("prior_scores.score", f"score {p.annual_score} outside 0-100",
                       "prior_scores.csv", i, "annual_score")  # fmt: skip
        elif -int(p.annual_score.as_tuple().exponent) > c.policy.score_decimals:
            yield _err("prior_scores.decimals",
                       f"score {p.annual_score} has more decimals than the policy keeps",
                       "prior_scores.csv", i, "annual_score")  # fmt: skip
    for com in c.inputs.communities:
        if com.community_id not in seen:
            yield _err(
                "prior_scores.missing",
                f"no {c.inputs.year - 1} annual assessment score for {com.community_id!r}: the "
                "policy adjusts this year's quota by it (quota.assessment_adjustment)",
                "prior_scores.csv",
                None,
                "annual_score",
            )


def budget_input_issues(inputs: BudgetInputs, policy: Policy) -> list[Issue]:
    """Every error in ``inputs`` against ``policy`` (empty list: ready to settle)."""
    subject = BudgetCheck(inputs, policy)
    out = run_checks(STRUCTURE_CHECKS, subject)
    if not out:  # the quota basis is computed only from structurally sound inputs
        out += run_checks(BASIS_CHECKS, subject)
    return out + run_checks(ASSESSMENT_CHECKS, subject)
