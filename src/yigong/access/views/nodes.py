"""The two hierarchies as the cockpit navigates them: the node picker's tree (administrative
divisions and medical communities, with their institutions), breadcrumbs, a node's children
(what its overview ranks and maps) and the periods that hold data.

The hierarchy is read once per data version (`Hierarchy`, from `yigong.services.hierarchy`,
as of today) and asked in memory. What a user is shown of it follows the scope rule of
`yigong.access.scope`: an institution in the scope; a division nesting in one of the user's
divisions; a community the user holds, of a county inside their divisions, or all of whose
institutions are in scope. Ancestors outside the scope appear in breadcrumbs as plain names
(divisions and communities are public names; no institution outside the scope is named).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yigong.access.principal import Principal
from yigong.services import hierarchy as hierarchy_svc
from yigong.warehouse.hierarchy import Node, NodeKind, division_prefix

__all__ = [
    "Hierarchy",
    "breadcrumbs",
    "children",
    "hierarchy",
    "node_county",
    "periods",
    "picker_tree",
    "visible",
]

#: division levels, top down
LEVELS = ("province", "city", "county", "township", "village")


@dataclass(frozen=True)
class Hierarchy:
    """Divisions, communities and institutions valid today, indexed for the cockpit."""

    divisions: dict[str, dict[str, Any]]  # code -> {name_zh, level, parent_code}
    communities: dict[str, dict[str, Any]]  # id -> {name_zh, county_code}
    institutions: dict[str, dict[str, Any]]  # id -> {name_zh, institution_type, division_code, …}
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # community -> institutions
    sub: dict[str, tuple[str, ...]] = field(default_factory=dict)  # division -> child divisions

    @classmethod
    def build(
        cls,
        divisions: list[dict[str, Any]],
        communities: list[dict[str, Any]],
        institutions: list[dict[str, Any]],
    ) -> Hierarchy:
        divs = {d["division_code"]: d for d in divisions}
        sub: dict[str, list[str]] = {}
        for code, d in divs.items():
            if d.get("parent_code") in divs:
                sub.setdefault(d["parent_code"], []).append(code)
        members: dict[str, list[str]] = {}
        for i in institutions:
            if i.get("community_id"):
                members.setdefault(i["community_id"], []).append(i["institution_id"])
        return cls(
            divs,
            {c["community_id"]: c for c in communities},
            {i["institution_id"]: i for i in institutions},
            {k: tuple(v) for k, v in members.items()},
            {k: tuple(sorted(v)) for k, v in sub.items()},
        )

    def name(self, node: Node) -> str:
        if node.kind is NodeKind.DIVISION:
            return str(self.divisions.get(node.id, {}).get("name_zh", ""))
        if node.kind is NodeKind.COMMUNITY:
            return str(self.communities.get(node.id, {}).get("name_zh", ""))
        return str(self.institutions.get(node.id, {}).get("name_zh", ""))

    def level(self, node: Node) -> str:
        if node.kind is NodeKind.DIVISION:
            return str(self.divisions.get(node.id, {}).get("level", ""))
        return node.kind.value

    def located(self, code: str) -> list[str]:
        """Institutions located in the division ``code`` (prefix rule of the hierarchy)."""
        d = self.divisions.get(code)
        prefix = division_prefix(code, d["level"] if d else None)
        return sorted(
            i for i, r in self.institutions.items() if str(r["division_code"]).startswith(prefix)
        )

    def placed(self, code: str) -> list[str]:
        """Institutions whose division is exactly ``code`` (a county's own hospitals)."""
        return sorted(i for i, r in self.institutions.items() if r["division_code"] == code)


def hierarchy(p: Principal) -> Hierarchy:
    """The hierarchy as of today, read once per data version."""

    def build() -> Hierarchy:
        with p.state.tables() as wh:
            return Hierarchy.build(
                hierarchy_svc.divisions(wh),
                hierarchy_svc.communities(wh),
                hierarchy_svc.institution_list(wh),
            )

    return p.state.memo(("hierarchy",), build)  # type: ignore[no-any-return]


def visible(p: Principal, h: Hierarchy, node: Node) -> bool:
    """Whether ``node`` lies in the user's scope (the rule of `yigong.access.scope`, asked of the
    in-memory hierarchy: no query)."""
    s = p.scope
    if node.kind is NodeKind.INSTITUTION:
        return node.id in s.institutions
    if node.kind is NodeKind.DIVISION:
        return node.id in h.divisions and any(
            node.id.startswith(pre) and division_prefix(node.id).startswith(pre)
            for pre in s.division_prefixes
        )
    c = h.communities.get(node.id)
    if c is None:
        return False
    if node.id in s.communities:
        return True
    if any(str(c["county_code"]).startswith(pre) for pre in s.division_prefixes):
        return True
    members = set(h.members.get(node.id, ()))
    return bool(members) and members <= s.institutions


def _entry(h: Hierarchy, node: Node, p: Principal) -> dict[str, Any]:
    return {
        "node": str(node),
        "name": h.name(node),
        "level": h.level(node),
        "link": visible(p, h, node),
    }


def _division_path(h: Hierarchy, code: str) -> list[str]:
    path = []
    while code in h.divisions:
        path.append(code)
        code = h.divisions[code].get("parent_code") or ""
    return list(reversed(path))


def breadcrumbs(p: Principal, node: Node) -> list[dict[str, Any]]:
    """From the top of the hierarchy down to ``node``: each step's name and whether the user may
    open it. A community sits under its county, an institution under its community (if any,
    else under its division)."""
    h = hierarchy(p)
    steps: list[Node] = []
    if node.kind is NodeKind.DIVISION:
        steps = [Node(NodeKind.DIVISION, c) for c in _division_path(h, node.id)]
    elif node.kind is NodeKind.COMMUNITY:
        county = str(h.communities.get(node.id, {}).get("county_code", ""))
        steps = [Node(NodeKind.DIVISION, c) for c in _division_path(h, county)] + [node]
    else:
        inst = h.institutions.get(node.id, {})
        com = inst.get("community_id")
        if com and com in h.communities:
            steps = breadcrumbs_nodes(h, Node(NodeKind.COMMUNITY, com)) + [node]
        else:
            code = str(inst.get("division_code", ""))
            steps = [Node(NodeKind.DIVISION, c) for c in _division_path(h, code)] + [node]
    out = [_entry(h, n, p) for n in steps]
    # nothing above the user's scope is linked; names of outside institutions never appear
    return [e for e in out if e["link"] or not e["node"].startswith("inst:")]


def breadcrumbs_nodes(h: Hierarchy, node: Node) -> list[Node]:
    county = str(h.communities.get(node.id, {}).get("county_code", ""))
    return [Node(NodeKind.DIVISION, c) for c in _division_path(h, county)] + [node]


def children(p: Principal, node: Node, by: str = "admin") -> list[dict[str, Any]]:
    """The nodes one step below ``node`` that the user may open: a province's cities, a city's
    counties, a county's townships (``by="admin"``) or its medical communities
    (``by="community"``), a township's institutions, a community's member institutions."""
    h = hierarchy(p)
    kids: list[Node]
    if node.kind is NodeKind.DIVISION:
        level = h.level(node)
        if level == "county" and by == "community":
            kids = [
                Node(NodeKind.COMMUNITY, c)
                for c, r in h.communities.items()
                if r["county_code"] == node.id
            ]
        elif level == "township":
            kids = [Node(NodeKind.INSTITUTION, i) for i in h.located(node.id)]
        else:
            kids = [Node(NodeKind.DIVISION, c) for c in h.sub.get(node.id, ())]
            kids = [k for k in kids if h.level(k) != "village"]
    elif node.kind is NodeKind.COMMUNITY:
        kids = [Node(NodeKind.INSTITUTION, i) for i in sorted(h.members.get(node.id, ()))]
    else:
        kids = []
    return [_entry(h, k, p) for k in kids if visible(p, h, k)]


def node_county(p: Principal, node: Node) -> str:
    """The county (6-digit code) a node lies in ("" above the county level)."""
    h = hierarchy(p)
    if node.kind is NodeKind.DIVISION:
        return node.id[:6] if h.level(node) in ("county", "township", "village") else ""
    if node.kind is NodeKind.COMMUNITY:
        return str(h.communities.get(node.id, {}).get("county_code", ""))
    return str(h.institutions.get(node.id, {}).get("division_code", ""))[:6]


def _institution_rows(h: Hierarchy, ids: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "node": f"inst:{i}",
            "name": h.institutions[i]["name_zh"],
            "type": h.institutions[i]["institution_type"],
        }
        for i in ids
    ]


