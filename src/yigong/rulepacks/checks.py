"""A registry of small named checks, run by one function.

An engine declares one ``Checks`` registry per thing it validates (an indicator catalog, a
payment policy, a budget input bundle …) and registers each rule as a small function::

    POLICY_CHECKS = Checks("payment-policy")

    @POLICY_CHECKS.check("reserves.sum")
    def reserves_leave_money(policy: Policy) -> Iterator[Issue]:
        "Reserve shares sum below 1."
        ...

``run_checks(POLICY_CHECKS, policy)`` runs them in registration order and returns every issue.
A check's docstring is its one-line description (``yigong packs checks`` lists them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from yigong.rulepacks.issues import Issue

__all__ = ["Check", "Checks", "run_checks"]

T = TypeVar("T")


@dataclass(frozen=True)
class Check(Generic[T]):
    """One named check: ``fn(subject)`` yields the issues it finds."""

    code: str
    fn: Callable[[T], Iterable[Issue]]

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip().splitlines()[0] if self.fn.__doc__ else ""


@dataclass
class Checks(Generic[T]):
    """The checks of one kind of subject, in registration order."""

    subject: str
    items: list[Check[T]] = field(default_factory=list)

    def check(
        self, code: str
    ) -> Callable[[Callable[[T], Iterable[Issue]]], Callable[[T], Iterable[Issue]]]:
        """Register the decorated function as the check named ``code``."""

        def register(fn: Callable[[T], Iterable[Issue]]) -> Callable[[T], Iterable[Issue]]:
            if any(c.code == code and c.fn.__name__ == fn.__name__ for c in self.items):
                raise ValueError(f"check {code!r} ({fn.__name__}) registered twice")
            self.items.append(Check(code, fn))
            return fn

        return register

    def __iter__(self) -> Iterator[Check[T]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def run_checks(checks: Checks[T], subject: T) -> list[Issue]:
    """Every issue of every check of ``checks`` on ``subject``, in registration order."""
    out: list[Issue] = []
    for c in checks.items:
        out.extend(c.fn(subject))
    return out
