"""The evaluator: any set of indicators for any node × period, each result explaining itself.

A result carries the value, numerator, denominator and factor; the previous period's value
and the change; the binding target with its gap; and, for targeted indicators, the yearly
trajectory towards the deadline. Indicators that cannot be computed say why (wrong node level
or period type, or a capability such as the DRG grouper that the warehouse does not have yet)
instead of producing a number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from yigong.indicators.applicability import (
    NodeFacts,
    blocked_reason,
    indicator_node,
    institution_types,
    node_facts,
    residents,
)
from yigong.indicators.benchmarks import with_benchmark
from yigong.indicators.loader import Catalog
from yigong.indicators.periods import Period
from yigong.indicators.spec import Indicator, PeriodType
from yigong.indicators.targets import (
    TargetCheck,
    Trajectory,
    check,
    plausible_points,
    project,
    select_target,
)
from yigong.indicators.values import Computed, compute
from yigong.warehouse.hierarchy import Node, ResolvedNode, resolve
from yigong.warehouse.protocol import Tables

__all__ = ["Evaluation", "IndicatorResult", "Status", "available_capabilities", "evaluate"]


class Status(StrEnum):
    OK = "ok"
    NO_VALUE = "no_value"  # computed, but the denominator is zero or an input is missing
    NOT_APPLICABLE = "not_applicable"  # wrong node level or period type for this indicator
    NOT_COMPUTABLE = "not_computable"  # needs a capability the warehouse does not have yet


#: capability -> the table whose presence provides it.
CAPABILITY_TABLES = {"casemix": "drg_case_facts", "public_health": "ph_register"}


def available_capabilities(tables: Tables) -> frozenset[str]:
    """Capabilities whose tables exist in the warehouse (e.g. DRG results for ``casemix``)."""
    found = set()
    for cap, table in CAPABILITY_TABLES.items():
        try:
            tables.table(table)
        except Exception:  # noqa: BLE001 - any lookup failure means "not there"
            continue
        found.add(cap)
    return frozenset(found)


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator for one node and period, with everything needed to explain it."""

    indicator: str
    code: str
    name_zh: str
    name_en: str
    catalog: str
    edition: str
    node: str
    node_name: str
    period: str
    status: Status
    value: float | None = None
    numerator: int | Decimal | None = None
    denominator: int | Decimal | None = None
    factor: float = 1
    unit: str = ""
    decimals: int = 2
    display: str = "plain"
    direction: str = ""
    previous_period: str | None = None
    previous_value: float | None = None
    change: float | None = None
    target: TargetCheck | None = None
    trajectory: Trajectory | None = None
    parts: dict[str, int | Decimal] = field(default_factory=dict)
    note: str = ""
    note_zh: str = ""  # the reason in Chinese, for blocked statuses
    proxy: str = ""  # the stand-in the data model forces, and why (empty: official reading)
    proxy_zh: str = ""
    source: str = ""
    clause: str = ""

    def formatted(self) -> str:
        """The value as people read it (``12.35 %``, ``1 : 2.10``)."""
        if self.value is None:
            return "—"
        if self.display == "one_to_x":
            return f"1 : {self.value:.{self.decimals}f}"
        return f"{self.value:.{self.decimals}f}{' ' + self.unit if self.unit else ''}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (Decimals as strings)."""

        def conv(v: Any) -> Any:
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list | tuple):
                return [conv(x) for x in v]
            return v

        return cast(dict[str, Any], conv(asdict(self)))


@dataclass(frozen=True)
class Evaluation:
    node: ResolvedNode
    period: Period
    results: list[IndicatorResult]
    queries: int


def _blocked(
    ind: Indicator, cat: Catalog, facts: NodeFacts, period: Period, caps: frozenset[str]
) -> tuple[Status, str, str] | None:
    # not applicable (wrong level or period) wins over not computable (a missing table)
    why = blocked_reason(ind, cat, facts, period)
    if why is not None:
        return Status.NOT_APPLICABLE, why[0], why[1]
    missing = [r for r in ind.requires if r not in caps]
    if missing:
        tables = ", ".join(CAPABILITY_TABLES.get(m, m) for m in missing)
        return (
            Status.NOT_COMPUTABLE,
            f"needs {', '.join(missing)} results ({tables} table), not in the warehouse yet",
            _missing_zh(missing, tables),
        )
    return None


def _missing_zh(missing: list[str], tables: str) -> str:
    if missing == ["public_health"]:
        return f"需要先生成基本公卫管理结果（{tables}，yigong health build），仓库中尚无"
    return f"需要先生成病例组合结果（{tables}），仓库中尚无"


def _history(period: Period, years: int) -> list[Period]:
    last = period.year if period.type is PeriodType.YEAR else period.year - 1
    return [Period(y, PeriodType.YEAR) for y in range(last - years + 1, last + 1)]


