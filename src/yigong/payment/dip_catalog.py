"""DIP local catalogue (病种目录库) built from historical settlements by the big-data method.

Source: payment research notes §5.2–5.4 ([S1] DIP technical specification, [S2] DIP 1.0).

* **Core groups (核心病种)**: principal diagnosis (ICD-10 医保版, first 4 characters without the
  dot) + principal procedure, whose case count over the history window is at or above
  ``dip.core_threshold``.
* **Comprehensive groups (综合病种)**: every other case, grouped by diagnosis category (first 3
  characters) + the attribute of the treatment (conservative / diagnostic / therapeutic /
  surgical).
* **Score (分值, 平均费用法)**: RWᵢ = mᵢ / M × ``score_scale`` (1000), where mᵢ is the group's
  mean cost and M the mean over all cases, each a time-weighted mean of yearly means
  (``year_weights`` 1:2:7, oldest to newest; a year without cases is left out and the weights
  of the others re-normalised). Rounded half-up to ``score_decimals``.
* **Hospital coefficient (医疗机构调节系数)**: ``by_level`` = time-weighted mean cost at a level ÷
  M ([S1 p.60]); ``by_level_casemix`` = a level's actual cost ÷ its expected cost Σ mᵢ (the
  same ratio after removing case mix); ``fixed`` = values from the policy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from yigong.payment.errors import PaymentInputError
from yigong.payment.policy_casemix import DipPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, divide

__all__ = [
    "DipCatalog",
    "DipGroup",
    "DipHistoricalCase",
    "ProcedureKind",
    "build_catalog",
    "dx3",
    "dx4",
    "norm_code",
]


class ProcedureKind(StrEnum):
    """Attribute of the treatment for comprehensive groups (综合病种的治疗方式属性)."""

    CONSERVATIVE = "conservative"  # 内科诊疗组 / 保守治疗
    DIAGNOSTIC = "diagnostic"  # 诊断性操作组
    THERAPEUTIC = "therapeutic"  # 治疗性操作组
    SURGICAL = "surgical"  # 相关手术组


@dataclass(frozen=True, slots=True)
class DipHistoricalCase:
    """One settled inpatient case of a past year (历史结算清单), cost in yuan."""

    year: int
    institution_id: str
    level: str
    diagnosis: str
    procedure: str
    procedure_kind: ProcedureKind
    cost: Money


@dataclass(frozen=True, slots=True)
class DipGroup:
    group_id: str
    kind: str  # "core" | "comprehensive"
    diagnosis_key: str
    procedure_key: str
    cases: int
    mean_cost: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class DipCatalog:
    base_years: tuple[int, ...]
    overall_mean: Decimal
    groups: dict[str, DipGroup]
    coefficients: dict[str, Decimal]
    core_keys: frozenset[str]


def norm_code(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def dx4(code: str) -> str:
    return norm_code(code)[:4]


def dx3(code: str) -> str:
    return norm_code(code)[:3]


def core_key(diagnosis: str, procedure: str) -> str:
    return f"{dx4(diagnosis)}|{norm_code(procedure) or '-'}"


def comprehensive_key(diagnosis: str, kind: ProcedureKind) -> str:
    return f"{dx3(diagnosis)}|{kind.value}"


class _YearMeans:
    """Per-year sums and counts, giving the 1:2:7 time-weighted mean."""

    def __init__(self) -> None:
        self.sums: dict[int, Decimal] = defaultdict(Decimal)
        self.counts: dict[int, int] = defaultdict(int)

    def add(self, year: int, cost: Decimal) -> None:
        self.sums[year] += cost
        self.counts[year] += 1

    def weighted_mean(self, weights: dict[int, Decimal]) -> Decimal:
        num, den = Decimal(0), Decimal(0)
        for year, w in weights.items():
            if self.counts.get(year):
                num += CONTEXT.multiply(w, divide(self.sums[year], self.counts[year]))
                den += w
        return divide(num, den)

    @property
    def cases(self) -> int:
        return sum(self.counts.values())


def build_catalog(
    history: tuple[DipHistoricalCase, ...], year: int, policy: DipPolicy
) -> DipCatalog:
    """Build the catalogue for settlement year ``year`` from the preceding years' cases."""
    n = len(policy.year_weights)
    weights = {year - n + i: w for i, w in enumerate(policy.year_weights)}
    bad = [
        Issue(
            Level.ERROR,
            "dip.history.year",
            f"year {h.year} outside the window {sorted(weights)}",
            "dip_history.csv",
            i + 2,
            "year",
        )
        for i, h in enumerate(history)
        if h.year not in weights
    ]
    if bad:
        raise PaymentInputError(bad)
    if not history:
        raise PaymentInputError(
            [Issue(Level.ERROR, "dip.history.empty", "no historical cases", "dip_history.csv")]
        )
    counts: dict[str, int] = defaultdict(int)
    for h in history:
        counts[core_key(h.diagnosis, h.procedure)] += 1
    core = frozenset(k for k, c in counts.items() if c >= policy.core_threshold)
    means: dict[tuple[str, str], _YearMeans] = defaultdict(_YearMeans)
    overall, by_level = _YearMeans(), defaultdict(_YearMeans)
    for h in history:
        key = core_key(h.diagnosis, h.procedure)
        gk = (
            ("core", key)
            if key in core
            else ("comprehensive", comprehensive_key(h.diagnosis, h.procedure_kind))
        )
        means[gk].add(h.year, h.cost.amount)
        overall.add(h.year, h.cost.amount)
        by_level[h.level].add(h.year, h.cost.amount)
    big_m = overall.weighted_mean(weights)
    score_q = Decimal(1).scaleb(-policy.score_decimals)
    groups = {}
    for (kind, key), ym in sorted(means.items()):
        mean = ym.weighted_mean(weights)
        score = CONTEXT.multiply(divide(mean, big_m), policy.score_scale).quantize(
            score_q, rounding=ROUND_HALF_UP
        )
        dkey, pkey = key.split("|")
        groups[f"{kind[:4]}:{key}"] = DipGroup(
            f"{kind[:4]}:{key}", kind, dkey, pkey, ym.cases, mean, score
        )
    coefs = _coefficients(history, weights, big_m, by_level, groups, core, policy)
    return DipCatalog(tuple(sorted(weights)), big_m, groups, coefs, core)


