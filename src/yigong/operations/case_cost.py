"""Case cost (病例成本) of every discharge from its ward's full monthly cost (top-down method).

The national standard's top-down method (自上而下法) for disease and DRG costs: drugs and
separately charged consumables follow what each patient actually used, the ward's other costs
follow the stay's bed-days. Here each element of a ward-month's full cost (after the step-down)
is split over the ward's discharges of that month by the rule of the ``case_cost`` section:
the stay's listed front-page charges, or its bed-days (length of stay, at least one). The
split is largest remainder in fen, so per ward-month and element the case costs plus what
could not be assigned (a ward-month without discharges) equal the ward's full cost:
`CaseCosts.reconciliation`.

Input are columns: for each stay its ward's row in the cost centres (the service finds it by
institution, month and 出院科别; -1 when no ward matches, reported), its bed-days and its
front-page charges in fen. Stays are taken in the order given within a ward (the service
orders them by discharge id, so the spare fen go to the same stays every run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from yigong.operations.apportion import apportion, apportion_into, exact_sum, stable_order
from yigong.operations.centres import ELEMENTS, SETTINGS
from yigong.operations.errors import OperationsInputError
from yigong.operations.policy import CaseCostPolicy
from yigong.operations.stepdown import Allocation
from yigong.rulepacks import Issue, Level

__all__ = ["CaseCosts", "StayColumns", "case_costs"]


@dataclass(frozen=True)
class StayColumns:
    """The discharges to cost, as columns."""

    case_id: Sequence[str]
    ward: np.ndarray  # int64 row of the ward in the cost centres; -1: no ward
    bed_days: np.ndarray  # int64 length of stay (0 counts as 1)
    charges: Mapping[str, np.ndarray]  # front-page cost column -> int64 fen

    def __len__(self) -> int:
        return len(self.ward)


@dataclass(frozen=True)
class CaseCosts:
    """Cost of every stay by element (fen), and what each ward row could not assign.

    The costs are held in ward order (``order``: the stays with a ward, sorted by ward row;
    ``sorted_cost`` row *i* is stay ``order[i]``): a caller that aggregates (the P&L) reads
    them in that order without moving millions of rows; `cost` puts them in stay order."""

    stays: StayColumns
    order: np.ndarray  # stay indices with a ward, in ward order
    sorted_cost: np.ndarray  # (len(order), len(ELEMENTS)) int64
    unassigned: np.ndarray  # (rows of the centres, len(ELEMENTS)) int64
    ward_full: np.ndarray  # (rows, len(ELEMENTS)) the wards' full costs that were split
    issues: tuple[Issue, ...] = ()
    sorted_ward: np.ndarray | None = None  # the ward row of each stay in ``order``

    @property
    def cost(self) -> np.ndarray:
        """(stays, len(ELEMENTS)) cost in stay order; 0 for stays without a ward."""
        out = np.zeros((len(self.stays), len(ELEMENTS)), dtype=np.int64)
        out[self.order] = self.sorted_cost
        return out

    @property
    def total(self) -> np.ndarray:
        """Case cost per stay (fen)."""
        return self.cost.sum(axis=1)

    def reconciliation(self) -> list[Issue]:
        """Per ward row and element: Σ case costs + unassigned = the ward's full cost."""
        rows = len(self.ward_full)
        ward = (np.asarray(self.stays.ward)[self.order] if self.sorted_ward is None
                else self.sorted_ward)  # fmt: skip
        out = []
        for e, name in enumerate(ELEMENTS):
            got = exact_sum(ward, self.sorted_cost[:, e], rows)
            diff = np.flatnonzero(got + self.unassigned[:, e] != self.ward_full[:, e])
            out += [Issue(Level.ERROR, "case_cost.reconciliation",
                          f"ward row {r} element {name}: cases {int(got[r])} + unassigned "
                          f"{int(self.unassigned[r, e])} ≠ full cost {int(self.ward_full[r, e])}")
                    for r in diff]  # fmt: skip
        return out


