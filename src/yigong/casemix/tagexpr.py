"""Boolean tag expressions of ``tagged_procedures`` rules, e.g. ``(1 and 2) or (1 and 3 and 4)``.

Grammar (README 6.3): integers are tags; ``and`` binds tighter than ``or``; parentheses
group. Parsed once into a tiny tree, then evaluated either on a Python set of tags
(explain) or on NumPy boolean arrays, one per tag (batch).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

_TOKEN = re.compile(r"\s*(\(|\)|and\b|or\b|\d+)")

T = TypeVar("T")


@dataclass(frozen=True)
class TagExpr:
    """``op`` is ``tag`` (leaf, ``tag`` set), ``and`` or ``or`` (with ``args``)."""

    op: str
    tag: int = 0
    args: tuple[TagExpr, ...] = ()

    def tags(self) -> set[int]:
        if self.op == "tag":
            return {self.tag}
        return set().union(*(a.tags() for a in self.args))

    def evaluate(
        self, leaf: Callable[[int], T], and_: Callable[[T, T], T], or_: Callable[[T, T], T]
    ) -> T:
        if self.op == "tag":
            return leaf(self.tag)
        vals = [a.evaluate(leaf, and_, or_) for a in self.args]
        out = vals[0]
        for v in vals[1:]:
            out = and_(out, v) if self.op == "and" else or_(out, v)
        return out

    def to_text(self) -> str:
        if self.op == "tag":
            return str(self.tag)
        return "(" + f" {self.op} ".join(a.to_text() for a in self.args) + ")"

    def holds(self, present: set[int] | Mapping[int, bool]) -> bool:
        return self.evaluate(
            lambda t: t in present and (present[t] if isinstance(present, Mapping) else True),
            lambda a, b: a and b,
            lambda a, b: a or b,
        )


def parse_tag_expr(text: str) -> TagExpr:
    """Parse ``text``; raises ``ValueError`` naming the position of a syntax error."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"unexpected character at {pos} in {text!r}")
        tokens.append(m.group(1))
        pos = m.end()
    i = 0

    def peek() -> str | None:
        return tokens[i] if i < len(tokens) else None

    def take() -> str:
        nonlocal i
        if i >= len(tokens):
            raise ValueError(f"unexpected end of {text!r}")
        i += 1
        return tokens[i - 1]

    def parse_or() -> TagExpr:
        args = [parse_and()]
        while peek() == "or":
            take()
            args.append(parse_and())
        return args[0] if len(args) == 1 else TagExpr("or", args=tuple(args))

    def parse_and() -> TagExpr:
        args = [parse_atom()]
        while peek() == "and":
            take()
            args.append(parse_atom())
        return args[0] if len(args) == 1 else TagExpr("and", args=tuple(args))

    def parse_atom() -> TagExpr:
        tok = take()
        if tok == "(":
            inner = parse_or()
            if take() != ")":
                raise ValueError(f"missing ')' in {text!r}")
            return inner
        if tok.isdigit():
            return TagExpr("tag", tag=int(tok))
        raise ValueError(f"unexpected {tok!r} in {text!r}")

    expr = parse_or()
    if i != len(tokens):
        raise ValueError(f"trailing {tokens[i]!r} in {text!r}")
    return expr
