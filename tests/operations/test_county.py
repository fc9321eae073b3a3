"""On synthetic counties: the step-down allocation conserves every institution-month's costs
to the fen — a Hypothesis property over generated counties, and over the demo county itself
with drivers and driver values varied."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yigong.ingest import load_rows
from yigong.operations.centres import DRIVERS, CostCentres
from yigong.operations.loader import load_operations_policy
from yigong.operations.stepdown import allocate_costs
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS
from yigong.services.operations_data import cost_centres, fen
from yigong.synth.params import preset
from yigong.synth.world import county_tables
from yigong.synth.writer import conform
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

POLICY = load_operations_policy()
TABLES = ("admin_divisions", "institutions", "departments", "department_costs")


def _check_county(name: str, seed: int, year: int) -> CostCentres:
    got = {}
    for table, data in county_tables(preset(name), 0, seed, (year,)):
        if table in TABLES:
            got[table] = conform(table, data)
    with DuckDBWarehouse.memory() as wh:
        for table in TABLES:
            load_rows(wh, table, got[table])
        centres = cost_centres(wh, "division:130423", year)
    result = allocate_costs(centres, POLICY.allocation, keep_transfers=False)
    assert result.conservation() == []
    assert not result.unallocated.any(), [i.message for i in result.issues][:3]
    # the clinical full costs of the county equal the cost reports, element by element
    reported = np.array(
        [fen(got["department_costs"].column(c)).sum() for c in COST_ELEMENT_COLUMNS]
    )
    assert (result.full.sum(axis=0) == reported).all()
    return centres


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=10**6), st.sampled_from([2023, 2024]))
def test_allocation_conserves_on_synthetic_counties(seed: int, year: int) -> None:
    assert len(_check_county("tiny", seed, year)) > 0


@pytest.fixture(scope="module")
def demo_county() -> CostCentres:
    """The demo's county preset (临漳县, seed 2024), its last year, as cost centres (checked
    once as generated: conserved, nothing unallocated, full costs = the cost reports)."""
    centres = _check_county("county", 2024, 2024)
    assert len(centres) > 5_000
    return centres


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_allocation_conserves_on_the_demo_county(demo_county: CostCentres, seed: int) -> None:
    """Whatever drivers the departments name and whatever driver values are missing, the
    demo county's step-down conserves every institution-month's costs to the fen; what cannot
    be allocated is kept and reported, never lost."""
    rng = np.random.default_rng(seed)
    n = len(demo_county)
    own = np.where(rng.random(n) < 0.3, rng.integers(-1, len(DRIVERS), n), demo_county.own_driver)
    drivers = demo_county.drivers.copy()
    drivers[rng.random(drivers.shape) < 0.2] = 0  # holes: fallbacks and unallocated sources
    varied = replace(demo_county, own_driver=own.astype(np.int8), drivers=drivers)
    result = allocate_costs(varied, POLICY.allocation, keep_transfers=False)
    assert result.conservation() == []
    kept = result.unallocated.sum()
    assert result.full.sum() == demo_county.costs.sum()
    assert (kept == 0) == (not result.issues)
