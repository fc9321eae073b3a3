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

Rows are aggregated on whole columns (codes normalised once per distinct label, sums of fen
in int64); the means, scores and coefficients — one per group or level — are ``Decimal`` in
the payment context (34 digits).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np

from yigong.payment.columns import Codes, encode, file_line
from yigong.payment.errors import PaymentInputError
from yigong.payment.fen_arrays import group_sum
from yigong.payment.policy_casemix import DipPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, divide, in_context

__all__ = [
    "DipCatalog",
    "DipGroup",
    "DipHistoricalCase",
    "DipHistoryColumns",
    "ProcedureKind",
    "build_catalog",
    "build_catalog_columns",
    "comprehensive_key",
    "core_key",
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


@dataclass(frozen=True, slots=True, eq=False)  # numpy fields: identity equality
class DipHistoryColumns:
    """Historical cases as columns (costs in fen; text as codes)."""

    year: np.ndarray
    institution: Codes
    level: Codes
    diagnosis: Codes
    procedure: Codes
    kind: Codes
    cost_fen: np.ndarray
    source: str = "dip_history.csv"
    lines: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.cost_fen)

    @classmethod
    def from_records(
        cls, history: Sequence[DipHistoricalCase], source: str = "dip_history.csv"
    ) -> DipHistoryColumns:
        return cls(
            np.array([h.year for h in history], dtype=np.int64),
            Codes.of([h.institution_id for h in history]),
            Codes.of([h.level for h in history]),
            Codes.of([h.diagnosis for h in history]),
            Codes.of([h.procedure for h in history]),
            Codes.of([str(h.procedure_kind) for h in history]),
            np.array([h.cost.fen for h in history], dtype=np.int64),
            source,
            np.arange(2, len(history) + 2, dtype=np.int64),
        )

    def __iter__(self) -> Iterator[DipHistoricalCase]:
        """The historical cases as records, in column order."""
        cols = (self.institution, self.level, self.diagnosis, self.procedure, self.kind)
        inst, lv, dx, pr, kind = (list(x.values()) for x in cols)
        for i in range(len(self)):
            yield DipHistoricalCase(int(self.year[i]), inst[i], lv[i], dx[i], pr[i],
                                    ProcedureKind(kind[i]), Money.from_fen(int(self.cost_fen[i])))  # fmt: skip

    def canonical_rows(self) -> list[list[str]]:
        """Every historical case as text (for the run's input hash)."""
        cols = (self.institution, self.level, self.diagnosis, self.procedure, self.kind)
        texts = [list(x.values()) for x in cols]
        return [
            [str(int(self.year[i])), *(t[i] for t in texts),
             str(Money.from_fen(int(self.cost_fen[i])))]
            for i in range(len(self))
        ]  # fmt: skip


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


def comprehensive_key(diagnosis: str, kind: ProcedureKind | str) -> str:
    return f"{dx3(diagnosis)}|{ProcedureKind(kind).value}"


