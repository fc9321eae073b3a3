"""Where an indicator is meaningful: node levels, institution types, and the rows it counts.

Every indicator declares the node levels it is defined for (province … village, community,
institution) and, optionally, the institution types it is about (``institution_types``:
type codes or value sets such as ``@public_hospitals``). Outside them the engine answers
``not_applicable`` with the reason, in English and Chinese, and never a value.

At a community or a division an indicator about some institution types counts only those
institutions' rows (C12 at a county: the county hospitals, not the township centres), so its
value is the one an assessor reads for that group of institutions. Area measures
(population, residents' settlements) are not narrowed: they belong to the node's area.

A node's *residents* (`residents`) are those of its area: a division's own; for a community,
the townships where its members lie (the population of the member townships), so per-1,000
ratios and residents' settlements of a community no longer use the whole county.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from yigong.indicators.loader import Catalog
from yigong.indicators.periods import Period
from yigong.indicators.spec import Indicator, NodeLevel
from yigong.schema.codes import INSTITUTION_TYPE
from yigong.warehouse.hierarchy import (
    Area,
    Node,
    NodeKind,
    ResolvedNode,
    division_prefix,
)
from yigong.warehouse.protocol import Tables

__all__ = [
    "LEVEL_NAMES",
    "NodeFacts",
    "blocked_reason",
    "indicator_node",
    "institution_types",
    "node_facts",
    "residents",
]

#: level → (中文, English) for reasons and pages.
LEVEL_NAMES: dict[NodeLevel, tuple[str, str]] = {
    NodeLevel.PROVINCE: ("省", "province"),
    NodeLevel.CITY: ("市", "city"),
    NodeLevel.COUNTY: ("县", "county"),
    NodeLevel.TOWNSHIP: ("乡镇", "township"),
    NodeLevel.VILLAGE: ("村", "village"),
    NodeLevel.COMMUNITY: ("医共体", "medical community"),
    NodeLevel.INSTITUTION: ("医疗卫生机构", "institution"),
}

#: names of the value sets used as ``institution_types`` (others: their types' names).
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "public_hospitals": ("公立医院", "public hospitals"),
    "county_hospitals": ("县级医院", "county hospitals"),
    "primary_care": ("基层医疗卫生机构", "primary-care institutions"),
    "inpatient_institutions": ("设有住院床位的医疗卫生机构", "institutions with inpatient beds"),
    "hospitals": ("医院", "hospitals"),
}

_LEVEL_ORDER = (
    NodeLevel.PROVINCE,
    NodeLevel.CITY,
    NodeLevel.COUNTY,
    NodeLevel.TOWNSHIP,
    NodeLevel.VILLAGE,
    NodeLevel.COMMUNITY,
    NodeLevel.INSTITUTION,
)


@dataclass(frozen=True)
class NodeFacts:
    """What applicability needs to know about a node: its level and, for an institution, its
    registry attributes (type, level, grade, ownership)."""

    level: NodeLevel
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def institution_type(self) -> str | None:
        return self.attrs.get("institution_type")


def node_facts(tables: Tables, node: Node) -> NodeFacts:
    """The node's level (a division's from `admin_divisions`) and institution attributes."""
    if node.kind is NodeKind.COMMUNITY:
        return NodeFacts(NodeLevel.COMMUNITY)
    if node.kind is NodeKind.INSTITUTION:
        inst = tables.table("institutions")
        rows = (
            inst.filter(inst.institution_id == node.id)
            .select("institution_type", "level", "grade", "ownership")
            .to_pyarrow()
            .to_pylist()
        )
        attrs = {k: str(v) for k, v in rows[0].items()} if rows else {}
        return NodeFacts(NodeLevel.INSTITUTION, attrs)
    div = tables.table("admin_divisions")
    rows = div.filter(div.division_code == node.id).select("level").limit(1).to_pyarrow()
    level = rows.column("level")[0].as_py() if rows.num_rows else None
    if level not in {lv.value for lv in _LEVEL_ORDER}:
        level = _level_of_code(node.id)
    return NodeFacts(NodeLevel(level))


def _level_of_code(code: str) -> str:
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def institution_types(ind: Indicator, cat: Catalog) -> frozenset[str]:
    """The institution type codes an indicator is about (empty: every type)."""
    out: set[str] = set()
    for sel in ind.institution_types:
        if sel.startswith("@"):
            out |= set(cat.valuesets.get(sel[1:], []))
        else:
            out.add(sel)
    return frozenset(out)


def _types_text(ind: Indicator, lang: int) -> str:
    names = []
    for sel in ind.institution_types:
        if sel.startswith("@") and sel[1:] in GROUP_NAMES:
            names.append(GROUP_NAMES[sel[1:]][lang])
        elif sel.startswith("@"):
            names.append(sel[1:])
        else:
            names.append(INSTITUTION_TYPE.get(sel, (sel, sel))[lang])
    return ("、" if lang == 0 else ", ").join(names)


def _levels_text(levels: frozenset[NodeLevel], lang: int) -> str:
    chosen = [LEVEL_NAMES[lv][lang] for lv in _LEVEL_ORDER if lv in levels]
    return ("、" if lang == 0 else ", ").join(chosen)


def blocked_reason(
    ind: Indicator, cat: Catalog, facts: NodeFacts, period: Period
) -> tuple[str, str] | None:
    """Why the indicator is not applicable to this node and period: (English, 中文), or None."""
    levels = ind.node_levels
    here_en, here_zh = LEVEL_NAMES[facts.level][1], LEVEL_NAMES[facts.level][0]
    if facts.level not in levels:
        return (
            f"defined for {_levels_text(levels, 1)} nodes, not for a {here_en}",
            f"该指标适用于{_levels_text(levels, 0)}，不适用于{here_zh}",
        )
    types = institution_types(ind, cat)
    if facts.level is NodeLevel.INSTITUTION and types and facts.institution_type not in types:
        kind = facts.institution_type or ""
        kind_zh, kind_en = INSTITUTION_TYPE.get(kind, (kind or "未知类型", kind or "unknown type"))
        return (
            f"about {_types_text(ind, 1)}, not a {kind_en}",
            f"该指标针对{_types_text(ind, 0)}，不适用于{kind_zh}",
        )
    if period.type not in ind.period_types:
        allowed_en = ", ".join(p.value for p in ind.period_types)
        zh = {"year": "年度", "quarter": "季度", "month": "月度"}
        allowed_zh = "、".join(zh[p.value] for p in ind.period_types)
        return (
            f"defined for {allowed_en} periods, not {period.type.value}",
            f"该指标按{allowed_zh}统计，不适用于{zh[period.type.value]}",
        )
    return None


def residents(tables: Tables, node: ResolvedNode) -> ResolvedNode:
    """The node with its area set to where its residents live.

    A community's residents are those of the townships where its members are located (the
    9-digit prefix of each member's division code; village clinics name their township too).
    A community without any member below the county keeps its county.
    """
    if node.node.kind is not NodeKind.COMMUNITY:
        return node
    inst = tables.table("institutions")
    ids = node.institutions
    codes = (
        inst.semi_join(ids, inst.institution_id == ids.institution_id)
        .select("division_code")
        .to_pyarrow()
        .column("division_code")
        .to_pylist()
    )
    towns = sorted({str(c)[:9] for c in codes if c is not None and len(str(c)) >= 9})
    if not towns:
        return node
    return replace(node, area=Area(tuple(towns), tuple(division_prefix(t) for t in towns)))


def indicator_node(
    tables: Tables, cat: Catalog, ind: Indicator, node: ResolvedNode
) -> ResolvedNode:
    """The node as the indicator counts it: at a community or division, only the institutions
    of the indicator's types (an institution node is already of the right type)."""
    types = institution_types(ind, cat)
    if not types or node.node.kind is NodeKind.INSTITUTION:
        return node
    return narrowed(tables, node, types)


def narrowed(tables: Tables, node: ResolvedNode, types: frozenset[str]) -> ResolvedNode:
    """The node keeping only its institutions of ``types``."""
    inst = tables.table("institutions")
    keep = inst.filter(inst.institution_type.isin(sorted(types))).select("institution_id")
    ids = node.institutions
    return replace(
        node, institutions=ids.semi_join(keep, ids.institution_id == keep.institution_id)
    )
