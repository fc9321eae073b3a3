"""docs/payment.md is tested: the worked example's bold figures are what the engine computes."""

from __future__ import annotations

import re
from pathlib import Path

from yigong.payment.budget import settle_budget
from yigong.payment.loader import load_policy
from yigong.payment.records import BudgetInputs
from yigong.schema.money import Money

DOC = Path(__file__).parents[2] / "docs" / "payment.md"


def fmt(m: Money) -> str:
    return f"{m.amount:,.2f}".replace("-", "−")


def test_worked_example_figures_in_docs(worked_inputs: BudgetInputs) -> None:
    text = DOC.read_text(encoding="utf-8")
    result = settle_budget(worked_inputs, load_policy("henan-default"))
    bold = set(re.findall(r"\*\*([−\d,.]+)\*\*", text))
    expected = set()
    for c in result.communities:
        expected |= {
            fmt(c.quota),
            fmt(c.released),
            fmt(c.final_payment),
            fmt(c.quality_returned),
            fmt(c.net_position),
        }
        expected |= {fmt(c.surplus)} if c.overspend.is_zero else {fmt(c.overspend)}
    expected.add(fmt(worked_inputs.annual_fund))
    missing = expected - bold
    assert not missing, f"figures not in docs/payment.md: {sorted(missing)}"
    for phrase in ("454,200.00 retained", "161,880.00 from the risk fund", "36,050.00", "4,340.00"):
        assert phrase in text