def group_keys(
    diagnosis: Codes, procedure: Codes, kind: Codes
) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Per row: the index of its core key and of its comprehensive key, with the key texts.

    Codes are normalised once per distinct label, never per row."""
    core_text: dict[str, int] = {}
    dx_parts = [dx4(d) for d in diagnosis.labels]
    pr_parts = [norm_code(p) or "-" for p in procedure.labels]
    n_pr = len(procedure.labels)
    pair = diagnosis.index * n_pr + procedure.index
    uniq, inv = encode(pair)
    core_of_pair = np.empty(len(uniq), dtype=np.int64)
    for i, k in enumerate(uniq.tolist()):
        d, p = divmod(k, n_pr)
        core_of_pair[i] = core_text.setdefault(f"{dx_parts[d]}|{pr_parts[p]}", len(core_text))
    comp_text: dict[str, int] = {}
    dx3_parts = [dx3(d) for d in diagnosis.labels]
    kinds = [ProcedureKind(k).value for k in kind.labels]
    n_k = len(kind.labels)
    cpair = diagnosis.index * n_k + kind.index
    cuniq, cinv = encode(cpair)
    comp_of_pair = np.empty(len(cuniq), dtype=np.int64)
    for i, k in enumerate(cuniq.tolist()):
        d, t = divmod(k, n_k)
        comp_of_pair[i] = comp_text.setdefault(f"{dx3_parts[d]}|{kinds[t]}", len(comp_text))
    return core_of_pair[inv], list(core_text), comp_of_pair[cinv], list(comp_text)


def _weighted_means(sums: np.ndarray, counts: np.ndarray, weights: list[Decimal]) -> list[Decimal]:
    """Per row of (rows × years) sums (fen) and counts: Σ w·(sum ÷ n) ÷ Σ w over years with cases."""
    out = []
    for s_row, n_row in zip(sums.tolist(), counts.tolist(), strict=True):
        num, den = Decimal(0), Decimal(0)
        for s, n, w in zip(s_row, n_row, weights, strict=True):
            if n:
                num += w * divide(Decimal(s).scaleb(-2, CONTEXT), n)
                den += w
        out.append(divide(num, den))
    return out


def _window_issues(h: DipHistoryColumns, window: list[int]) -> list[Issue]:
    bad = np.flatnonzero(~np.isin(h.year, window))
    return [
        Issue(Level.ERROR, "dip.history.year",
              f"year {int(h.year[r])} outside the window {window}", h.source,
              file_line(h.lines, int(r)), "year")
        for r in bad[:20]
    ]  # fmt: skip


@in_context
def build_catalog_columns(history: DipHistoryColumns, year: int, policy: DipPolicy) -> DipCatalog:
    """Build the catalogue for settlement year ``year`` from the preceding years' cases."""
    n_years = len(policy.year_weights)
    window = [year - n_years + i for i in range(n_years)]
    bad = _window_issues(history, window)
    if bad:
        raise PaymentInputError(bad)
    if not len(history):
        raise PaymentInputError(
            [Issue(Level.ERROR, "dip.history.empty", "no historical cases", history.source)]
        )
    negative = np.flatnonzero(history.cost_fen < 0)
    if len(negative):
        raise PaymentInputError(
            [Issue(Level.ERROR, "dip.history.cost", "cost must be >= 0", history.source,
                   file_line(history.lines, int(r)), "cost") for r in negative[:20]]
        )  # fmt: skip
    y = history.year - window[0]
    core_idx, core_text, comp_idx, comp_text = group_keys(
        history.diagnosis, history.procedure, history.kind
    )
    core_counts = np.bincount(core_idx, minlength=len(core_text))
    is_core = core_counts[core_idx] >= policy.core_threshold
    # group ids: one per core key that reaches the threshold, one per comprehensive key used
    names: list[tuple[str, str]] = []
    core_gid = np.full(len(core_text), -1, dtype=np.int64)
    for k in np.flatnonzero(core_counts >= policy.core_threshold).tolist():
        core_gid[k] = len(names)
        names.append(("core", core_text[k]))
    used_comp = np.unique(comp_idx[~is_core])
    comp_gid = np.full(len(comp_text), -1, dtype=np.int64)
    for k in used_comp.tolist():
        comp_gid[k] = len(names)
        names.append(("comprehensive", comp_text[k]))
    gid = np.where(is_core, core_gid[core_idx], comp_gid[comp_idx])
    cells = gid * n_years + y
    sums = group_sum(cells, history.cost_fen, len(names) * n_years).reshape(-1, n_years)
    counts = np.bincount(cells, minlength=len(names) * n_years).reshape(-1, n_years)
    weights = list(policy.year_weights)
    means = _weighted_means(sums, counts, weights)
    year_sums = sums.sum(axis=0, keepdims=True)
    year_counts = counts.sum(axis=0, keepdims=True)
    big_m = _weighted_means(year_sums, year_counts, weights)[0]
    score_q = Decimal(1).scaleb(-policy.score_decimals, CONTEXT)
    groups: dict[str, DipGroup] = {}
    for g in sorted(range(len(names)), key=lambda i: names[i]):
        kind, key = names[g]
        score = CONTEXT.multiply(divide(means[g], big_m), policy.score_scale).quantize(
            score_q, rounding=ROUND_HALF_UP
        )
        dkey, pkey = key.split("|")
        group_id = f"{kind[:4]}:{key}"
        groups[group_id] = DipGroup(
            group_id, kind, dkey, pkey, int(counts[g].sum()), means[g], score
        )
    coefs = _coefficients(history, y, n_years, weights, big_m, gid, means, policy)
    core_keys = frozenset(core_text[k] for k in np.flatnonzero(core_gid >= 0).tolist())
    return DipCatalog(tuple(window), big_m, groups, coefs, core_keys)


@in_context
def build_catalog(history: Sequence[DipHistoricalCase], year: int, policy: DipPolicy) -> DipCatalog:
    """:func:`build_catalog_columns` for record cases (a bundle, a test)."""
    return build_catalog_columns(DipHistoryColumns.from_records(history), year, policy)


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
    h: DipHistoryColumns,
    y: np.ndarray,
    n_years: int,
    weights: list[Decimal],
    big_m: Decimal,
    gid: np.ndarray,
    means: list[Decimal],
    policy: DipPolicy,
) -> dict[str, Decimal]:
    q = Decimal(1).scaleb(-policy.coefficient_decimals, CONTEXT)
    if policy.coefficient_method == "fixed":
        return dict(policy.fixed_coefficients)
    n_lv = len(h.level.labels)
    if policy.coefficient_method == "by_level":
        cells = h.level.index * n_years + y
        sums = group_sum(cells, h.cost_fen, n_lv * n_years).reshape(-1, n_years)
        counts = np.bincount(cells, minlength=n_lv * n_years).reshape(-1, n_years)
        level_means = _weighted_means(sums, counts, weights)
        return {
            lv: divide(level_means[k], big_m).quantize(q, rounding=ROUND_HALF_UP)
            for k, lv in sorted(enumerate(h.level.labels), key=lambda kv: kv[1])
        }
    actual = group_sum(h.level.index, h.cost_fen, n_lv)
    n_groups = len(means)
    per_cell = np.bincount(h.level.index * n_groups + gid, minlength=n_lv * n_groups)
    per_cell = per_cell.reshape(n_lv, n_groups)
    out = {}
    for k, lv in sorted(enumerate(h.level.labels), key=lambda kv: kv[1]):
        expected = sum(
            (CONTEXT.multiply(Decimal(int(c)), means[g])
             for g, c in enumerate(per_cell[k].tolist()) if c),
            Decimal(0),
        )  # fmt: skip
        out[lv] = divide(Decimal(int(actual[k])).scaleb(-2, CONTEXT), expected).quantize(
            q, rounding=ROUND_HALF_UP
        )
    return out
