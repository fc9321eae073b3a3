"""Designated providers and their agreements (定点医药机构与协议管理): one function per action,
for the CLI (``yigong agreements …``), the API and the cockpit.

- :func:`provider_registry`: designated institutions and pharmacies of a county with the
  agreement of a year (term, services, payment methods, quota, deposit, time limit);
- :func:`assess_run`: the annual assessment (item points, score, rank, elimination) and the
  deposit it returns, written as a run (ledger, ``assessment.csv``, ``items.csv``);
- :func:`time_limit_report`: days from each monthly claim to its payment against the limit,
  with the overdue alerts.

Engines: :mod:`yigong.payment.agreements`; inputs: :mod:`yigong.services.settlement_data.bureau`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yigong.payment.agreements import assess_providers, settle_deposits, time_limits
from yigong.payment.export import csv_bytes, json_bytes, ledger_csv
from yigong.payment.loader import load_policy
from yigong.payment.policy import Policy
from yigong.payment.policy_bureau import AgreementPolicy
from yigong.services.fund import plain_rows
from yigong.services.settlement_data.bureau import claim_records, provider_years, registry_rows
from yigong.services.settlement_runs import (
    RunSummary,
    db_source,
    finish_run,
    need_section,
    provenance_bytes,
    with_tables,
)
from yigong.services.tables import plain

if TYPE_CHECKING:
    from yigong.warehouse import Tables

__all__ = ["assess_run", "assessment", "provider_registry", "time_limit_report"]


def _policy(name: str) -> tuple[Policy, AgreementPolicy]:
    policy = load_policy(name)
    need_section(policy.agreements, policy, "agreements")
    assert policy.agreements is not None
    return policy, policy.agreements


def provider_registry(db: Path | Tables, county: str, year: int) -> list[dict[str, Any]]:
    """``yigong agreements list``: every designated provider with its agreement of ``year``."""

    rows = with_tables(db, lambda t: registry_rows(t, county, year))
    return [{k: plain(v) for k, v in r.items()} for r in rows]


def assessment(
    db: Path | Tables, county: str, year: int, policy_name: str = "henan-default"
) -> tuple[list[Any], Any, Policy]:
    """The assessment results of every provider with an agreement of ``year``."""

    policy, ag = _policy(policy_name)
    providers, prov = with_tables(
        db, lambda t: provider_years(t, county, year, ag.assessment.claim_day)
    )
    return assess_providers(providers, ag, policy.rounding.rule()), prov, policy


def assess_run(
    db: Path | Tables,
    county: str,
    year: int,
    policy_name: str,
    out_dir: Path,
    *,
    replace: bool = False,
) -> RunSummary:
    """``yigong agreements assess``: scores, ranks, eliminations and deposits, as a run."""
    results, prov, policy = assessment(db, county, year, policy_name)
    assert policy.agreements is not None
    ledger = settle_deposits(results, year, policy.agreements.assessment.clause)
    items = csv_bytes(
        ["provider_code", "item", "value", "points", "max_points", "rule"],
        ([r.provider_code, i.item, "" if i.value is None else i.value, i.points, i.max_points,
          i.rule] for r in results for i in r.items),
    )  # fmt: skip
    flat = [{k: v for k, v in row.items() if k != "items"} for row in plain_rows(results)]
    files = {
        "assessment.csv": csv_bytes(list(flat[0]), (list(r.values()) for r in flat)),
        "items.csv": items,
        "ledger.csv": ledger_csv(ledger.lines),
        "summary.json": json_bytes({
            "providers": len(results),
            "eliminated": [r.provider_code for r in results if r.eliminated],
            "by_kind": dict(Counter(r.kind for r in results)),
        }),
        "provenance.json": provenance_bytes([prov]),
    }  # fmt: skip
    headline = [
        {"provider": r.provider_code, "name": r.name, "kind": r.kind, "score": str(r.score),
         "rank": f"{r.rank}/{r.of}", "returned": str(r.returned), "kept": str(r.kept),
         "eliminated": "yes" if r.eliminated else ""}
        for r in results
    ]  # fmt: skip
    parts = {"bundle.yaml": {"county": county, "year": year}, "provider_years.csv": [
        {"code": r.provider_code, "values": {i.item: i.value for i in r.items}} for r in results
    ]}  # fmt: skip
    return finish_run("agreement_assessment", files, parts, policy, out_dir,
                      {"county": county, "year": year}, db_source(db), headline, [],
                      replace=replace)  # fmt: skip


def time_limit_report(
    db: Path | Tables,
    county: str,
    year: int,
    as_of: date | None = None,
    policy_name: str = "henan-default",
) -> dict[str, Any]:
    """``yigong agreements time-limits``: every claim's days to payment, and the alerts."""

    _, ag = _policy(policy_name)
    claims = with_tables(db, lambda t: claim_records(t, county, year))
    day = as_of or max((c.paid_on or c.submitted for c in claims), default=date(year, 12, 31))
    timings = time_limits(claims, ag, day)
    alerts = [t for t in timings if t.status in ("late", "overdue_unpaid")]
    return {
        "as_of": day.isoformat(),
        "default_limit_days": ag.settlement_days,
        "counts": dict(Counter(t.status for t in timings)),
        "alerts": plain_rows(alerts),
        "rows": plain_rows(timings),
    }
