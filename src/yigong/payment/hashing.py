"""Input hashing: a run records SHA-256 digests of its inputs and policy, so a statement can
be tied to exactly what produced it. Digests are over a canonical JSON form (sorted keys, money
as fen-exact strings), so the same records give the same hash whatever file they came from."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from yigong.payment.policy import Policy
from yigong.schema.money import Money

__all__ = ["canonical", "records_sha256", "policy_sha256"]


def canonical(value: Any) -> Any:
    """A JSON-ready form of records: dataclasses → dicts, Money/Decimal → strings."""
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    return value


def _digest(data: Any) -> str:
    text = json.dumps(canonical(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def records_sha256(records: Any) -> str:
    return _digest(records)


def policy_sha256(policy: Policy) -> str:
    return _digest(policy.model_dump(mode="json"))
