"""Settlement use cases (医保结算): one function per action, shared by the CLI and (later) the API.

Inputs come from a file bundle (:mod:`yigong.payment.bundle`) or from the warehouse
(:mod:`yigong.services.settlement_data`); both produce the same records, and the payment
engine itself never knows where its inputs came from.

Each run writes its outputs atomically with a ``run.json`` recording the SHA-256 of every input
file (rows sorted), the policy and every output file (:mod:`yigong.services.settlement_runs`).
Runs are reproducible: same inputs + same policy → byte-identical files.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yigong.payment.budget import BudgetResult, settle_budget
from yigong.payment.bundle import budget_parts, read_budget_bundle
from yigong.payment.bundle_casemix import (
    DipInputs,
    DrgInputs,
    dip_parts,
    drg_parts,
    read_dip_bundle,
    read_drg_bundle,
    read_finance_bundle,
)
from yigong.payment.compare import ComparisonRow, compare_budget, compare_ledgers
from yigong.payment.dip_catalog import DipCatalog, DipHistoryColumns, build_catalog_columns
from yigong.payment.dip_settle import DipCaseColumns, DipResult, settle_dip_columns
from yigong.payment.distribution import DistributionCheck, check_finance
from yigong.payment.drg import DrgCaseColumns, settle_drg_columns
from yigong.payment.errors import PaymentInputError, PolicyError
from yigong.payment.export import (
    budget_files,
    csv_bytes,
    dataclass_csv,
    json_bytes,
    ledger_csv,
    read_ledger_line,
)
from yigong.payment.hashing import policy_sha256
from yigong.payment.invariants import budget_violations
from yigong.payment.loader import load_policy
from yigong.payment.policy import Policy
from yigong.payment.records import BudgetInputs
from yigong.payment.rules import RULES
from yigong.payment.run_output import write_run_atomically
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.services.settlement_runs import (
    RunSummary,
    db_source,
    finish_run,
    need_levels,
    need_section,
    provenance_bytes,
    run_record,
    with_tables,
)

if TYPE_CHECKING:  # the warehouse (ibis, duckdb) is only imported when a run reads it
    from yigong.services.settlement_data.dip import DipScope
    from yigong.warehouse import Tables

__all__ = [
    "RunSummary",
    "budget_headline",
    "check_distribution",
    "compare_run",
    "explain_line",
    "load_budget_inputs",
    "settle_budget_from_warehouse",
    "run_dip",
    "settle_budget_run",
    "settle_dip_from_warehouse",
    "settle_dip_run",
    "settle_drg_from_warehouse",
    "settle_drg_run",
    "settlement_section",
    "validate_policy",
]


def validate_policy(name_or_path: str) -> list[Issue]:
    """Every issue of a policy file (empty list: valid)."""
    try:
        load_policy(name_or_path)
    except PolicyError as exc:
        return exc.issues
    return []


def load_budget_inputs(
    bundle: Path, county: str | None = None, year: int | None = None
) -> BudgetInputs:
    """Read a bundle and check it is the county and year asked for."""
    inputs = read_budget_bundle(bundle)
    problems = []
    if county is not None and county != inputs.county:
        problems.append(
            Issue(
                Level.ERROR,
                "bundle.county",
                f"bundle is for {inputs.county!r}, not {county!r}",
                str(bundle / "bundle.yaml"),
                None,
                "county",
            )
        )
    if year is not None and year != inputs.year:
        problems.append(
            Issue(
                Level.ERROR,
                "bundle.year",
                f"bundle is for {inputs.year}, not {year}",
                str(bundle / "bundle.yaml"),
                None,
                "year",
            )
        )
    if problems:
        raise PaymentInputError(problems)
    return inputs


def run_budget(inputs: BudgetInputs, policy: Policy) -> BudgetResult:
    """Settle and check conservation; a broken invariant is a bug and stops the run."""
    result = settle_budget(inputs, policy)
    broken = budget_violations(result, inputs.annual_fund)
    if broken:
        raise AssertionError("conservation violated: " + "; ".join(broken))
    return result


def settle_budget_run(
    bundle: Path,
    policy_name: str,
    out_dir: Path,
    *,
    county: str | None = None,
    year: int | None = None,
    replace: bool = False,
) -> RunSummary:
    """``yigong settle budget -i BUNDLE``: the global-budget cycle of one county-year, written atomically."""
    policy = load_policy(policy_name)
    inputs = load_budget_inputs(bundle, county, year)
    return _write_budget_run(inputs, policy, out_dir, replace=replace)


def settle_budget_from_warehouse(
    db: Path | Tables,
    county: str,
    year: int,
    policy_name: str,
    out_dir: Path,
    *,
    fund: Money | None = None,
    per_capita: Decimal | None = None,
    replace: bool = False,
) -> RunSummary:
    """``yigong settle budget --db``: the same cycle with inputs built from the warehouse.

    The run directory also holds ``provenance.json``: how each input was derived (rule and
    figures, see :mod:`yigong.services.settlement_data`).
    """
    from yigong.services.settlement_data import budget_inputs_from_warehouse  # lazy: start-up

    policy = load_policy(policy_name)
    built = with_tables(
        db,
        lambda t: budget_inputs_from_warehouse(
            t, county, year, policy, fund=fund, per_capita=per_capita
        ),
    )
    return _write_budget_run(
        built.inputs,
        policy,
        out_dir,
        replace=replace,
        extra_files={"provenance.json": provenance_bytes(built.provenance)},
        source=db_source(db),
    )


def _write_budget_run(
    inputs: BudgetInputs,
    policy: Policy,
    out_dir: Path,
    *,
    replace: bool,
    extra_files: dict[str, bytes] | None = None,
    source: dict[str, str] | None = None,
) -> RunSummary:
    result = run_budget(inputs, policy)
    files = budget_files(result)
    files.update(extra_files or {})
    warnings = [str(w) for w in result.warnings]
    extra = {
        "county": inputs.county,
        "year": inputs.year,
        "checks": {"conservation": "ok"},
        "warnings": warnings,
    }
    return finish_run(
        "budget",
        files,
        budget_parts(inputs),
        policy,
        out_dir,
        extra,
        source,
        budget_headline(result),
        warnings,
        replace=replace,
    )


def budget_headline(result: BudgetResult) -> list[dict[str, str]]:
    """One row per community: quota, expenditure, surplus/overspend and what each side keeps."""
    return [
        {
            "community": c.community_id,
            "quota": str(c.quota),
            "expenditure": str(c.expenditure),
            "surplus": str(c.surplus),
            "overspend": str(c.overspend),
            "retained": str(c.retained),
            "fund_share": str(c.fund_share),
            "quality_returned": str(c.quality_returned),
            "net_position": str(c.net_position),
        }
        for c in result.communities
    ]


def settlement_section(
    db: Path | Tables, county: str, year: int, policy_name: str = "henan-default"
) -> list[dict[str, str]]:
    """The demo's settlement section: the global budget of ``county`` in ``year`` from the warehouse.

    One row per community (in yuan): quota, prepaid (monthly advances + released withheld
    money), claims paid in the county, out-of-county care, surplus (+) or overspend (−),
    what the community retains of a surplus or the fund's share of an overspend, the quality
    return, and the community's net position. Nothing is written; conservation is checked.
    """
    from yigong.services.settlement_data import budget_inputs_from_warehouse  # lazy: start-up

    policy = load_policy(policy_name)
    built = with_tables(db, lambda t: budget_inputs_from_warehouse(t, county, year, policy))
    result = run_budget(built.inputs, policy)
    names = {c.community_id: c.name for c in built.inputs.communities}
    return [
        {
            "community": f"{c.community_id} {names[c.community_id]}",
            "quota": str(c.quota),
            "prepaid": str(c.prepaid + c.released),
            "claims_in_county": str(c.in_county),
            "out_of_county": str(c.out_of_county_total),
            "surplus_or_overspend": str(c.surplus if c.overspend.is_zero else -c.overspend),
            "retained_or_fund_share": str(c.retained if c.overspend.is_zero else c.fund_share),
            "quality_return": str(c.quality_returned),
            "net_position": str(c.net_position),
        }
        for c in result.communities
    ]


def explain_line(run_dir: Path, line_id: str) -> dict[str, Any]:
    """``yigong settle explain``: one ledger line with its rule, clause, inputs and run hashes."""
    ledger = run_dir / "ledger.csv"
    if not ledger.is_file():
        raise FileNotFoundError(f"{ledger} not found: is {run_dir} a settlement run directory?")
    record = read_ledger_line(ledger.read_text(encoding="utf-8"), line_id)
    if record is None:
        raise KeyError(f"no ledger line {line_id!r} in {ledger}")
    rule = RULES.get(record["rule_id"])
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    return {
        "line": {k: v for k, v in record.items() if k != "inputs"},
        "inputs": json.loads(record["inputs"]),
        "rule": {
            "id": record["rule_id"],
            "name_zh": rule.name_zh if rule else "",
            "formula": rule.description if rule else "",
        },
        "run": {"inputs_sha256": run["inputs_sha256"], "policy": run["policy"]},
    }


def settle_dip_run(
    bundle: Path, policy_name: str, out_dir: Path, *, replace: bool = False
) -> RunSummary:
    """``yigong settle dip -i BUNDLE``: build the DIP catalogue from history, settle the year's cases."""
    policy = load_policy(policy_name)
    need_section(policy.dip, policy, "dip")
    return _write_dip_run(read_dip_bundle(bundle), policy, out_dir, replace=replace)


