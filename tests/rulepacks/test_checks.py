"""The registry of named checks: registration order is report order; one function runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yigong.rulepacks import Checks, Issue, Level, error, errors_in, run_checks, warning


def test_checks_run_in_order_and_keep_every_issue() -> None:
    checks: Checks[list[int]] = Checks("numbers")

    @checks.check("negative")
    def no_negative(xs: list[int]) -> Iterator[Issue]:
        """No number is negative."""
        for i, x in enumerate(xs):
            if x < 0:
                yield error("negative", f"{x} < 0", "n.csv", i + 2, "x")

    @checks.check("big")
    def not_big(xs: list[int]) -> Iterator[Issue]:
        """Big numbers are suspicious."""
        yield from (warning("big", f"{x} is big") for x in xs if x > 100)

    found = run_checks(checks, [1, -2, 300, -4])
    assert [(i.code, i.line) for i in found] == [("negative", 3), ("negative", 5), ("big", None)]
    assert [i.code for i in errors_in(found)] == ["negative", "negative"]
    assert found[2].level is Level.WARNING
    assert [c.code for c in checks] == ["negative", "big"] and len(checks) == 2
    assert [c.doc for c in checks] == ["No number is negative.", "Big numbers are suspicious."]
    assert run_checks(checks, [5]) == []


def test_the_same_check_cannot_be_registered_twice() -> None:
    checks: Checks[int] = Checks("x")

    def once(_: int) -> Iterator[Issue]:
        yield from ()

    checks.check("once")(once)
    with pytest.raises(ValueError, match="registered twice"):
        checks.check("once")(once)
