"""Hospital operations (运营管理): cost accounting by the national method, DRG/DIP profit and
loss, budget execution and performance pay — a pure engine (columns of int64 fen in, exact
results out; no database), its rules in the ``operations-policy`` rule pack. See
``docs/operations.md``.
"""

from __future__ import annotations

from yigong.operations.apportion import apportion
from yigong.operations.budget import Adjustment, BudgetLine, execute_budget
from yigong.operations.case_cost import CaseCosts, StayColumns, case_costs
from yigong.operations.centres import DRIVERS, ELEMENTS, CentreRow, CostCentres
from yigong.operations.columns import Coded
from yigong.operations.consolidate import consolidate
from yigong.operations.drg_cost import group_costs
from yigong.operations.errors import OperationsInputError, OperationsPolicyError
from yigong.operations.loader import DEFAULT_POLICY, load_operations_policy
from yigong.operations.pay import DepartmentWork, StaffMonths, distribute_envelope
from yigong.operations.pnl import PnlCases, profit_and_loss, reconcile, worst_groups
from yigong.operations.policy import OperationsPolicy
from yigong.operations.stepdown import Allocation, allocate_costs
from yigong.operations.unit_cost import unit_costs

__all__ = [
    "DEFAULT_POLICY",
    "DRIVERS",
    "ELEMENTS",
    "Adjustment",
    "Allocation",
    "BudgetLine",
    "CaseCosts",
    "CentreRow",
    "Coded",
    "CostCentres",
    "DepartmentWork",
    "OperationsInputError",
    "OperationsPolicy",
    "OperationsPolicyError",
    "PnlCases",
    "StaffMonths",
    "StayColumns",
    "allocate_costs",
    "apportion",
    "case_costs",
    "consolidate",
    "distribute_envelope",
    "execute_budget",
    "group_costs",
    "load_operations_policy",
    "profit_and_loss",
    "reconcile",
    "unit_costs",
    "worst_groups",
]
