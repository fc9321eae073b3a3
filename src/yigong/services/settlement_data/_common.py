"""Shared pieces of the warehouse builders: provenance records, errors, policy sections needed.

The rules by which county data becomes the budget's inputs (whom a community covers, level
keys, the per-capita standard, the quarterly score, DIP treatment types) are sections of the
payment policy pack, never constants here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import ibis

from yigong.payment.errors import PaymentInputError
from yigong.rulepacks import Issue, Level

__all__ = ["Provenance", "error", "fetch", "need"]

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Provenance:
    """How one input was derived: the rule in words and the figures behind it."""

    item: str
    rule: str
    figures: dict[str, str] = field(default_factory=dict)


def error(code: str, message: str, fld: str = "") -> PaymentInputError:
    return PaymentInputError([Issue(Level.ERROR, code, message, "warehouse", None, fld)])


def need(section: S | None, name: str) -> S:
    """A policy section a warehouse run needs, or an error naming it."""
    if section is None:
        raise error(
            "policy.section",
            f"the policy has no {name!r} section, which a run from the warehouse needs: copy it "
            "from the built-in pack henan-default",
            name,
        )
    return section


def fetch(expr: ibis.Table) -> list[dict[str, object]]:
    return expr.to_pyarrow().to_pylist()
