"""Medical-insurance payment (医保支付): global budget, DIP, DRG, distribution rules.

Pure Python + Decimal: no ibis, duckdb, pandas or warehouse. Inputs are frozen records of
already aggregated data; every yuan moves through a double-entry :class:`Ledger` whose lines
name their rule and policy clause. See ``docs/payment.md``.
"""

from __future__ import annotations

from yigong.payment.budget import BudgetResult, QuarterAssessment, settle_budget
from yigong.payment.compare import ComparisonRow, compare_budget
from yigong.payment.dip_catalog import DipCatalog, DipHistoricalCase, ProcedureKind, build_catalog
from yigong.payment.dip_settle import DipCase, DipResult, HospitalAdjustment, settle_dip
from yigong.payment.distribution import DistributionCheck, FinanceRecord, check_finance
from yigong.payment.drg import DrgCase, DrgResult, settle_drg
from yigong.payment.errors import PaymentInputError, PolicyError
from yigong.payment.invariants import budget_violations
from yigong.payment.ledger import Ledger, LedgerLine
from yigong.payment.loader import load_policy
from yigong.payment.policy import Policy
from yigong.payment.reconcile import CommunitySettlement, NextYearBasis
from yigong.payment.records import (
    AssessmentScore,
    BudgetInputs,
    Claim,
    ClaimSetting,
    Community,
    FundHistory,
    Institution,
    ReferralStatus,
)
from yigong.rulepacks import Issue

__all__ = [
    "AssessmentScore",
    "BudgetInputs",
    "BudgetResult",
    "Claim",
    "ClaimSetting",
    "Community",
    "CommunitySettlement",
    "ComparisonRow",
    "DipCase",
    "DipCatalog",
    "DipHistoricalCase",
    "DipResult",
    "DistributionCheck",
    "DrgCase",
    "DrgResult",
    "FinanceRecord",
    "FundHistory",
    "HospitalAdjustment",
    "Institution",
    "Issue",
    "Ledger",
    "LedgerLine",
    "NextYearBasis",
    "PaymentInputError",
    "Policy",
    "PolicyError",
    "ProcedureKind",
    "QuarterAssessment",
    "ReferralStatus",
    "budget_violations",
    "build_catalog",
    "check_finance",
    "compare_budget",
    "load_policy",
    "settle_budget",
    "settle_dip",
    "settle_drg",
]
