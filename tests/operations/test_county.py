"""On synthetic counties: the step-down allocation conserves every institution-month's costs
to the fen (a Hypothesis property over generated counties, and the demo county itself)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yigong.operations.loader import load_operations_policy
from yigong.operations.stepdown import allocate_costs
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS
from yigong.services.operations_data import cost_centres, fen
from yigong.synth.params import preset
from yigong.synth.world import county_tables
from yigong.synth.writer import conform
from yigong.warehouse.store import Warehouse

POLICY = load_operations_policy()
TABLES = ("admin_divisions", "institutions", "departments", "department_costs")


def _check_county(name: str, seed: int, year: int) -> int:
    got = {}
    for table, data in county_tables(preset(name), 0, seed, (year,)):
        if table in TABLES:
            got[table] = conform(table, data)
    with Warehouse.memory() as wh:
        for table in TABLES:
            wh.load_arrow(table, got[table])
        centres = cost_centres(wh, "division:130423", year)
    result = allocate_costs(centres, POLICY.allocation, keep_transfers=False)
    assert result.conservation() == []
    assert not result.unallocated.any(), [i.message for i in result.issues][:3]
    # the clinical full costs of the county equal the cost reports, element by element
    reported = np.array(
        [fen(got["department_costs"].column(c)).sum() for c in COST_ELEMENT_COLUMNS]
    )
    assert (result.full.sum(axis=0) == reported).all()
    return len(centres)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=10**6), st.sampled_from([2023, 2024]))
def test_allocation_conserves_on_synthetic_counties(seed: int, year: int) -> None:
    assert _check_county("tiny", seed, year) > 0


@pytest.mark.slow
def test_allocation_conserves_on_the_demo_county() -> None:
    """The demo's county preset (临漳县, seed 2024), its last year."""
    assert _check_county("county", 2024, 2024) > 5_000
