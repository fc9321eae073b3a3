"""Run screening rules over a period: expressions from `evaluators`, flags that explain themselves."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from yigong.oversight.evaluators import EVALUATORS, MissingData
from yigong.oversight.periods import Period
from yigong.oversight.spec import Rule, RuleStatus
from yigong.warehouse.protocol import Tables

__all__ = ["Flag", "ScreenRun", "TableSources", "flag_id", "screen"]


def flag_id(rule_id: str, period: str, rows: list[str]) -> str:
    """Stable id of a flag: the same rule, period and rows give the same id on every run."""
    text = "\x1f".join([rule_id, period, *sorted(rows)])
    return "F" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:15]


@dataclass(frozen=True)
class Flag:
    """One suspicious case: the rule, its parameters, the triggering numbers, the rows behind it."""

    flag_id: str
    rule_id: str
    period: str
    entity: str
    entity_id: str
    institution_id: str | None
    severity: str
    value: float  # money at stake (yuan), for sampling by value
    deviation: float  # how far past the threshold (≥ 1 for ratio rules), for sampling by deviation
    numbers: dict[str, Any]
    params: dict[str, Any]
    rows: list[str]
    reason_en: str
    reason_zh: str


@dataclass
class ScreenRun:
    """Flags of one run and what could not be evaluated (with why)."""

    period: Period
    flags: list[Flag] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # rule id -> reason
    counts: dict[str, int] = field(default_factory=dict)  # rule id -> flags


class TableSources:
    """A warehouse's tables plus derived in-memory tables (``extras``)."""

    def __init__(self, tables: Tables, extras: dict[str, ir.Table] | None = None) -> None:
        self.tables = tables
        self.extras = dict(extras or {})
        self._names = set(tables.list_tables())

    def table(self, name: str) -> ir.Table:
        return self.extras[name] if name in self.extras else self.tables.table(name)

    def has_table(self, name: str) -> bool:
        return name in self.extras or name in self._names

    def list_tables(self) -> list[str]:
        return sorted(self._names | set(self.extras))


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if hasattr(value, "item"):
        return _clean(value.item())
    if value is not None and not isinstance(value, int | str | bool):
        return str(value)
    return value


def _format(template: str, values: dict[str, Any]) -> str:
    try:
        return template.format(**values)
    except (KeyError, ValueError, TypeError):
        return template + " " + ", ".join(f"{k}={v}" for k, v in values.items())


def rule_expression(rule: Rule, sources: Tables, period: Period) -> ir.Table:
    """The Ibis expression of one rule (not executed)."""
    ev = EVALUATORS[rule.evaluator]
    return ev.build(sources, ev.params.model_validate(rule.params), period)


def flags_from_rows(rule: Rule, period: Period, records: list[dict[str, Any]]) -> list[Flag]:
    ev = EVALUATORS[rule.evaluator]
    out = []
    for rec in records:
        numbers = {k: _clean(rec[k]) for k in ev.numbers}
        extra = {k: _clean(v) for k, v in rec.items() if k == "group"}
        rows = [str(r) for r in rec["rows"]]
        values = {**rule.params, **numbers, **extra}
        out.append(
            Flag(
                flag_id=flag_id(rule.id, period.label, rows),
                rule_id=rule.id,
                period=period.label,
                entity=rule.entity.value,
                entity_id=str(rec["entity_id"]),
                institution_id=rec["institution_id"],
                severity=rule.severity.value,
                value=float(rec["value"] or 0.0),
                deviation=float(rec["deviation"] or 0.0),
                numbers={**numbers, **extra},
                params=dict(rule.params),
                rows=rows,
                reason_en=_format(ev.reason_en, values),
                reason_zh=_format(ev.reason_zh, values),
            )
        )
    out.sort(key=lambda f: f.flag_id)
    return out


def screen(rules: list[Rule], sources: Tables, period: Period) -> ScreenRun:
    """Evaluate every active rule over ``period``; rules whose data is missing are reported."""
    run = ScreenRun(period)
    for rule in rules:
        if rule.status is RuleStatus.NEEDS_DATA:
            run.skipped[rule.id] = f"needs data: {rule.needs}"
            continue
        try:
            expr = rule_expression(rule, sources, period)
        except MissingData as exc:
            run.skipped[rule.id] = str(exc)
            continue
        records = expr.to_pyarrow().to_pylist()
        flags = flags_from_rows(rule, period, records)
        run.flags.extend(flags)
        run.counts[rule.id] = len(flags)
    return run
