"""A user's scope: the institutions under their nodes, and which nodes they may ask about.

Nodes resolve through `yigong.warehouse.hierarchy` as of today. A requested node is inside the
scope when it nests in one of the user's nodes:

- an institution: it is one of the scope's institutions;
- a medical community: the user holds it, or its county lies inside one of the user's
  divisions, or (for a user holding institutions) every one of its institutions is in scope
  and it has at least one;
- a division: it nests (by code prefix) inside one of the user's divisions.

Anything else is refused with 403, including nodes that do not exist (no probing): a division
whose code nests in the user's but that is not in the hierarchy today is refused too.

`validate_nodes` is what user administration uses: every node of a user must exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from yigong.access.redact import Redactor
from yigong.access.users import UserError
from yigong.warehouse.hierarchy import (
    Node,
    NodeKind,
    UnknownNode,
    division_prefix,
    parse_node,
    resolve,
)
from yigong.warehouse.protocol import Tables

__all__ = ["Scope", "resolve_scope", "validate_nodes"]


@dataclass(frozen=True)
class Scope:
    """The user's nodes, the institution ids under them and the division prefixes they cover."""

    nodes: tuple[Node, ...]
    institutions: frozenset[str]
    division_prefixes: tuple[str, ...]
    communities: frozenset[str]
    all_institutions: frozenset[str]
    names: dict[str, str]  # institution id -> name_zh, every institution

    @property
    def hidden(self) -> frozenset[str]:
        """Ids and names of the institutions outside the scope (what no response may show)."""
        out = self.all_institutions - self.institutions
        return frozenset(out | {self.names[i] for i in out if self.names.get(i)})

    @cached_property
    def redactor(self) -> Redactor:
        """Redaction of everything outside the scope (`yigong.access.redact`), built once."""
        return Redactor(self.hidden)

    @property
    def covers_everything(self) -> bool:
        """Whether every institution of the warehouse is in scope (the data steward's view)."""
        return self.all_institutions <= self.institutions

    def allows(self, tables: Tables, node: Node, as_of: date) -> bool:
        if node.kind is NodeKind.INSTITUTION:
            return node.id in self.institutions
        if node.kind is NodeKind.DIVISION:
            if not any(
                node.id.startswith(p) and division_prefix(node.id).startswith(p)
                for p in self.division_prefixes
            ):
                return False
            try:  # nests by its code: it must also exist (130423000 is no township of 130423)
                resolve(tables, node, as_of)
            except UnknownNode:
                return False
            return True
        if node.id in self.communities:
            return True
        try:
            resolved = resolve(tables, node, as_of)
        except UnknownNode:
            return False
        if resolved.area and any(
            c.startswith(p) for c in resolved.area.codes for p in self.division_prefixes
        ):
            return True
        members = _ids(resolved.institutions)
        return bool(members) and members <= self.institutions


def _ids(table: object) -> frozenset[str]:
    rows = table.to_pyarrow().column("institution_id").to_pylist()  # type: ignore[attr-defined]
    return frozenset(str(r) for r in rows)


def resolve_scope(tables: Tables, nodes: tuple[str, ...], as_of: date) -> Scope:
    """Resolve a user's nodes (unknown nodes contribute nothing, never everything)."""
    parsed = tuple(parse_node(n) for n in nodes)
    institutions: set[str] = set()
    prefixes: list[str] = []
    communities: set[str] = set()
    for node in parsed:
        try:
            resolved = resolve(tables, node, as_of)
        except UnknownNode:
            continue
        institutions |= _ids(resolved.institutions)
        if node.kind is NodeKind.DIVISION and resolved.area:
            prefixes.extend(resolved.area.prefixes)
        if node.kind is NodeKind.COMMUNITY:
            communities.add(node.id)
    rows = tables.table("institutions").select("institution_id", "name_zh").to_pyarrow()
    names = {str(r["institution_id"]): str(r["name_zh"] or "") for r in rows.to_pylist()}
    return Scope(
        parsed,
        frozenset(institutions),
        tuple(prefixes),
        frozenset(communities),
        frozenset(names),
        names,
    )


def validate_nodes(tables: Tables, nodes: tuple[str, ...], as_of: date) -> None:
    """Refuse (`UserError`) any node that does not exist in the hierarchy on ``as_of``."""
    for text in nodes:
        try:
            resolve(tables, parse_node(text), as_of)
        except (UnknownNode, ValueError) as exc:
            raise UserError(f"node {text}: {exc}") from None
