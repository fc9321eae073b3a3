"""Fixtures for payment tests (helpers live in ``_support``)."""

from __future__ import annotations

import pytest

from yigong.payment.bundle import read_budget_bundle
from yigong.payment.records import BudgetInputs

from ._support import WORKED


@pytest.fixture()
def worked_inputs() -> BudgetInputs:
    return read_budget_bundle(WORKED)
