"""What each patient-facing department did per month, read back from the generated files.

The operations tables are built from the same encounters the other tables hold (front pages,
visits, examinations), so a department's revenue, drugs and workload agree with the rows an
analyst can query: a ward's month is the discharges of that month with that 出院科别, a
clinic's month the visits with that 就诊科室, a medical-technology department's month the
examinations the institution performed.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: front-page cost columns that are drugs, and those that are consumables (blood with them).
DRUG_COLUMNS = ("cost_western_drugs", "cost_patent_drugs", "cost_herbal_drugs")
CONSUMABLE_COLUMNS = ("cost_consumables", "cost_blood")

_HUNDRED = pa.scalar(Decimal(100), pa.decimal128(18, 0))


def fen(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A decimal yuan column as int64 fen (nulls as 0); exact."""
    filled = pc.fill_null(column, pa.scalar(Decimal(0), column.type))
    return np.asarray(pc.cast(pc.multiply(filled, _HUNDRED), pa.int64()))


def _year_month(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    days = np.asarray(column.to_numpy(), dtype="datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)
    return 1970 + months // 12, months % 12 + 1


def _text(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_pylist(), dtype=object)


def ward_activity(discharges: pa.Table) -> pd.DataFrame:
    """Per institution, 出院科别 and discharge month: discharges, bed-days, revenue (charges),
    drugs, consumables, surgical stays and their treatment charges (fen)."""
    year, month = _year_month(discharges.column("discharge_date"))
    drugs = sum(fen(discharges.column(c)) for c in DRUG_COLUMNS)
    consumables = sum(fen(discharges.column(c)) for c in CONSUMABLE_COLUMNS)
    surgical = np.asarray(pc.is_valid(discharges.column("procedure_codes")))
    frame = pd.DataFrame(
        {
            "institution_id": _text(discharges.column("institution_id")),
            "name": _text(discharges.column("department")),
            "year": year,
            "month": month,
            "discharges": 1,
            "bed_days": np.asarray(discharges.column("length_of_stay")),
            "revenue": fen(discharges.column("total_cost")),
            "drugs": drugs,
            "consumables": consumables,
            "surgeries": surgical.astype(np.int64),
            "treatment": fen(discharges.column("cost_treatment")) * surgical,
        }
    )
    return frame.groupby(["institution_id", "name", "year", "month"], as_index=False).sum()


def clinic_activity(visits: pa.Table) -> pd.DataFrame:
    """Per institution, 就诊科室 and month: visits, revenue, drugs and consumables (fen)."""
    year, month = _year_month(visits.column("visit_date"))
    frame = pd.DataFrame(
        {
            "institution_id": _text(visits.column("institution_id")),
            "name": _text(visits.column("department")),
            "year": year,
            "month": month,
            "visits": 1,
            "revenue": fen(visits.column("total_cost")),
            "drugs": fen(visits.column("cost_drugs")),
            "consumables": fen(visits.column("cost_consumables")),
        }
    )
    return frame.groupby(["institution_id", "name", "year", "month"], as_index=False).sum()


def exam_activity(exams: pa.Table) -> pd.DataFrame:
    """Per performing institution, exam type and month: examinations and revenue (fen)."""
    year, month = _year_month(exams.column("exam_date"))
    frame = pd.DataFrame(
        {
            "institution_id": _text(exams.column("performing_institution_id")),
            "exam_type": _text(exams.column("exam_type")),
            "year": year,
            "month": month,
            "exams": 1,
            "revenue": fen(exams.column("cost")),
        }
    )
    return frame.groupby(["institution_id", "exam_type", "year", "month"], as_index=False).sum()


def contract_income(contracts: pa.Table) -> pd.DataFrame:
    """Family-doctor contract fees per institution and year signed, and each team's institution."""
    year, _ = _year_month(contracts.column("signed_date"))
    frame = pd.DataFrame(
        {
            "institution_id": _text(contracts.column("institution_id")),
            "team_id": _text(contracts.column("team_id")),
            "year": year,
            "fee": fen(contracts.column("fee_amount")),
        }
    )
    return frame.groupby(["institution_id", "team_id", "year"], as_index=False)["fee"].sum()


def split_fen(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` fen split in proportion to ``weights`` (largest remainder; sums exactly).

    Weights may be floats here (generator shares, not accounting drivers); all-zero weights
    split evenly."""
    w = np.asarray(weights, dtype=float)
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    left = int(total - out.sum())
    if left > 0:
        out[np.argsort(-(exact - out), kind="stable")[:left]] += 1
    elif left < 0:  # float error pushed a floor up: take the fen back from the smallest parts
        out[np.argsort(exact - out, kind="stable")[:-left]] -= 1
    return out
