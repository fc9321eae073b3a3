"""Step-down allocation of department costs (科室成本三级分摊), exact to the fen.

The national standard (公立医院成本核算规范, 国卫财务发〔2021〕4号) costs clinical departments in
full by passing every other department's cost down the classes: administration and logistics
→ medical support → medical technology → clinical. The tiers, their receivers and drivers are
data (`allocation` section of the operations policy). For each unit (an institution-month)
and each tier, every source department hands its whole current cost — direct plus what it
received from the tiers above — to the receiving departments of the same unit, element by
element, in proportion to the receivers' values of its driver (its own ``cost_driver``, else
the tier's; when those are all 0 in the unit, the tier's fallbacks in order). Each split is
the largest-remainder rule in fen (`apportion`), so nothing is created or lost: per unit and
per element, the clinical departments' full costs plus whatever could not be allocated equal
the direct costs of all departments (`Allocation.conservation`).

A source that cannot be allocated (no receiver in the unit, or every driver 0) keeps its cost;
it is listed as unallocated with the reason, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from yigong.operations.apportion import apportion, exact_sum
from yigong.operations.centres import DRIVERS, ELEMENTS, CostCentres
from yigong.operations.policy import CATEGORY_ORDER, AllocationPolicy, Category, Tier
from yigong.rulepacks import Issue, Level

__all__ = ["Allocation", "Transfers", "allocate_costs"]

CLINICAL = CATEGORY_ORDER.index(Category.CLINICAL)


@dataclass(frozen=True)
class Transfers:
    """Every split of one run, as columns: source and receiving rows (of the centres), the
    tier, the driver used, the receiver's weight and the run's weight sum, and the fen moved
    per element (k, len(ELEMENTS))."""

    source: np.ndarray
    receiver: np.ndarray
    tier: np.ndarray
    driver: np.ndarray
    weight: np.ndarray
    total_weight: np.ndarray
    amounts: np.ndarray

    def __len__(self) -> int:
        return len(self.source)


@dataclass(frozen=True)
class Allocation:
    """The result: per row and element (fen) the direct cost, what each tier brought, what the
    row handed on, what it could not hand on, and its full cost after allocation."""

    centres: CostCentres
    tiers: tuple[Tier, ...]
    direct: np.ndarray  # (n, e)
    received: np.ndarray  # (tiers, n, e)
    handed_on: np.ndarray  # (n, e): what a source row passed to its receivers
    unallocated: np.ndarray  # (n, e): what a source row kept because it could not be split
    driver_used: np.ndarray  # (n,) int8 index into DRIVERS, -1: not a source / not allocated
    transfers: Transfers | None
    issues: tuple[Issue, ...] = field(default=())

    @property
    def full(self) -> np.ndarray:
        """Full cost per row and element: direct + received − handed on (clinical rows: their
        full cost; other rows: 0, or what they could not allocate)."""
        return self.direct + self.received.sum(axis=0) - self.handed_on

    @property
    def before_own_tier(self) -> np.ndarray:
        """A row's cost when its own tier comes: direct + received from the tiers above (the
        basis of a medical-technology department's cost per examination)."""
        return self.direct + self.received.sum(axis=0)

    def conservation(self) -> list[Issue]:
        """Per unit and element, the full costs must equal the direct costs (to the fen)."""
        units = self.centres.unit
        n_units = len(self.centres.units)
        out = []
        for e, name in enumerate(ELEMENTS):
            before = np.bincount(units, weights=self.direct[:, e], minlength=n_units)
            after = np.bincount(units, weights=self.full[:, e], minlength=n_units)
            for u in np.flatnonzero(before != after):
                out.append(Issue(Level.ERROR, "allocation.conservation",
                                 f"unit {self.centres.units[u]} element {name}: direct "
                                 f"{int(before[u])} fen, after allocation {int(after[u])} fen"))  # fmt: skip
        not_clinical = self.centres.category != CLINICAL
        leftover = self.full[not_clinical] - self.unallocated[not_clinical]
        if leftover.any():
            out.append(Issue(Level.ERROR, "allocation.leftover",
                             "a non-clinical department kept cost it did not report as "
                             "unallocated"))  # fmt: skip
        return out


