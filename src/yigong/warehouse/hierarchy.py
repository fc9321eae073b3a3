"""The two hierarchies, resolved as of a date: which institutions and which area a node covers.

A *node* is an institution (``inst:H001``), a medical community (``community:C1``) or an
administrative division at any level (``division:130423``). Resolving a node gives

- its **institution set**, an Ibis table with one column ``institution_id``:
  an institution is itself; a community is every institution whose membership
  (``community_memberships``) is valid on the date, whatever its role (lead, member,
  village clinic, affiliate); a division is every institution located in it
  (``institutions.division_code`` nests by prefix: 130423 ⊃ 130423100 ⊃ 130423100201);
- its **area**, the division codes whose residents it serves, used by population
  denominators and by residents' insurance settlements: a division is itself; a community
  is its county (``communities.county_code``) — when a county has several communities each
  one is compared with the whole county's population and residents; an institution has no
  area (regional indicators are not defined for one institution).

Division codes nest by prefix once the zero padding is cut: a province ``130000`` covers codes
starting ``13``, a city ``130400`` those starting ``1304``, a county ``130423`` those starting
``130423``; 9-digit townships and 12-digit villages are their own prefixes.

Only Ibis expressions are built here, so the same resolution runs on DuckDB and on PySpark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import ibis

from yigong.warehouse.protocol import Tables

__all__ = [
    "Area",
    "Node",
    "NodeKind",
    "ResolvedNode",
    "UnknownNode",
    "division_prefix",
    "division_rank",
    "institution_set",
    "parse_node",
    "resolve",
]


class NodeKind(StrEnum):
    INSTITUTION = "institution"
    COMMUNITY = "community"
    DIVISION = "division"


_PREFIXES = {
    "inst": NodeKind.INSTITUTION,
    "institution": NodeKind.INSTITUTION,
    "community": NodeKind.COMMUNITY,
    "division": NodeKind.DIVISION,
    "div": NodeKind.DIVISION,
}


class UnknownNode(LookupError):
    """A node id that does not exist (as of the date asked)."""


@dataclass(frozen=True)
class Node:
    """A node of either hierarchy, written ``kind:id``."""

    kind: NodeKind
    id: str

    def __str__(self) -> str:
        return f"{'inst' if self.kind is NodeKind.INSTITUTION else self.kind.value}:{self.id}"


def parse_node(text: str) -> Node:
    """Parse ``inst:H001``, ``community:C1`` or ``division:130423``.

    Without a prefix, a 6-, 9- or 12-digit number is a division; anything else is refused
    (ids of institutions and communities can look alike, so they need their prefix).
    """
    text = text.strip()
    if ":" in text:
        prefix, _, ident = text.partition(":")
        kind = _PREFIXES.get(prefix.lower())
        if kind is None or not ident:
            raise ValueError(
                f"node {text!r}: expected inst:<id>, community:<id> or division:<code>"
            )
        return Node(kind, ident)
    if text.isdigit() and len(text) in (6, 9, 12):
        return Node(NodeKind.DIVISION, text)
    raise ValueError(
        f"node {text!r}: write inst:{text} or community:{text} (only division codes need no prefix)"
    )


_LEVEL_PREFIX = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


def division_prefix(code: str, level: str | None = None) -> str:
    """The prefix every code inside the division starts with (``130400`` → ``1304``)."""
    if level in _LEVEL_PREFIX:
        return code[: _LEVEL_PREFIX[level]]
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


@dataclass(frozen=True)
class Area:
    """The division codes a node serves (``codes``) and the prefixes that nest inside them."""

    codes: tuple[str, ...]
    prefixes: tuple[str, ...]

    def contains(self, column: ibis.Value) -> ibis.Value:
        """Whether a division-code column lies inside the area (prefix match)."""
        conds = [column.startswith(p) for p in self.prefixes]
        out = conds[0]
        for c in conds[1:]:
            out = out | c
        return out

    def exactly(self, column: ibis.Value) -> ibis.Value:
        """Whether a division-code column is one of the area's own codes."""
        return column.isin(list(self.codes))


def division_rank(column: ibis.Value) -> ibis.Value:
    """Level of a division code as a number: province 0, city 1, county 2, township 3, village 4.

    Used to keep, among rows inside an area, only those of the highest level present (a
    city's own population row if there is one, otherwise its counties' rows), so stocks such
    as population are never counted twice across levels.
    """
    n = column.length()
    return ibis.cases(
        (n == 12, 4), (n == 9, 3), (column.endswith("0000"), 0), (column.endswith("00"), 1), else_=2
    )


@dataclass(frozen=True)
class ResolvedNode:
    """A node resolved as of a date: its name, institution set and area (None: no area)."""

    node: Node
    as_of: date
    name: str
    institutions: ibis.Table
    area: Area | None


def _valid_on(t: ibis.Table, as_of: date) -> ibis.Value:
    return (t.valid_from <= as_of) & (t.valid_to.isnull() | (t.valid_to >= as_of))


def institution_set(tables: Tables, node: Node, as_of: date, prefix: str = "") -> ibis.Table:
    """The institutions of ``node`` on ``as_of`` as a one-column table ``institution_id``."""
    inst = tables.table("institutions")
    if node.kind is NodeKind.INSTITUTION:
        return inst.filter(inst.institution_id == node.id).select("institution_id")
    if node.kind is NodeKind.COMMUNITY:
        mem = tables.table("community_memberships")
        mem = mem.filter((mem.community_id == node.id) & _valid_on(mem, as_of))
        return mem.select("institution_id").distinct()
    return inst.filter(inst.division_code.startswith(prefix or division_prefix(node.id))).select(
        "institution_id"
    )


def _rows(expr: ibis.Table) -> list[dict[str, object]]:
    return expr.to_pyarrow().to_pylist()


def resolve(tables: Tables, node: Node, as_of: date) -> ResolvedNode:
    """Check that ``node`` exists on ``as_of`` and build its institution set and area."""
    if node.kind is NodeKind.INSTITUTION:
        inst = tables.table("institutions")
        rows = _rows(inst.filter(inst.institution_id == node.id).select("name_zh"))
        if not rows:
            raise UnknownNode(f"no institution {node.id!r}")
        return ResolvedNode(
            node, as_of, str(rows[0]["name_zh"]), institution_set(tables, node, as_of), None
        )
    if node.kind is NodeKind.COMMUNITY:
        com = tables.table("communities")
        rows = _rows(com.filter(com.community_id == node.id).select("name_zh", "county_code"))
        if not rows:
            raise UnknownNode(f"no medical community {node.id!r}")
        county = str(rows[0]["county_code"])
        area = Area((county,), (division_prefix(county, "county"),))
        return ResolvedNode(
            node, as_of, str(rows[0]["name_zh"]), institution_set(tables, node, as_of), area
        )
    div = tables.table("admin_divisions")
    rows = _rows(
        div.filter((div.division_code == node.id) & _valid_on(div, as_of)).select(
            "name_zh", "level"
        )
    )
    if not rows:
        raise UnknownNode(f"no administrative division {node.id!r} valid on {as_of}")
    prefix = division_prefix(node.id, str(rows[0]["level"]))
    return ResolvedNode(
        node,
        as_of,
        str(rows[0]["name_zh"]),
        institution_set(tables, node, as_of, prefix),
        Area((node.id,), (prefix,)),
    )
