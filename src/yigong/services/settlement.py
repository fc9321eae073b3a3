"""Settlement use cases (医保结算): one function per action, shared by the CLI and (later) the API.

For now inputs come from a file bundle (:mod:`yigong.payment.bundle`); the lead will add a
builder from the warehouse that produces the same records. The payment engine itself never
knows where its inputs came from.

Each run writes its outputs atomically (:mod:`yigong.payment.runstore`) with a ``run.json``
recording the SHA-256 of the inputs, the policy and every output file. Runs are
reproducible: same bundle + same policy → byte-identical files (no wall-clock time is stored).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yigong
from yigong.payment.budget import BudgetResult, settle_budget
from yigong.payment.bundle import read_budget_bundle
from yigong.payment.export import budget_files, json_bytes, read_ledger_line
from yigong.payment.hashing import policy_sha256, records_sha256
from yigong.payment.invariants import budget_violations
from yigong.payment.issues import Issue, IssueLevel, PaymentInputError, PolicyError
from yigong.payment.loader import load_policy
from yigong.payment.policy import Policy
from yigong.payment.records import BudgetInputs
from yigong.payment.rules import RULES
from yigong.payment.runstore import write_run_atomically

__all__ = [
    "RunSummary",
    "explain_line",
    "load_budget_inputs",
    "settle_budget_run",
    "validate_policy",
]

ENGINE = f"yigong-payment {yigong.__version__}"


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run produced: where, the hashes, and the headline figures."""

    out_dir: Path
    inputs_sha256: str
    policy_sha256: str
    files: dict[str, str]
    headline: list[dict[str, str]]
    warnings: list[str]


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
                IssueLevel.ERROR,
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
                IssueLevel.ERROR,
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


def _run_record(
    kind: str, inputs_hash: str, policy: Policy, files: dict[str, bytes], extra: dict[str, Any]
) -> bytes:
    record = {
        "kind": kind,
        "engine": ENGINE,
        "inputs_sha256": inputs_hash,
        "policy": {"id": policy.id, "version": policy.version, "sha256": policy_sha256(policy)},
        "rounding": policy.rounding.rule().describe(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        **extra,
    }
    return json_bytes(record)


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
    """``yigong settle budget``: the global-budget cycle of one county-year, written atomically."""
    policy = load_policy(policy_name)
    inputs = load_budget_inputs(bundle, county, year)
    result = run_budget(inputs, policy)
    files = budget_files(result)
    inputs_hash = records_sha256(inputs)
    warnings = [str(w) for w in result.warnings]
    files["run.json"] = _run_record(
        "budget",
        inputs_hash,
        policy,
        files,
        {
            "county": inputs.county,
            "year": inputs.year,
            "checks": {"conservation": "ok"},
            "warnings": warnings,
        },
    )
    write_run_atomically(out_dir, files, replace=replace)
    headline = [
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
    digests = json.loads(files["run.json"])["files"]
    return RunSummary(out_dir, inputs_hash, policy_sha256(policy), digests, headline, warnings)


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