def picker_tree(p: Principal, query: str = "") -> dict[str, Any]:
    """The node picker: the divisions the user may open (province → township, each township with
    its institutions) and the medical communities (each with its member institutions); with
    ``query``, only the nodes whose name or id contains it (and the path to them)."""
    h = hierarchy(p)
    q = query.strip().lower()

    def hit(node: str, name: str) -> bool:
        return not q or q in name.lower() or q in node.lower()

    def division(code: str) -> dict[str, Any] | None:
        node = Node(NodeKind.DIVISION, code)
        kids = [
            division(c)
            for c in h.sub.get(code, ())
            if h.level(Node(NodeKind.DIVISION, c)) != "village"
        ]
        kept = [k for k in kids if k is not None]
        here = h.located(code) if h.level(node) == "township" else h.placed(code)
        insts = [
            r
            for r in _institution_rows(h, [i for i in here if i in p.scope.institutions])
            if hit(r["node"], r["name"])
        ]
        shown = visible(p, h, node)
        if not (kept or insts or (shown and hit(str(node), h.name(node)))):
            return None
        return {**_entry(h, node, p), "children": kept, "institutions": insts}

    roots = [
        c
        for c, d in h.divisions.items()
        if not d.get("parent_code") or d["parent_code"] not in h.divisions
    ]
    admin = [t for t in (division(c) for c in sorted(roots)) if t is not None]
    coms = []
    for cid in sorted(h.communities):
        node = Node(NodeKind.COMMUNITY, cid)
        members = [i for i in h.members.get(cid, ()) if i in p.scope.institutions]
        insts = [r for r in _institution_rows(h, sorted(members)) if hit(r["node"], r["name"])]
        if visible(p, h, node) and (insts or hit(str(node), h.name(node))) or insts:
            coms.append({**_entry(h, node, p), "institutions": insts})
    # institutions of the scope in no community and outside every shown division
    return {"query": query, "admin": admin, "communities": coms}


def periods(p: Principal) -> list[int]:
    """Years with data, newest first (the period picker offers each year, its quarters and
    months)."""

    def run() -> list[int]:
        with p.state.tables() as wh:
            return hierarchy_svc.years_with_data(wh)

    return p.state.memo(("years",), run)  # type: ignore[no-any-return]