def group_id_for(
    diagnosis: str, procedure: str, kind: ProcedureKind, catalog: DipCatalog
) -> str | None:
    """The group a case falls in: core first, then comprehensive, else ``None`` (unmatched)."""
    key = core_key(diagnosis, procedure)
    if key in catalog.core_keys:
        return f"core:{key}"
    gid = f"comp:{comprehensive_key(diagnosis, kind)}"
    return gid if gid in catalog.groups else None


def _coefficients(
    history: tuple[DipHistoricalCase, ...],
    weights: dict[int, Decimal],
    big_m: Decimal,
    by_level: dict[str, _YearMeans],
    groups: dict[str, DipGroup],
    core: frozenset[str],
    policy: DipPolicy,
) -> dict[str, Decimal]:
    q = Decimal(1).scaleb(-policy.coefficient_decimals)
    if policy.coefficient_method == "fixed":
        return dict(policy.fixed_coefficients)
    if policy.coefficient_method == "by_level":
        return {
            lv: divide(ym.weighted_mean(weights), big_m).quantize(q, rounding=ROUND_HALF_UP)
            for lv, ym in sorted(by_level.items())
        }
    actual: dict[str, Decimal] = defaultdict(Decimal)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    catalog = DipCatalog((), big_m, groups, {}, core)
    for h in history:
        gid = group_id_for(h.diagnosis, h.procedure, h.procedure_kind, catalog)
        assert gid is not None
        actual[h.level] += h.cost.amount
        expected[h.level] += groups[gid].mean_cost
    return {
        lv: divide(actual[lv], expected[lv]).quantize(q, rounding=ROUND_HALF_UP)
        for lv in sorted(actual)
    }
