"""Render settlement results as files (CSV/JSON bytes), deterministically.

Same inputs and policy → byte-identical files: rows are in a fixed order, numbers are
written as exact decimal strings, JSON keys are sorted, and no wall-clock time is written.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from yigong.payment.budget import BudgetResult
from yigong.payment.hashing import canonical
from yigong.payment.ledger import LedgerLine
from yigong.payment.statements import COLUMNS, community_statements

__all__ = [
    "budget_files",
    "csv_bytes",
    "dataclass_csv",
    "json_bytes",
    "ledger_csv",
    "read_ledger_line",
]

LEDGER_HEADER = [
    "line_id",
    "entry_id",
    "date",
    "period",
    "account",
    "counterparty",
    "amount",
    "rule_id",
    "clause",
    "inputs",
    "memo",
]


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([str(v) for v in row])
    return buf.getvalue().encode("utf-8")


def json_bytes(data: Any) -> bytes:
    return (
        json.dumps(canonical(data), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")


def ledger_csv(lines: list[LedgerLine]) -> bytes:
    """The ledger as CSV; ``inputs`` as a JSON object of strings (computed once per entry)."""
    cache: dict[int, str] = {}

    def row(ln: LedgerLine) -> list[object]:
        inputs = cache.get(ln.entry_id)
        if inputs is None:
            inputs = json.dumps(
                {k: str(v) for k, v in ln.inputs.items()}, ensure_ascii=False, sort_keys=True
            )
            cache.clear()
            cache[ln.entry_id] = inputs
        return [
            ln.line_id,
            ln.entry_id,
            ln.date,
            ln.period,
            ln.account,
            ln.counterparty,
            ln.amount,
            ln.rule_id,
            ln.clause,
            inputs,
            ln.memo,
        ]

    return csv_bytes(LEDGER_HEADER, (row(ln) for ln in lines))


def read_ledger_line(ledger_text: str, line_id: str) -> dict[str, str] | None:
    """Find one line of a ledger CSV by id (used by ``settle explain``)."""
    for record in csv.DictReader(io.StringIO(ledger_text)):
        if record["line_id"] == line_id:
            return record
    return None


def _dataclass_rows(items: Sequence[Any]) -> tuple[list[str], list[list[object]]]:
    if not items:
        return [], []
    names = [f.name for f in dataclasses.fields(items[0])]
    return names, [[canonical(getattr(it, n)) for n in names] for it in items]


def dataclass_csv(items: Sequence[Any]) -> bytes:
    """Records (frozen dataclasses) as CSV, one column per field, in the given order."""
    header, body = _dataclass_rows(items)
    return csv_bytes(header, body)


def budget_files(result: BudgetResult) -> dict[str, bytes]:
    """All output files of a budget run except ``run.json`` (which the service adds)."""
    ids = [c.community_id for c in result.communities]
    periods = [f"{result.year}-{m:02d}" for m in range(1, 13)] + [f"{result.year}-YE"]
    rows = community_statements(result.ledger.lines, ids, periods)
    statement = csv_bytes(
        [
            "community_id",
            "period",
            "opening",
            *COLUMNS,
            "out_of_county_charged",
            "closing",
            "quota_remaining",
        ],
        (
            [
                r.community_id,
                r.period,
                r.opening,
                *r.movements.values(),
                r.out_of_county_charged,
                r.closing,
                r.quota_remaining,
            ]
            for r in rows
        ),
    )
    files = {"ledger.csv": ledger_csv(result.ledger.lines), "statements.csv": statement}
    for name, items in (
        ("communities.csv", result.communities),
        ("assessments.csv", result.quarters),
        ("next_year_basis.csv", result.next_year),
        ("quota_basis.csv", result.bases),
    ):
        header, body = _dataclass_rows(list(items))
        files[name] = csv_bytes(header, body)
    files["balances.csv"] = csv_bytes(["account", "balance"], result.ledger.balances().items())
    return files
