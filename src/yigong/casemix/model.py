"""The typed, in-memory view of a resolved pack that both grouping paths share.

``PackModel`` holds the tables as Python sets and records, in evaluation order. The
per-case interpreter (``explain.py``) reads it directly; the set-based batch engine
(``compile.py``) turns it into integer-coded bit tables.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from yigong.casemix.packs import Pack, load_pack
from yigong.casemix.tagexpr import TagExpr, parse_tag_expr

DEFAULT_NEWBORN_MAX_AGE_DAYS = 28


@dataclass(frozen=True)
class Mdc:
    """A major diagnostic category (主要诊断大类) with its entry rule and QY position."""

    mdc: str
    order: int
    entry_rule: str
    qy_enabled: bool
    qy_after_seq: int | None


@dataclass(frozen=True)
class Rule:
    """One ADRG entry rule row (``adrg.csv``) and its code lists."""

    rule_id: str
    adrg: str
    mdc: str
    seq: int
    kind: str
    name: str
    tag_expr: TagExpr | None
    newborn_max_age_days: int | None
    weight_min_g: int | None
    weight_max_g: int | None
    lists: dict[str, frozenset[str]] = field(hash=False)
    tags: dict[str, int] = field(hash=False)  # proc code -> tag (tagged_procedures)


@dataclass(frozen=True)
class Drg:
    """A DRG (病组) of an ADRG, tried in ``seq`` order, with its complication condition."""

    drg: str
    adrg: str
    seq: int
    condition: str
    name: str


@dataclass
class PackModel:
    """Everything the grouping algorithm needs from one resolved pack."""

    pack_id: str
    version: str
    mdcs: list[Mdc]
    mdc_dx: dict[str, frozenset[str]]
    trauma: dict[str, dict[str, str]]  # mdc -> code -> region
    mdc_px: dict[str, frozenset[str]]
    or_codes: frozenset[str]
    rules: dict[str, list[Rule]]  # mdc -> rules by seq
    drgs: dict[str, list[Drg]]  # adrg -> DRGs by seq
    complications: dict[str, tuple[str, str]]  # code -> (severity, exclusion table)
    principal_exclusions: dict[str, str]
    dx_names: dict[str, str]
    px_names: dict[str, str]
    dx_map: dict[str, str]
    px_map: dict[str, str]
    newborn_max_age_days: int

    def rules_in_order(self) -> list[Rule]:
        return [r for m in self.mdcs for r in self.rules.get(m.mdc, [])]


def _int(v: str) -> int | None:
    return int(v) if v != "" else None


def build_model(pack: Pack) -> PackModel:
    t = pack.tables
    mdcs = sorted(
        (
            Mdc(
                r["mdc"],
                int(r["order"]),
                r["entry_rule"],
                r["qy_enabled"] == "1",
                _int(r["qy_after_seq"]),
            )
            for r in t["mdc"].dicts()
        ),
        key=lambda m: m.order,
    )
    mdc_dx: dict[str, set[str]] = {m.mdc: set() for m in mdcs}
    trauma: dict[str, dict[str, str]] = {}
    for r in t["mdc_diagnoses"].dicts():
        mdc_dx.setdefault(r["mdc"], set()).add(r["code"])
        if r["trauma_region"]:
            trauma.setdefault(r["mdc"], {})[r["code"]] = r["trauma_region"]
    mdc_px: dict[str, set[str]] = {}
    for r in t["mdc_procedures"].dicts():
        mdc_px.setdefault(r["mdc"], set()).add(r["code"])
    lists: dict[str, dict[str, set[str]]] = {}
    tags: dict[str, dict[str, int]] = {}
    for r in t["adrg_codes"].dicts():
        lists.setdefault(r["rule_id"], {}).setdefault(r["list"], set()).add(r["code"])
        if r["tag"]:
            tags.setdefault(r["rule_id"], {}).setdefault(r["code"], int(r["tag"]))
    rules: dict[str, list[Rule]] = {}
    newborn = set()
    for r in t["adrg"].dicts():
        rid = r["rule_id"]
        rule = Rule(
            rid,
            r["adrg"],
            r["mdc"],
            int(r["seq"]),
            r["rule"],
            r["name"],
            parse_tag_expr(r["tag_expr"]) if r["tag_expr"] else None,
            _int(r["newborn_max_age_days"]),
            _int(r["weight_min_g"]),
            _int(r["weight_max_g"]),
            {k: frozenset(v) for k, v in lists.get(rid, {}).items()},
            tags.get(rid, {}),
        )
        if rule.newborn_max_age_days is not None:
            newborn.add(rule.newborn_max_age_days)
        rules.setdefault(rule.mdc, []).append(rule)
    for rs in rules.values():
        rs.sort(key=lambda x: x.seq)
    drgs: dict[str, list[Drg]] = {}
    for r in t["drg"].dicts():
        drgs.setdefault(r["adrg"], []).append(
            Drg(r["drg"], r["adrg"], int(r["seq"]), r["condition"], r["name"])
        )
    for ds in drgs.values():
        ds.sort(key=lambda d: d.seq)
    procs = t["procedures"].dicts()
    return PackModel(
        pack_id=pack.id,
        version=pack.version,
        mdcs=mdcs,
        mdc_dx={k: frozenset(v) for k, v in mdc_dx.items()},
        trauma=trauma,
        mdc_px={k: frozenset(v) for k, v in mdc_px.items()},
        or_codes=frozenset(r["code"] for r in procs if r["is_or_procedure"] == "1"),
        rules=rules,
        drgs=drgs,
        complications={
            r["code"]: (r["severity"], r["exclusion_table"]) for r in t["complications"].dicts()
        },
        principal_exclusions=dict(t["principal_exclusions"].rows),  # type: ignore[arg-type]
        dx_names=dict(t["diagnoses"].rows),  # type: ignore[arg-type]
        px_names={r["code"]: r["name"] for r in procs},
        dx_map=dict(t["diagnosis_map"].rows),  # type: ignore[arg-type]
        px_map=dict(t["procedure_map"].rows),  # type: ignore[arg-type]
        newborn_max_age_days=max(newborn) if newborn else DEFAULT_NEWBORN_MAX_AGE_DAYS,
    )


@functools.lru_cache(maxsize=8)
def pack_model(scheme: str) -> PackModel:
    """The model of a shipped pack by id (cached)."""
    return build_model(load_pack(scheme))
