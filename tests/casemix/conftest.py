"""Fixtures of the casemix tests."""

from __future__ import annotations

import pytest

from tests.casemix.drg_helpers import Grouper, batch, per_case


@pytest.fixture(params=[batch, per_case], ids=["batch", "explain"])
def grouper(request: pytest.FixtureRequest) -> Grouper:
    """Both grouping paths: every targeted test runs against each."""
    return request.param  # type: ignore[no-any-return]