def _ragged(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ranges ``starts[i] … starts[i] + counts[i] − 1``."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return offsets + np.arange(total, dtype=np.int64)


def allocate_costs(
    centres: CostCentres, policy: AllocationPolicy, *, keep_transfers: bool = True
) -> Allocation:
    """Run the policy's tiers over every unit of ``centres``; see the module docstring."""
    n, n_el = len(centres), len(ELEMENTS)
    tiers = tuple(policy.tiers)
    current = centres.costs.copy()
    received = np.zeros((len(tiers), n, n_el), dtype=np.int64)
    handed_on = np.zeros((n, n_el), dtype=np.int64)
    unallocated = np.zeros((n, n_el), dtype=np.int64)
    driver_used = np.full(n, -1, dtype=np.int8)
    parts: list[tuple[np.ndarray, ...]] = []
    issues: list[Issue] = []
    n_units = len(centres.units)
    for t, tier in enumerate(tiers):
        source_cat = CATEGORY_ORDER.index(tier.source)
        sources = np.flatnonzero(centres.category == source_cat)
        if not len(sources):
            continue
        is_receiver = np.isin(centres.category, [CATEGORY_ORDER.index(r) for r in tier.receivers])
        receivers = np.flatnonzero(is_receiver)
        rcv_count = np.bincount(centres.unit[receivers], minlength=n_units)
        rcv_start = np.concatenate(([0], np.cumsum(rcv_count)[:-1]))
        per_source = rcv_count[centres.unit[sources]]
        run = np.repeat(np.arange(len(sources), dtype=np.int64), per_source)
        item_rcv = receivers[_ragged(rcv_start[centres.unit[sources]], per_source)]
        # the driver of each source: its own, else the tier's; then fallbacks where all are 0
        chain = [DRIVERS.index(tier.driver), *(DRIVERS.index(f) for f in tier.fallback)]
        own = centres.own_driver[sources].astype(np.int64)
        chosen = np.where(own >= 0, own, chain[0])
        weights = centres.drivers[item_rcv, chosen[run]]
        total = np.bincount(run, weights=weights.astype(np.float64), minlength=len(sources))
        for fallback in chain[1:]:
            empty = (total <= 0) & (per_source > 0)
            if not empty.any():
                break
            chosen = np.where(empty, fallback, chosen)
            weights = centres.drivers[item_rcv, chosen[run]]
            total = np.bincount(run, weights=weights.astype(np.float64), minlength=len(sources))
        amounts = current[sources]
        shares, ok = apportion(amounts, run, weights)
        received[t] += np.stack([exact_sum(item_rcv, shares[:, e], n) for e in range(n_el)], axis=1)
        current += received[t]
        moved = np.where(ok[:, None], amounts, 0)
        kept = np.where(ok[:, None], 0, amounts)
        handed_on[sources] += moved
        unallocated[sources] += kept
        current[sources] = 0
        driver_used[sources] = np.where(ok, chosen, -1)
        for s in np.flatnonzero(~ok & amounts.any(axis=1)):
            row = int(sources[s])
            why = "no receiving department in the unit" if per_source[s] == 0 else (
                f"every receiver has 0 of {', '.join(DRIVERS[c] for c in dict.fromkeys(chain))}")  # fmt: skip
            issues.append(Issue(Level.WARNING, "allocation.unallocated",
                                f"unit {centres.units[centres.unit[row]]}: "
                                f"{centres.name[row]} ({centres.department_id[row]}) not "
                                f"allocated at tier {tier.id}: {why}", field=tier.id))  # fmt: skip
        if keep_transfers:
            keep = shares.any(axis=1)
            parts.append((sources[run][keep], item_rcv[keep], np.full(int(keep.sum()), t),
                          chosen[run][keep], weights[keep],
                          exact_sum(run, weights, len(sources))[run][keep], shares[keep]))  # fmt: skip
    transfers = None
    if keep_transfers:
        cols = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.int64)
                for i in range(6)]  # fmt: skip
        amounts_all = np.concatenate([p[6] for p in parts]) if parts else np.zeros((0, n_el))
        transfers = Transfers(*cols, amounts_all.astype(np.int64))
    return Allocation(centres, tiers, centres.costs.copy(), received, handed_on, unallocated,
                      driver_used, transfers, tuple(issues))  # fmt: skip
