"""Case cost: a ward-month's full cost reaches its discharges to the fen, element by element."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.operations.case_cost import StayColumns, case_costs
from yigong.operations.centres import ELEMENTS, CentreRow, CostCentres
from yigong.operations.loader import load_operations_policy
from yigong.operations.stepdown import allocate_costs
from yigong.schema.tables import DISCHARGE_COST_COLUMNS

POLICY = load_operations_policy()


def _ward_centres(costs: list[dict[str, int]]) -> CostCentres:
    rows = [
        CentreRow(f"H 2024-{k + 1:02d}", f"W{k}", "内科", "clinical",
                  {e: f"{v / 100:.2f}" for e, v in c.items()}, {"bed_days": "10"},
                  setting="inpatient")
        for k, c in enumerate(costs)
    ]  # fmt: skip
    return CostCentres.from_rows(rows)


def _stays(ward: list[int], los: list[int], drugs: list[int], consumables: list[int]):
    n = len(ward)
    charges = {c: np.zeros(n, dtype=np.int64) for c in DISCHARGE_COST_COLUMNS}
    charges["cost_western_drugs"] = np.array(drugs, dtype=np.int64)
    charges["cost_consumables"] = np.array(consumables, dtype=np.int64)
    return StayColumns(tuple(f"D{i:04d}" for i in range(n)), np.array(ward, dtype=np.int64),
                       np.array(los, dtype=np.int64), charges)  # fmt: skip


element_costs = st.fixed_dictionaries({e: st.integers(0, 10**9) for e in ELEMENTS})


@settings(max_examples=100, deadline=None)
@given(
    st.lists(element_costs, min_size=1, max_size=4),
    st.lists(
        st.tuples(
            st.integers(-1, 3), st.integers(0, 40), st.integers(0, 10**6), st.integers(0, 10**5)
        ),
        max_size=40,
    ),  # fmt: skip
)
def test_case_costs_add_up_to_the_ward_cost(wards, raw) -> None:
    centres = _ward_centres(wards)
    stays = sorted(raw, key=lambda s: s[0])
    ward = [w if w < len(wards) else -1 for w, *_ in stays]
    s = _stays(ward, [x[1] for x in stays], [x[2] for x in stays], [x[3] for x in stays])
    costs = case_costs(allocate_costs(centres, POLICY.allocation), s, POLICY.case_cost)
    assert costs.reconciliation() == []
    assert (costs.cost >= 0).all()
    assert (costs.cost[np.array(ward, dtype=np.int64) < 0] == 0).all() if ward else True


def test_drugs_follow_drug_charges_the_rest_bed_days() -> None:
    centres = _ward_centres([{"drugs": 1000, "personnel": 900, "consumables": 10}])
    # drug charges 300 : 100, bed-days 1 : 2 (a 0-day stay counts as one), no consumables
    s = _stays([0, 0], [0, 2], [300, 100], [0, 0])
    costs = case_costs(allocate_costs(centres, POLICY.allocation), s, POLICY.case_cost)
    by = {e: costs.cost[:, i].tolist() for i, e in enumerate(ELEMENTS)}
    assert by["drugs"] == [750, 250]
    assert by["personnel"] == [300, 600]
    # no consumable charges: bed-days 1 : 2 = 3.33 : 6.67 fen; the spare fen to the larger rest
    assert by["consumables"] == [3, 7]
    assert costs.reconciliation() == []


def test_a_ward_month_without_stays_keeps_its_cost_unassigned() -> None:
    centres = _ward_centres([{"personnel": 500}, {"personnel": 700}])
    s = _stays([1], [3], [0], [0])
    costs = case_costs(allocate_costs(centres, POLICY.allocation), s, POLICY.case_cost)
    assert costs.unassigned[0, ELEMENTS.index("personnel")] == 500
    assert costs.total.tolist() == [700]
    assert [i.code for i in costs.issues] == ["case_cost.unassigned"]


def test_stays_out_of_ward_order_cost_as_in_ward_order() -> None:
    """The ward order is found by a radix sort: stays given shuffled get the same fen as the
    same stays given in ward order (ties within a ward keep the given order)."""
    rng = np.random.default_rng(5)
    centres = _ward_centres([{"personnel": 1_000_003, "drugs": 400_001, "other": 77_777}] * 6)
    allocation = allocate_costs(centres, POLICY.allocation)
    n = 400
    ward = rng.integers(0, 6, n)
    ward[::50] = -1  # no ward found: not costed
    los, drugs, cons = rng.integers(0, 30, n), rng.integers(0, 5_000, n), rng.integers(0, 99, n)
    drugs[ward == 2] = 0  # a ward without drug charges: drugs follow bed-days
    shuffled = case_costs(allocation, _stays(ward, los, drugs, cons), POLICY.case_cost)
    o = np.argsort(ward, kind="stable")
    ordered = case_costs(allocation, _stays(ward[o], los[o], drugs[o], cons[o]), POLICY.case_cost)
    assert (shuffled.cost[o] == ordered.cost).all() and shuffled.cost.any()
    assert shuffled.reconciliation() == [] and (shuffled.unassigned == ordered.unassigned).all()