def evaluate(
    tables: Tables,
    cat: Catalog,
    node: Node,
    period: Period,
    ids: list[str] | None = None,
    *,
    as_of: date | None = None,
    compare: bool = True,
    targets: bool = True,
    history_years: int = 5,
    capabilities: frozenset[str] | None = None,
) -> Evaluation:
    """Compute indicators (all by default) for ``node`` in ``period``.

    ``as_of`` fixes the hierarchy (default: the period's last day). ``compare`` adds the
    previous period and the change; ``targets`` adds the binding target, its gap and, from
    ``history_years`` of yearly values, the trajectory to the deadline.
    """
    resolved = residents(tables, resolve(tables, node, as_of or period.end))
    caps = available_capabilities(tables) if capabilities is None else capabilities
    chosen = [cat.indicator(i) for i in ids] if ids else list(cat.indicators.values())
    facts = node_facts(tables, node)
    blocked = {ind.id: _blocked(ind, cat, facts, period, caps) for ind in chosen}
    live = [ind for ind in chosen if blocked[ind.id] is None]
    by_ind = {ind.id: [t for t in cat.targets if t.indicator == ind.id] for ind in live}
    binding = (
        {
            i: with_benchmark(select_target(ts, node, period, facts.attrs), period.year)
            for i, ts in by_ind.items()
        }
        if targets
        else {}
    )
    wanted = [(ind, period) for ind in live]
    if compare:
        wanted += [(ind, period.previous()) for ind in live]
    hist = _history(period, history_years)
    wanted += [
        (ind, p)
        for ind in live
        if binding.get(ind.id) and PeriodType.YEAR in ind.period_types
        for p in hist
    ]
    unique = list({(ind.id, p): (ind, p) for ind, p in wanted}.values())
    values, queries = _compute_by_types(tables, cat, resolved, unique)
    results = []
    for ind in chosen:
        base: dict[str, Any] = dict(
            indicator=ind.id,
            code=ind.code,
            name_zh=ind.name_zh,
            name_en=ind.name_en,
            catalog=ind.catalog,
            edition=ind.edition,
            node=str(node),
            node_name=resolved.name,
            period=period.code,
            factor=ind.factor,
            unit=ind.unit,
            decimals=ind.decimals,
            display=ind.display,
            direction=ind.direction.value if ind.direction else "",
            proxy=ind.proxy,
            proxy_zh=ind.proxy_zh,
            source=ind.source,
            clause=ind.clause,
        )
        if (b := blocked[ind.id]) is not None:
            results.append(IndicatorResult(status=b[0], note=b[1], note_zh=b[2], **base))
            continue
        results.append(_result(ind, base, period, values, binding.get(ind.id), hist, compare))
    return Evaluation(resolved, period, results, queries)


def _compute_by_types(
    tables: Tables,
    cat: Catalog,
    node: ResolvedNode,
    wanted: list[tuple[Indicator, Period]],
) -> tuple[dict[tuple[str, Period], Computed], int]:
    """Values for every (indicator, period), one query per group of institution types (an
    indicator about county hospitals counts only their rows at a community or division)."""
    groups: dict[frozenset[str], list[tuple[Indicator, Period]]] = {}
    for ind, p in wanted:
        groups.setdefault(institution_types(ind, cat), []).append((ind, p))
    values: dict[tuple[str, Period], Computed] = {}
    queries = 0
    for items in groups.values():
        scoped = indicator_node(tables, cat, items[0][0], node)
        got, mv = compute(tables, cat, scoped, items)
        values.update(got)
        queries += mv.queries
    return values, queries


def _result(
    ind: Indicator,
    base: dict[str, Any],
    period: Period,
    values: dict[tuple[str, Period], Computed],
    tgt: Any,
    hist: list[Period],
    compare: bool,
) -> IndicatorResult:
    c = values[(ind.id, period)]
    prev = values.get((ind.id, period.previous())) if compare else None
    change = (
        (c.value - prev.value) if prev and prev.value is not None and c.value is not None else None
    )
    trajectory = None
    if tgt is not None and PeriodType.YEAR in ind.period_types:
        kept, left_out = plausible_points([(p.year, values[(ind.id, p)]) for p in hist])
        trajectory = project(kept, tgt, left_out)
    return IndicatorResult(
        status=Status.OK if c.value is not None else Status.NO_VALUE,
        value=c.value,
        numerator=c.numerator,
        denominator=c.denominator,
        previous_period=period.previous().code if compare else None,
        previous_value=prev.value if prev else None,
        change=change,
        target=check(tgt, c.value) if tgt is not None else None,
        trajectory=trajectory,
        parts=dict(c.parts),
        note=c.note,
        **base,
    )