def settle_dip_from_warehouse(
    db: Path | Tables,
    county: str,
    year: int,
    policy_name: str,
    out_dir: Path,
    *,
    fund: Money | None = None,
    scope: DipScope = "dip",
    replace: bool = False,
) -> RunSummary:
    """``yigong settle dip --db``: catalogue from the county's past discharges, the year's DIP stays.

    Treatment types come from each front page's principal procedure; the run directory also
    holds ``provenance.json`` (see :mod:`yigong.services.settlement_data.dip`).
    """
    from yigong.services.settlement_data import dip_inputs_from_warehouse  # lazy: start-up

    policy = load_policy(policy_name)
    need_section(policy.dip, policy, "dip")
    assert policy.dip is not None
    dip_policy = policy.dip
    levels = need_levels(policy)
    inputs, prov = with_tables(
        db,
        lambda t: dip_inputs_from_warehouse(
            t, county, year, dip_policy, levels=levels, fund=fund, scope=scope
        ),
    )
    return _write_dip_run(
        inputs,
        policy,
        out_dir,
        replace=replace,
        extra_files={"provenance.json": provenance_bytes(prov)},
        source=db_source(db, scope=scope),
    )


def run_dip(inputs: DipInputs, policy: Policy) -> tuple[DipCatalog, DipResult]:
    """Build the catalogue and settle; a fen not accounted for is a bug and stops the run."""
    assert policy.dip is not None
    history = inputs.history
    if not isinstance(history, DipHistoryColumns):
        history = DipHistoryColumns.from_records(history)
    cases = inputs.cases
    if not isinstance(cases, DipCaseColumns):
        cases = DipCaseColumns.from_records(cases)
    catalog = build_catalog_columns(history, inputs.year, policy.dip)
    result = settle_dip_columns(
        cases,
        catalog,
        policy.dip,
        inputs.fund_available,
        inputs.year,
        policy.rounding.rule(),
        inputs.adjustments,
        check_ids=cases.lines is not None,  # warehouse cases: discharge ids are the table's key
    )
    paid = Money.sum([h.settlement for h in result.hospitals])
    if paid + result.residual != inputs.fund_available:
        raise AssertionError(
            f"DIP conservation violated: paid {paid} + residual {result.residual} "
            f"!= fund {inputs.fund_available}"
        )
    return catalog, result