def _weights(rule_charges: Sequence[str], stays: StayColumns, order: np.ndarray) -> np.ndarray:
    missing = [c for c in rule_charges if c not in stays.charges]
    if missing:
        raise OperationsInputError([Issue(Level.ERROR, "case_cost.charges",
                                          f"the stays lack charge columns {missing}")])  # fmt: skip
    w = None
    for c in rule_charges:
        column = np.asarray(stays.charges[c], dtype=np.int64)
        if column.any():  # an all-zero column adds nothing (no gather of millions of zeros)
            if w is None:
                w = column[order]
            else:
                w += column[order]
    return np.zeros(len(order), dtype=np.int64) if w is None else w


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted column and, per item, the index of its value."""
    if not len(sorted_keys):
        return sorted_keys[:0], np.zeros(0, dtype=np.int64)
    change = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
    return sorted_keys[change], np.cumsum(change) - 1


def case_costs(allocation: Allocation, stays: StayColumns, policy: CaseCostPolicy) -> CaseCosts:
    """Split every inpatient ward's full cost over its discharges; see the module docstring."""
    centres = allocation.centres
    rows = len(centres)
    wards = centres.settings == SETTINGS.index("inpatient")
    ward_full = np.where(wards[:, None], allocation.full, 0)
    ward = np.asarray(stays.ward, dtype=np.int64)
    if len(ward) and (int(ward.max()) >= rows or int(ward.min()) < -1):
        raise OperationsInputError([Issue(Level.ERROR, "case_cost.ward", "ward row out of range")])
    all_matched = not len(ward) or int(ward.min()) >= 0  # every stay found its ward
    matched = None if all_matched else np.flatnonzero(ward >= 0)
    keys = ward if matched is None else ward[matched]
    if len(keys) < 2 or bool((keys[1:] >= keys[:-1]).all()):  # in ward order already
        order = np.arange(len(ward), dtype=np.int64) if matched is None else matched
        sorted_ward = keys
    else:
        by_ward = stable_order(keys, rows)
        order = by_ward if matched is None else matched[by_ward]
        sorted_ward = keys[by_ward]
    n_matched = len(order)
    run_rows, run = _runs(sorted_ward)
    if len(run_rows) and not wards[run_rows].all():
        raise OperationsInputError([Issue(Level.ERROR, "case_cost.ward",
                                          "a stay points at a cost centre that is not a ward")])  # fmt: skip
    bed_days = np.asarray(stays.bed_days, dtype=np.int64)[order]
    np.maximum(bed_days, 1, out=bed_days)
    unassigned = ward_full.copy()
    unassigned[run_rows] = 0
    # element-major (each element's column contiguous), seen as (stays, elements)
    by_element = np.zeros((len(ELEMENTS), len(order)), dtype=np.int64)
    # elements split by the same weights go through one call (the bed-days elements)
    groups: dict[tuple[str, tuple[str, ...], str], list[int]] = {}
    for rule in policy.elements:
        key = (rule.driver, tuple(rule.charges), rule.fallback)
        groups.setdefault(key, []).append(ELEMENTS.index(rule.element))
    for (driver, charges, fallback), elements in groups.items():
        weights = bed_days if driver == "bed_days" else _weights(charges, stays, order)
        amounts = ward_full[run_rows][:, elements]
        ok = apportion_into(amounts, run, weights, [by_element[e] for e in elements])
        if not ok.all() and driver == "charges" and fallback == "bed_days":
            redo = np.flatnonzero(~ok[run])
            sub_runs, sub_run = _runs(run[redo])
            extra, _ = apportion(amounts[sub_runs], sub_run, bed_days[redo])
            for j, e in enumerate(elements):
                by_element[e, redo] = extra[:, j]
            ok[sub_runs] = True
        for j, e in enumerate(elements):
            unassigned[run_rows[~ok], e] += amounts[~ok, j]
    sorted_cost = by_element.T
    issues = []
    if n_matched < len(ward):
        issues.append(Issue(Level.WARNING, "case_cost.unmatched",
                            f"{len(ward) - n_matched:,} stays found no ward: not costed"))  # fmt: skip
    empty = np.flatnonzero(wards & unassigned.any(axis=1))
    if len(empty):
        issues.append(Issue(Level.WARNING, "case_cost.unassigned",
                            f"{len(empty):,} ward-months kept cost no discharge could carry "
                            f"({int(unassigned.sum()) / 100:,.2f} yuan)"))  # fmt: skip
    return CaseCosts(stays, order, sorted_cost, unassigned, ward_full, tuple(issues), sorted_ward)
