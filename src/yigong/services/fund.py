"""The bureau's view of the fund (参保与基金运行): one function per action, for the CLI
(``yigong fund …``), the API and the cockpit.

- :func:`coverage_report`: insured vs resident population by scheme and area, against the
  policy's target;
- :func:`fund_report`: income, expenditure, current and accumulated balance, months of payment
  and its band, per scheme and year;
- :func:`progress_report`: spending to date against the annual quota beside time elapsed, per
  community (budget quota) and institution (agreement quota).

Engines: :mod:`yigong.payment.fund_running`; inputs: :mod:`yigong.services.settlement_data.bureau`.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yigong.payment.errors import PaymentInputError
from yigong.payment.fund_running import SpendingToDate, coverage, fund_running, progress
from yigong.payment.hashing import canonical
from yigong.payment.loader import load_policy
from yigong.payment.policy import Policy
from yigong.payment.policy_bureau import FundRunningPolicy
from yigong.payment.records import ClaimSetting
from yigong.schema.money import Money
from yigong.services.settlement import run_budget
from yigong.services.settlement_data import budget_inputs_from_warehouse
from yigong.services.settlement_data.bureau import coverage_rows, fund_inputs, institution_spending
from yigong.services.settlement_runs import need_section, with_tables

if TYPE_CHECKING:
    from yigong.warehouse import Tables

__all__ = ["coverage_report", "fund_report", "plain_rows", "progress_report"]


def _policy(name: str) -> tuple[Policy, FundRunningPolicy]:
    policy = load_policy(name)
    need_section(policy.fund_running, policy, "fund_running")
    assert policy.fund_running is not None
    return policy, policy.fund_running


def plain_rows(items: list[Any]) -> list[dict[str, Any]]:
    """Dataclass rows as JSON-ready dicts (Money and Decimal as exact text)."""

    def value(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else canonical(v)

    return [{f.name: value(getattr(i, f.name)) for f in fields(i)} for i in items]


def coverage_report(
    db: Path | Tables, county: str, years: list[int], policy_name: str = "henan-default"
) -> dict[str, Any]:
    """``yigong fund coverage``: coverage rate per area and year against the target."""

    policy, fr = _policy(policy_name)
    rows = with_tables(db, lambda t: coverage_rows(t, county, years))
    return {
        "target": str(fr.coverage.target),
        "clause": fr.coverage.clause,
        "rows": plain_rows(coverage(rows, fr)),
    }


def fund_report(
    db: Path | Tables, county: str, policy_name: str = "henan-default"
) -> dict[str, Any]:
    """``yigong fund running``: the fund of each scheme and year, with its months of payment."""

    policy, fr = _policy(policy_name)
    insured, standards, accounts, spent, months = with_tables(db, lambda t: fund_inputs(t, county))
    years = fund_running(insured, standards, accounts, spent, months, fr)
    return {
        "bands": [{"min_months": str(b.min_months), "band": b.band} for b in fr.months_bands],
        "clause": fr.clause,
        "rows": plain_rows(years),
    }


def progress_report(
    db: Path | Tables, county: str, year: int, policy_name: str = "henan-default"
) -> dict[str, Any]:
    """``yigong fund progress``: spending to date vs quota beside time elapsed (序时进度)."""

    policy, fr = _policy(policy_name)
    notes: list[str] = []

    def communities(t: Tables) -> tuple[list[SpendingToDate], int]:
        """Each community's monthly spending charged to its budget, and its quota; none (with
        a note) when the budget cannot be built, e.g. history years not loaded."""
        try:
            built = budget_inputs_from_warehouse(t, county, year, policy)
            result = run_budget(built.inputs, policy)
        except PaymentInputError as exc:
            notes.extend(str(i) for i in exc.issues)
            return [], 12
        last = max(c.month for c in built.inputs.claims)
        ooc = policy.out_of_county
        rows = []
        for c in result.communities:
            monthly = [Money.zero()] * last
            for cl in built.inputs.claims:
                if cl.community_id != c.community_id:
                    continue
                amount = cl.fund_paid
                if cl.setting is ClaimSetting.OUT_OF_COUNTY:  # the part charged to the quota
                    rule = ooc.referred if cl.referral == "referred" else ooc.self_referred
                    amount = amount.scale(rule.charge_to_quota, policy.rounding.rule())
                monthly[cl.month - 1] = monthly[cl.month - 1] + amount
            rows.append(
                SpendingToDate("community", c.community_id, c.name, c.quota, tuple(monthly))
            )
        return rows, last

    def build(t: Tables) -> list[SpendingToDate]:
        rows, last = communities(t)
        quotas, spent = institution_spending(t, county, year)
        for code, (name, quota) in sorted(quotas.items()):
            monthly = tuple(spent.get((code, m), Money.zero()) for m in range(1, last + 1))
            if quota is not None or any(not x.is_zero for x in monthly):
                rows.append(SpendingToDate("institution", code, name, quota, monthly))
        return rows

    rows = with_tables(db, build)
    return {
        "year": year,
        "tolerance": str(fr.progress_tolerance),
        "notes": notes,
        "rows": plain_rows(progress(rows, fr)),
        "rule": "community: in-county claims + out-of-county care charged to its quota, "
        "against the budget's quota; institution: fund paid on its settlements against its "
        "agreement's annual quota; flagged when more than the tolerance ahead of month ÷ 12",
    }
