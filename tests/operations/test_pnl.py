"""DRG/DIP profit and loss: per-group sums, peer LOS, the worst groups, reconciliation."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from yigong.operations.centres import ELEMENTS
from yigong.operations.columns import Coded
from yigong.operations.pnl import PnlCases, profit_and_loss, reconcile, worst_groups
from yigong.schema.money import Money


def _cases() -> PnlCases:
    # H1: A A B ; H2: A B   (payments and personnel/drug costs in fen)
    inst = ["H1", "H1", "H1", "H2", "H2"]
    group = ["A", "A", "B", "A", "B"]
    cost = np.zeros((5, len(ELEMENTS)), dtype=np.int64)
    cost[:, ELEMENTS.index("personnel")] = [600, 800, 100, 500, 300]
    cost[:, ELEMENTS.index("drugs")] = [200, 200, 50, 100, 100]
    return PnlCases(
        ("c1", "c2", "c3", "c4", "c5"), Coded.of(inst), Coded.of(["内科"] * 5),
        Coded.of(["E1", "E2", "E1", "E3", "E3"]), Coded.of(group),
        np.array([10, 6, 3, 4, 5]), cost, np.array([True, True, True, True, False]),
        np.array([900, 900, 300, 900, 600]),
    )  # fmt: skip


def test_groups_within_institutions() -> None:
    rows = {(r.institution, r.key): r for r in profit_and_loss(_cases(), "group")}
    a = rows[("H1", "A")]
    assert (a.cases, a.payment, a.cost, a.profit) == (
        2, Money.of("18.00"), Money.of("18.00"), Money.of("0.00"))  # fmt: skip
    assert a.mean_los == Decimal("8.00") and a.peer_los == Decimal("4.00")  # H2's one A case
    b2 = rows[("H2", "B")]
    assert b2.cases == 0 and b2.uncosted == 1  # c5 found no ward: neither cost nor profit
    assert rows[("H2", "A")].profit == Money.of("3.00")


def test_worst_groups_lose_most_first() -> None:
    cases = _cases()
    worst = worst_groups(cases, "H1", 5, reference_los={"B": Decimal("2.5")})
    assert [r.key for r in worst] == []  # H1 loses on nothing: A breaks even, B earns 1.50
    cases.payment[0] = 100  # c1 now loses 9.00
    worst = worst_groups(cases, "H1", 5, reference_los={"A": Decimal("7.5")})
    assert [(r.key, r.profit, r.reference_los) for r in worst] == [
        ("A", Money.of("-8.00"), Decimal("7.5"))]  # fmt: skip


def test_other_keys_and_reconciliation() -> None:
    cases = _cases()
    by_doctor = {r.key: r for r in profit_and_loss(cases, "doctor", within_institution=False)}
    assert by_doctor["E1"].cases == 2 and by_doctor["E1"].cost == Money.of("9.50")
    # payments 36.00 (c5 paid too); cost 25.50 (c5 without a ward carries none)
    assert reconcile(cases, Money.of("36.00"), Money.of("25.50")) == []
    found = reconcile(cases, Money.of("35.99"), Money.of("25.51"))
    assert [i.code for i in found] == ["pnl.payment", "pnl.cost"]
