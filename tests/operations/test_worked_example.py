"""The hand-worked step-down allocation of docs/operations.md, checked to the fen.

The test reads the example's input, every split table and the result from the document, and
checks (1) the engine against the document, split by split, and (2) the document against an
independent restatement of the rule in fractions (largest remainder, ties to the earlier
receiver), so neither the doc nor the engine can drift.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from yigong.operations.centres import ELEMENTS, CentreRow, CostCentres
from yigong.operations.loader import load_operations_policy
from yigong.operations.stepdown import allocate_costs

DOC = Path(__file__).parents[2] / "docs" / "operations.md"
ZH = {
    "人员经费": "personnel",
    "卫生材料费": "consumables",
    "药品费": "drugs",
    "折旧": "depreciation",
    "摊销": "amortisation",
    "风险基金": "risk_fund",
    "其他运行费用": "other",
}
DRIVER_COLUMNS = {"staff": "staff", "area m²": "area", "revenue": "revenue", "bed-days": "bed_days"}


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("### Worked example", 1)[1].split("\n## ", 1)[0]


def _tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(the paragraph line before the table, header cells, rows) of every Markdown table."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            before = next((x for x in reversed(lines[:i]) if x.strip()), "")
            head = [c.strip() for c in lines[i].strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            out.append((before, head, rows))
        else:
            i += 1
    return out


def _fen(text: str) -> int:
    return int(Decimal(text.replace(",", "") or "0") * 100)


def _inputs() -> list[CentreRow]:
    _, head, rows = next(t for t in _tables(_section()) if t[1][0] == "department")
    out = []
    for r in rows:
        cells = dict(zip(head, r, strict=True))
        code, name = cells["department"].split(" ", 1)
        costs = {ZH[k]: cells[k].replace(",", "") or "0" for k in head if k in ZH}
        drivers = {v: cells[k].replace(",", "") or "0" for k, v in DRIVER_COLUMNS.items()}
        own = None if cells["own driver"] == "—" else cells["own driver"]
        out.append(CentreRow("H 2024-01", code, name, cells["class"], costs, drivers, own))
    return out


def _run():
    centres = CostCentres.from_rows(_inputs())
    return centres, allocate_costs(centres, load_operations_policy("national-2021").allocation)


def test_the_engine_gives_every_split_of_the_document() -> None:
    centres, result = _run()
    t = result.transfers
    moved: dict[tuple[str, str, str], int] = {}
    for k in range(len(t)):
        for e, name in enumerate(ELEMENTS):
            src, rcv = centres.department_id[t.source[k]], centres.department_id[t.receiver[k]]
            moved[(src, rcv, name)] = int(t.amounts[k, e])
    splits = [tb for tb in _tables(_section()) if tb[1][0] == "receiver"]
    assert len(splits) == 6
    for before, head, rows in splits:
        source = re.match(r"\*\*(\w+) ", before).group(1)
        for r in rows:
            receiver = r[0].split(" ")[0]
            for k, cell in zip(head[1:], r[1:], strict=True):
                element = ZH[k.split(" ")[0]]
                assert moved.get((source, receiver, element), 0) == _fen(cell), (
                    source, receiver, element)  # fmt: skip


def test_the_engine_gives_the_documented_result() -> None:
    centres, result = _run()
    _, head, rows = next(t for t in _tables(_section()) if t[1][0] == "clinical department")
    full = result.full
    for r in rows[:-1]:
        row = centres.department_id.index(r[0].split(" ")[0])
        for k, cell in zip(head[1:-1], r[1:-1], strict=True):
            assert full[row, ELEMENTS.index(ZH[k])] == _fen(cell), (r[0], k)
        assert full[row].sum() == _fen(r[-1])
    total = rows[-1]
    assert _fen(total[-1]) == int(centres.costs.sum()) == 52_800_000
    assert result.conservation() == [] and result.issues == ()


def _fraction_stepdown(rows: list[CentreRow]) -> dict[str, dict[str, int]]:
    """The rule restated independently: tiers of the national standard, largest remainder."""
    tiers = (
        ("administrative", ("medical_support", "medical_technology", "clinical"), "staff"),
        ("medical_support", ("medical_technology", "clinical"), "revenue"),
        ("medical_technology", ("clinical",), "revenue"),
    )
    cur = {r.department_id: {e: _fen(str(r.costs.get(e, 0))) for e in ELEMENTS} for r in rows}
    for source_class, receiver_classes, default in tiers:
        receivers = [r for r in rows if r.category in receiver_classes]
        for src in (r for r in rows if r.category == source_class):
            weights = [Fraction(str(r.drivers.get(src.driver or default, 0))) for r in receivers]
            total = sum(weights)
            for e in ELEMENTS:
                amount = cur[src.department_id][e]
                exact = [amount * w / total for w in weights]
                shares = [int(x) for x in exact]
                left = amount - sum(shares)
                order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
                for i in order[:left]:
                    shares[i] += 1
                for r, s in zip(receivers, shares, strict=True):
                    cur[r.department_id][e] += s
                cur[src.department_id][e] = 0
    return cur


def test_the_document_agrees_with_the_rule_restated_in_fractions() -> None:
    rows = _inputs()
    expected = _fraction_stepdown(rows)
    _, head, table = next(t for t in _tables(_section()) if t[1][0] == "clinical department")
    for r in table[:-1]:
        code = r[0].split(" ")[0]
        for k, cell in zip(head[1:-1], r[1:-1], strict=True):
            assert expected[code][ZH[k]] == _fen(cell), (code, k)
    # the one split worked by hand in the prose
    text = _section()
    assert "S2 1,071.43, T2 2,142.86, C1 8,035.72" in text
    assert "**528,000.00**" in text