def _write_dip_run(
    inputs: DipInputs,
    policy: Policy,
    out_dir: Path,
    *,
    replace: bool,
    extra_files: dict[str, bytes] | None = None,
    source: dict[str, str] | None = None,
) -> RunSummary:
    catalog, result = run_dip(inputs, policy)
    files = {
        "dip_catalog.csv": dataclass_csv(list(catalog.groups.values())),
        "dip_coefficients.csv": csv_bytes(["level", "coefficient"], catalog.coefficients.items()),
        "dip_cases.csv": dataclass_csv(list(result.cases)),
        "dip_summary.json": json_bytes({"deviation": result.counts}),
        "dip_hospitals.csv": dataclass_csv(list(result.hospitals)),
        "ledger.csv": ledger_csv(result.ledger.lines),
    }
    files.update(extra_files or {})
    extra: dict[str, Any] = {
        "county": inputs.county,
        "year": inputs.year,
        "overall_mean_cost": catalog.overall_mean,
        "payment_ratio": result.payment_ratio,
        "total_points": result.total_points,
        "point_value": result.point_value,
        "residual_in_pool": result.residual,
    }
    headline = [
        {
            "institution": h.institution_id,
            "cases": str(h.cases),
            "points": str(h.points),
            "settlement": str(h.settlement),
        }
        for h in result.hospitals
    ]
    return finish_run(
        "dip",
        files,
        dip_parts(inputs),
        policy,
        out_dir,
        extra,
        source,
        headline,
        [],
        replace=replace,
    )


def settle_drg_run(
    bundle: Path, policy_name: str, out_dir: Path, *, replace: bool = False
) -> RunSummary:
    """``yigong settle drg -i BUNDLE``: pay grouped cases by rate × weight × coefficient with outlier rules."""
    policy = load_policy(policy_name)
    need_section(policy.drg, policy, "drg")
    return _write_drg_run(read_drg_bundle(bundle), policy, out_dir, replace=replace)


