"""Bundle files for DIP, DRG and distribution checks (see :mod:`yigong.payment.bundle`).

``drg_cases.csv`` may leave ``weight`` blank when ``drg_weights.csv`` (drg, weight) gives it.
``bundle.yaml`` adds ``dip_fund`` (fund available for DIP) and, for DRG ``budget`` rates,
``drg_fund``. Optional ``dip_adjustments.csv``: institution_id, assessment_coefficient,
deductions. ``finance.csv`` (distribution checks): institution_id and any of
procurement_retained, procurement_staff, procurement_development, service_revenue,
service_costs, fund_withdrawals, incentive_paid, contract_income, contract_team_paid (blank =
not applicable).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from yigong.payment.bundle import (
    BundleReader,
    decimal_cell,
    enum_cell,
    int_cell,
    money_cell,
    optional_money_cell,
    read_bundle_meta,
    text_cell,
)
from yigong.payment.dip_catalog import DipHistoricalCase, DipHistoryColumns, ProcedureKind
from yigong.payment.dip_settle import DipCase, DipCaseColumns, HospitalAdjustment
from yigong.payment.distribution import FinanceRecord
from yigong.payment.drg import DrgCase, DrgCaseColumns
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money

__all__ = [
    "DipInputs",
    "DrgInputs",
    "dip_parts",
    "drg_parts",
    "read_dip_bundle",
    "read_drg_bundle",
    "read_finance_bundle",
]


def _code(text: str) -> str:
    return text.strip()


@dataclass(frozen=True, slots=True)
class DipInputs:
    county: str
    year: int
    fund_available: Money
    history: tuple[DipHistoricalCase, ...] | DipHistoryColumns
    cases: tuple[DipCase, ...] | DipCaseColumns
    adjustments: tuple[HospitalAdjustment, ...]


@dataclass(frozen=True, slots=True)
class DrgInputs:
    county: str
    year: int
    budget: Money | None
    cases: tuple[DrgCase, ...] | DrgCaseColumns


def dip_parts(inputs: DipInputs) -> dict[str, Any]:
    """The DIP inputs by the bundle file each comes from (for the run's input hashes)."""
    return {
        "bundle.yaml": {
            "county": inputs.county,
            "year": inputs.year,
            "dip_fund": inputs.fund_available,
        },
        "dip_history.csv": inputs.history,
        "dip_cases.csv": inputs.cases,
        "dip_adjustments.csv": inputs.adjustments,
    }


def drg_parts(inputs: DrgInputs) -> dict[str, Any]:
    """The DRG inputs by file (weights from drg_weights.csv are already in the cases)."""
    return {
        "bundle.yaml": {"county": inputs.county, "year": inputs.year, "drg_fund": inputs.budget},
        "drg_cases.csv": inputs.cases,
    }


def _meta_money(
    reader: BundleReader, root: Path, meta: dict[str, object], key: str, required: bool
) -> Money | None:
    if key not in meta:
        if required:
            reader.issues.append(
                Issue(
                    Level.ERROR,
                    "bundle.field",
                    "required",
                    str(root.joinpath("bundle.yaml")),
                    None,
                    key,
                )
            )
        return None
    try:
        return money_cell(str(meta[key]))
    except ValueError as exc:
        reader.issues.append(
            Issue(
                Level.ERROR,
                "bundle.cell",
                str(exc),
                str(root.joinpath("bundle.yaml")),
                None,
                key,
            )
        )
        return None


def read_dip_bundle(root: Path) -> DipInputs:
    meta = read_bundle_meta(root)
    reader = BundleReader(root)
    fund = _meta_money(reader, root, meta, "dip_fund", True)
    common = {"institution_id": text_cell, "level": text_cell, "diagnosis": text_cell, "procedure": _code,
              "procedure_kind": enum_cell(ProcedureKind), "cost": money_cell}  # fmt: skip
    history = reader.rows("dip_history.csv", {"year": int_cell, **common}, DipHistoricalCase)
    cases = reader.rows(
        "dip_cases.csv", {"case_id": text_cell, **common, "fund_paid": money_cell}, DipCase
    )
    adjustments = reader.rows(
        "dip_adjustments.csv",
        {
            "institution_id": text_cell,
            "assessment_coefficient": decimal_cell,
            "deductions": money_cell,
        },
        HospitalAdjustment,
        required=False,
    )
    reader.raise_if_issues()
    assert fund is not None
    return DipInputs(str(meta["county"]), int(str(meta["year"])), fund, history, cases, adjustments)


def _optional_decimal(text: str) -> Decimal | None:
    return None if not text.strip() else decimal_cell(text)


def read_drg_bundle(root: Path) -> DrgInputs:
    """DRG cases; a blank ``weight`` is looked up in the optional ``drg_weights.csv`` (drg, weight)."""
    meta = read_bundle_meta(root)
    reader = BundleReader(root)
    budget = _meta_money(reader, root, meta, "drg_fund", False)
    pairs = reader.rows(
        "drg_weights.csv",
        {"drg": text_cell, "weight": decimal_cell},
        lambda drg, weight: (drg, weight),
        required=False,
    )
    table: dict[str, Decimal] = {}
    for i, (drg, weight) in enumerate(pairs):
        if drg in table:
            reader.issues.append(Issue(Level.ERROR, "drg.weights.duplicate", f"DRG {drg!r} listed twice",
                                       str(root.joinpath("drg_weights.csv")), i + 2, "drg"))  # fmt: skip
        table.setdefault(drg, weight)
    raw = reader.rows(
        "drg_cases.csv",
        {"case_id": text_cell, "institution_id": text_cell, "level": text_cell, "drg": text_cell, "weight": _optional_decimal,
         "cost": money_cell, "los": int_cell},
        lambda **kw: kw,
    )  # fmt: skip
    cases = []
    for i, row in enumerate(raw):
        weight = row["weight"] if row["weight"] is not None else table.get(row["drg"])
        if weight is None:
            reader.issues.append(Issue(Level.ERROR, "drg.weight", f"no weight for {row['drg']!r} in the case or drg_weights.csv",
                                       str(root.joinpath("drg_cases.csv")), i + 2, "weight"))  # fmt: skip
            continue
        cases.append(DrgCase(**{**row, "weight": weight}))
    reader.raise_if_issues()
    return DrgInputs(str(meta["county"]), int(str(meta["year"])), budget, tuple(cases))


def read_finance_bundle(root: Path) -> tuple[FinanceRecord, ...]:
    reader = BundleReader(root)
    columns = ["procurement_retained", "procurement_staff", "procurement_development", "service_revenue", "service_costs",
               "fund_withdrawals", "incentive_paid", "contract_income", "contract_team_paid"]  # fmt: skip
    rows = reader.rows(
        "finance.csv",
        {"institution_id": text_cell, **dict.fromkeys(columns, optional_money_cell)},
        FinanceRecord,
    )
    reader.raise_if_issues()
    return rows
