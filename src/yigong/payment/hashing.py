"""Input hashing: a run records SHA-256 digests of its inputs and policy, so a statement can
be tied to exactly what produced it.

Digests are over a **canonical** form: sorted keys, money as fen-exact strings, and the rows of
every table sorted (a table is a set of rows: reordering the lines of a CSV file, or a query
returning them in another order, gives the same hash). A run records one digest per input file
it read (``input_files`` in ``run.json``; the tables a warehouse run builds are named like the
bundle files they stand for) and ``inputs_sha256`` over all of them, so a run that reads the DIP
files is tied to them too."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from yigong.payment.policy import Policy
from yigong.schema.money import Money

__all__ = ["canonical", "input_digests", "policy_sha256", "records_sha256"]


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(value: Any) -> Any:
    """A JSON-ready form of records: dataclasses → dicts, Money/Decimal → strings, and a
    sequence of records (a table) → its rows in sorted order."""
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    rows = getattr(value, "canonical_rows", None)
    if callable(rows):  # a column set: its rows as lists of text, sorted
        return sorted(rows(), key=_text)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        items = [canonical(v) for v in value]
        if value and all(dataclasses.is_dataclass(v) for v in value):
            return sorted(items, key=_text)
        return items
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    return value


def _digest(data: Any) -> str:
    return hashlib.sha256(_text(canonical(data)).encode("utf-8")).hexdigest()


def records_sha256(records: Any) -> str:
    return _digest(records)


def input_digests(parts: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """One digest per input file (name → its records) and the digest over all of them."""
    files = {name: _digest(part) for name, part in sorted(parts.items())}
    return _digest(files), files


def policy_sha256(policy: Policy) -> str:
    return _digest(policy.model_dump(mode="json"))
