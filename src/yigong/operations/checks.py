"""Cross-field checks of an operations policy (after the shapes of `policy.py` are valid).

Each check is a small registered function (`yigong.rulepacks.Checks`); `yigong packs checks`
lists them. A finding names the field (dotted path) so the loader can point at its line.
"""

from __future__ import annotations

from collections.abc import Iterator

from yigong.operations.policy import CATEGORY_ORDER, OperationsPolicy
from yigong.rulepacks import Checks, Issue, Level
from yigong.schema.codes import TITLE
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS

__all__ = ["POLICY_CHECKS"]

POLICY_CHECKS: Checks[OperationsPolicy] = Checks("operations-policy")


def _issue(code: str, message: str, field: str) -> Issue:
    return Issue(Level.ERROR, code, message, "", None, field)


@POLICY_CHECKS.check("allocation.order")
def tiers_flow_down(p: OperationsPolicy) -> Iterator[Issue]:
    """Each tier allocates one class to classes after it; no class is allocated twice; every
    class but the clinical one is allocated."""
    seen = set()
    for i, t in enumerate(p.allocation.tiers):
        rank = CATEGORY_ORDER.index(t.source)
        if t.source in seen:
            yield _issue("allocation.order", f"class {t.source} is allocated twice",
                         f"allocation.tiers.{i}.source")  # fmt: skip
        seen.add(t.source)
        for j, r in enumerate(t.receivers):
            if CATEGORY_ORDER.index(r) <= rank:
                yield _issue(
                    "allocation.order",
                    f"tier {t.id!r}: {r} does not come after {t.source}; costs flow down only",
                    f"allocation.tiers.{i}.receivers.{j}",
                )
        if i and CATEGORY_ORDER.index(p.allocation.tiers[i - 1].source) > rank:
            yield _issue("allocation.order", f"tier {t.id!r} comes before a class above it",
                         f"allocation.tiers.{i}.source")  # fmt: skip
    missing = [c for c in CATEGORY_ORDER[:-1] if c not in seen]
    if missing:
        yield _issue(
            "allocation.order",
            f"no tier allocates {', '.join(missing)}: their costs would never reach the clinic",
            "allocation.tiers",
        )
    if "clinical" in seen:
        yield _issue("allocation.order", "clinical departments are the end of the allocation",
                     "allocation.tiers")  # fmt: skip


@POLICY_CHECKS.check("case_cost.elements")
def every_element_once(p: OperationsPolicy) -> Iterator[Issue]:
    """Every cost element has exactly one rule; a charges rule lists charges, a bed-days rule
    none."""
    wanted = [c.removeprefix("cost_") for c in COST_ELEMENT_COLUMNS]
    got = [e.element for e in p.case_cost.elements]
    for i, e in enumerate(p.case_cost.elements):
        if got.count(e.element) > 1 and got.index(e.element) != i:
            yield _issue("case_cost.elements", f"element {e.element} has two rules",
                         f"case_cost.elements.{i}.element")  # fmt: skip
        if e.driver == "charges" and not e.charges:
            yield _issue("case_cost.elements", "a charges rule needs the charge columns",
                         f"case_cost.elements.{i}.charges")  # fmt: skip
        if e.driver == "bed_days" and e.charges:
            yield _issue("case_cost.elements", "a bed-days rule takes no charge columns",
                         f"case_cost.elements.{i}.charges")  # fmt: skip
    for w in wanted:
        if w not in got:
            yield _issue("case_cost.elements", f"no rule for element {w}", "case_cost.elements")


@POLICY_CHECKS.check("budget.thresholds")
def alert_above_warning(p: OperationsPolicy) -> Iterator[Issue]:
    """An alert threshold is above its warning threshold."""
    for name in ("monthly_variance", "cumulative_lag"):
        t = getattr(p.budget, name)
        if t.alert <= t.warn:
            yield _issue("budget.thresholds", f"{name}: alert {t.alert} must exceed warn {t.warn}",
                         f"budget.{name}.alert")  # fmt: skip


@POLICY_CHECKS.check("pay.bands")
def bands_cover_every_score(p: OperationsPolicy) -> Iterator[Issue]:
    """Appraisal bands are in descending order of score and the last starts at 0."""
    scores = [b.min_score for b in p.pay.envelope.bands]
    if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
        yield _issue("pay.bands", "bands must be in strictly descending min_score order",
                     "pay.envelope.bands")  # fmt: skip
    if scores and scores[-1] != 0:
        yield _issue("pay.bands", "the last band must start at 0 so every score has one",
                     f"pay.envelope.bands.{len(scores) - 1}.min_score")  # fmt: skip


@POLICY_CHECKS.check("pay.titles")
def titles_are_known(p: OperationsPolicy) -> Iterator[Issue]:
    """Title coefficients name every title of the staff table's code system, and only those."""
    given = set(p.pay.distribution.title_coefficients)
    for t in sorted(given - set(TITLE)):
        yield _issue("pay.titles", f"unknown title {t!r} (known: {', '.join(TITLE)})",
                     f"pay.distribution.title_coefficients.{t}")  # fmt: skip
    for t in sorted(set(TITLE) - given):
        yield _issue("pay.titles", f"no coefficient for title {t!r}",
                     "pay.distribution.title_coefficients")  # fmt: skip


@POLICY_CHECKS.check("pay.items")
def incentive_items_in_envelope(p: OperationsPolicy) -> Iterator[Issue]:
    """The items distributed by points are items of the envelope."""
    for i, item in enumerate(p.pay.distribution.incentive_items):
        if item not in p.pay.envelope.items:
            yield _issue("pay.items", f"{item} is distributed by points but not in the envelope",
                         f"pay.distribution.incentive_items.{i}")  # fmt: skip