def settle_drg_from_warehouse(
    db: Path | Tables,
    county: str,
    year: int,
    policy_name: str,
    out_dir: Path,
    *,
    scheme: str = "chs-drg-1.1",
    weights_csv: Path | None = None,
    budget: Money | None = None,
    replace: bool = False,
) -> RunSummary:
    """``yigong settle drg --db``: the county's DRG-paid stays of the year, grouped in the warehouse."""
    from yigong.services.settlement_data import drg_inputs_from_warehouse  # lazy: start-up

    policy = load_policy(policy_name)
    need_section(policy.drg, policy, "drg")
    levels = need_levels(policy)
    inputs, prov = with_tables(
        db,
        lambda t: drg_inputs_from_warehouse(
            t, county, year, scheme, levels=levels, weights_csv=weights_csv, budget=budget
        ),
    )
    return _write_drg_run(
        inputs,
        policy,
        out_dir,
        replace=replace,
        extra_files={"provenance.json": provenance_bytes([prov])},
        source=db_source(db, scheme=scheme),
    )


def _write_drg_run(
    inputs: DrgInputs,
    policy: Policy,
    out_dir: Path,
    *,
    replace: bool,
    extra_files: dict[str, bytes] | None = None,
    source: dict[str, str] | None = None,
) -> RunSummary:
    assert policy.drg is not None
    cases = inputs.cases
    if not isinstance(cases, DrgCaseColumns):
        if not cases:
            raise PaymentInputError(
                [Issue(Level.ERROR, "drg.cases.empty", "no cases to settle", "drg_cases.csv")]
            )
        cases = DrgCaseColumns.from_records(cases)
    result = settle_drg_columns(
        cases, policy.drg, inputs.year, policy.rounding.rule(), inputs.budget,
        check_ids=cases.lines is not None,  # warehouse cases: discharge ids are the table's key
    )  # fmt: skip
    files = {"drg_cases.csv": dataclass_csv(list(result.cases)),
             "drg_groups.csv": dataclass_csv(list(result.groups())),
             "drg_hospitals.csv": dataclass_csv(list(result.hospitals)),
             "ledger.csv": ledger_csv(result.ledger.lines)}  # fmt: skip
    files.update(extra_files or {})
    extra = {"county": inputs.county, "year": inputs.year, "rate": result.rate,
             "drg_fund": result.fund, "unspent": result.unspent, "categories": result.counts}  # fmt: skip
    headline = [
        {
            "institution": h.institution_id,
            "cases": str(h.cases),
            "cost": str(h.cost),
            "payment": str(h.payment),
        }
        for h in result.hospitals
    ]
    return finish_run(
        "drg",
        files,
        drg_parts(inputs),
        policy,
        out_dir,
        extra,
        source,
        headline,
        [],
        replace=replace,
    )


def compare_run(
    bundle: Path,
    policy_a: str,
    policy_b: str,
    out_dir: Path | None = None,
    *,
    replace: bool = False,
) -> list[ComparisonRow]:
    """``yigong settle compare``: the bundle's year under two policies; DIP too if the bundle has it."""
    pa, pb = load_policy(policy_a), load_policy(policy_b)
    inputs = read_budget_bundle(bundle)
    parts = budget_parts(inputs)
    rows = compare_budget(inputs, pa, pb)
    if bundle.joinpath("dip_cases.csv").is_file() and pa.dip is not None and pb.dip is not None:
        dip = read_dip_bundle(bundle)
        dparts = dip_parts(dip)
        parts = {
            **parts,
            **dparts,
            "bundle.yaml": {**parts["bundle.yaml"], **dparts["bundle.yaml"]},
        }
        ledgers = [run_dip(dip, p)[1].ledger for p in (pa, pb)]
        rows += compare_ledgers(ledgers[0], ledgers[1], "dip_settlement")
    if out_dir is not None:
        files = {"compare.csv": dataclass_csv(rows)}
        extra = {
            "policy_b": {"id": pb.id, "version": pb.version, "sha256": policy_sha256(pb)},
            "county": inputs.county,
            "year": inputs.year,
        }
        files["run.json"], _ = run_record("compare", parts, pa, files, extra)
        write_run_atomically(out_dir, files, replace=replace)
    return rows


def check_distribution(bundle: Path, policy_name: str) -> list[DistributionCheck]:
    """``yigong settle distribution``: check finance.csv against the distribution rules."""
    policy = load_policy(policy_name)
    need_section(policy.distribution, policy, "distribution")
    assert policy.distribution is not None
    return check_finance(read_finance_bundle(bundle), policy.distribution)
