"""Step-down allocation: totals are conserved to the fen on any hospital (Hypothesis), costs
only flow down, and what cannot be allocated is kept and reported."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from yigong.operations.centres import DRIVERS, ELEMENTS, CentreRow, CostCentres
from yigong.operations.loader import load_operations_policy
from yigong.operations.policy import CATEGORY_ORDER
from yigong.operations.stepdown import allocate_costs

POLICY = load_operations_policy().allocation
CLASSES = [c.value for c in CATEGORY_ORDER]

department = st.fixed_dictionaries(
    {
        "category": st.sampled_from(CLASSES),
        "costs": st.fixed_dictionaries({e: st.integers(0, 5_000_000_00) for e in ELEMENTS}),
        "drivers": st.fixed_dictionaries({d: st.integers(0, 50_000) for d in DRIVERS}),
        "driver": st.one_of(st.none(), st.sampled_from(DRIVERS)),
    }
)
unit = st.lists(department, min_size=1, max_size=14)


def _centres(units: list[list[dict]]) -> CostCentres:
    rows = []
    for u, depts in enumerate(units):
        for k, d in enumerate(depts):
            rows.append(
                CentreRow(
                    f"H{u} 2024-01",
                    f"H{u}-{k:02d}",
                    f"科室{k}",
                    d["category"],
                    {e: f"{v / 100:.2f}" for e, v in d["costs"].items()},
                    {n: str(v) for n, v in d["drivers"].items()},
                    d["driver"],
                )
            )
    return CostCentres.from_rows(rows)


@settings(max_examples=150, deadline=None)
@given(st.lists(unit, min_size=1, max_size=5))
def test_totals_are_conserved_to_the_fen(units: list[list[dict]]) -> None:
    centres = _centres(units)
    result = allocate_costs(centres, POLICY)
    assert result.conservation() == []
    assert (result.full >= 0).all() and (result.handed_on >= 0).all()
    # per unit and element: clinical full costs + unallocated = direct costs
    for u in range(len(centres.units)):
        rows = centres.unit_rows(u)
        clinical = rows[centres.category[rows] == CLASSES.index("clinical")]
        assert (
            result.full[clinical].sum(axis=0) + result.unallocated[rows].sum(axis=0)
            - result.unallocated[clinical].sum(axis=0)
            == centres.costs[rows].sum(axis=0)
        ).all()  # fmt: skip
    # every transfer goes down the classes, never up or sideways
    t = result.transfers
    assert (centres.category[t.receiver] > centres.category[t.source]).all()
    assert t.amounts.sum() == result.handed_on.sum()


def test_a_source_without_receivers_keeps_its_cost_and_is_reported() -> None:
    rows = [
        CentreRow("H 2024-01", "A1", "院办公室", "administrative", {"personnel": "100"}, {}),
        CentreRow(
            "H 2024-01", "T1", "检验科", "medical_technology", {"other": "50"}, {"staff": "2"}
        ),  # fmt: skip
    ]
    result = allocate_costs(CostCentres.from_rows(rows), POLICY)
    # A1 goes to T1 (staff 2); T1 has no clinical department to go to
    assert result.unallocated[1].sum() == 15_000
    assert [i.code for i in result.issues] == ["allocation.unallocated"]
    assert "no receiving department" in result.issues[0].message
    assert result.conservation() == []


def test_fallback_driver_when_the_receivers_have_none_of_the_driver() -> None:
    rows = [
        CentreRow("H 2024-01", "S1", "收费", "medical_support", {"personnel": "10"}, {}),
        CentreRow("H 2024-01", "C1", "内科", "clinical", {}, {"staff": "1", "area": "30"}),
        CentreRow("H 2024-01", "C2", "外科", "clinical", {}, {"staff": "3", "area": "10"}),
    ]
    result = allocate_costs(CostCentres.from_rows(rows), POLICY)
    # support's driver is revenue (0 everywhere), then staff: 1 : 3
    assert result.full[1:, 0].tolist() == [250, 750]
    assert DRIVERS[result.driver_used[0]] == "staff"
    assert np.all(result.unallocated == 0)
