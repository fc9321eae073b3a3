"""The payment package's public surface is deliberate: pinned here, and importable without any
engine (no ibis/duckdb/pandas/warehouse import happens)."""

from __future__ import annotations

import subprocess
import sys

import yigong.payment as payment

PINNED = {
    "AssessmentScore", "BudgetInputs", "BudgetResult", "Claim", "ClaimSetting", "Community", "CommunitySettlement",
    "ComparisonRow", "DipCase", "DipCatalog", "DipHistoricalCase", "DipResult", "DistributionCheck", "DrgCase", "DrgResult",
    "FinanceRecord", "FundHistory", "HospitalAdjustment", "Institution", "Issue", "Ledger", "LedgerLine", "NextYearBasis",
    "PaymentInputError", "Policy", "PolicyError", "ProcedureKind", "QuarterAssessment", "ReferralStatus", "budget_violations",
    "build_catalog", "check_finance", "compare_budget", "load_policy", "settle_budget", "settle_dip", "settle_drg",
}  # fmt: skip


def test_all_is_pinned() -> None:
    assert set(payment.__all__) == PINNED
    assert all(hasattr(payment, name) for name in payment.__all__)


def test_import_pulls_in_no_engine() -> None:
    """numpy and pyarrow (int64 columns of fen) are data libraries; no query engine or backend."""
    code = (
        "import sys, yigong.payment, yigong.services.settlement; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ibis', 'duckdb', 'pandas', 'pyspark') or m.startswith('yigong.warehouse')); "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
