"""Budget execution (预算执行): plan against actual by month, execution against time elapsed,
variance alerts, and each line's approval trail.

Rules (the ``budget`` section of the operations policy; 公立医院全面预算管理制度实施办法):

- a line's *adjusted* plan is its approved monthly plan plus every **approved** adjustment,
  spread over the months from the adjustment's effective month to December in proportion to
  the plan of those months (equally when they are all 0), to the fen; requested and rejected
  adjustments do not change the plan but stay in the trail;
- a month's variance is actual − adjusted plan, its rate variance ÷ plan; |rate| at or above
  ``monthly_variance.warn`` / ``.alert`` flags the month (months planned below ``min_plan``
  are not flagged);
- the execution rate to month *m* is the actuals of months 1…m ÷ the adjusted annual amount;
  time elapsed is m ÷ 12; |execution − elapsed| at or above ``cumulative_lag.warn`` / ``.alert``
  flags the line ("dual monitoring" of progress, [H]);
- for an expense line running over is the risk, for a revenue line running under; both
  directions are reported, with the direction named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from yigong.operations.policy import BudgetPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.codes_operations import is_revenue_account
from yigong.schema.money import Money, allocate
from yigong.schema.rounding import divide

__all__ = [
    "Adjustment",
    "Alert",
    "BudgetLine",
    "LineExecution",
    "MonthExecution",
    "TrailEntry",
    "execute_budget",
]

MONTHS = 12


@dataclass(frozen=True)
class BudgetLine:
    line_id: str
    institution_id: str
    department_id: str | None
    year: int
    account: str
    annual: Money
    plan: tuple[Money, ...]  # 12 months
    approved_on: date
    approved_by: str


@dataclass(frozen=True)
class Adjustment:
    adjustment_id: str
    line_id: str
    effective_month: int
    amount: Money  # signed
    status: str  # requested | approved | rejected
    reason: str
    requested_on: date
    requested_by: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class MonthExecution:
    month: int
    plan: Money  # adjusted
    actual: Money | None  # None: not reported yet
    variance: Money | None
    variance_rate: Decimal | None


@dataclass(frozen=True)
class Alert:
    line_id: str
    level: str  # warn | alert
    kind: str  # month | cumulative
    month: int
    direction: str  # over | under
    value: Decimal  # the variance rate, or execution − elapsed
    threshold: Decimal
    message: str


@dataclass(frozen=True)
class TrailEntry:
    """One step of a line's approval trail."""

    when: date
    what: str  # approved | adjustment requested | adjustment approved | adjustment rejected
    who: str | None
    amount: Money
    reference: str  # the approval document or the adjustment id
    note: str = ""


@dataclass(frozen=True)
class LineExecution:
    line: BudgetLine
    adjusted_annual: Money
    months: tuple[MonthExecution, ...]
    through_month: int  # the last month with an actual
    cumulative_actual: Money
    execution_rate: Decimal | None
    elapsed: Decimal
    alerts: tuple[Alert, ...]
    trail: tuple[TrailEntry, ...]

    @property
    def is_revenue(self) -> bool:
        return is_revenue_account(self.line.account)


@dataclass(frozen=True)
class BudgetExecution:
    lines: tuple[LineExecution, ...]
    issues: tuple[Issue, ...] = field(default=())

    @property
    def alerts(self) -> list[Alert]:
        return [a for x in self.lines for a in x.alerts]


def _adjusted(line: BudgetLine, approved: list[Adjustment]) -> list[Money]:
    plan = list(line.plan)
    for adj in sorted(approved, key=lambda a: (a.effective_month, a.adjustment_id)):
        months = list(range(adj.effective_month - 1, MONTHS))
        weights = [max(plan[m].fen, 0) for m in months]
        if not any(weights):
            weights = [1] * len(months)
        for m, part in zip(months, allocate(adj.amount, weights), strict=True):
            plan[m] = plan[m] + part
    return plan


def _rate(numerator: Money, denominator: Money) -> Decimal | None:
    if denominator.is_zero:
        return None
    return divide(numerator.amount, denominator.amount).quantize(Decimal("0.0001"))


def _level(value: Decimal, warn: Decimal, alert: Decimal) -> tuple[str, Decimal] | None:
    size = abs(value)
    if size >= alert:
        return "alert", alert
    if size >= warn:
        return "warn", warn
    return None


def _trail(line: BudgetLine, adjustments: list[Adjustment]) -> tuple[TrailEntry, ...]:
    out = [TrailEntry(line.approved_on, "approved", line.approved_by, line.annual, line.line_id)]
    for a in adjustments:
        out.append(TrailEntry(a.requested_on, "adjustment requested", a.requested_by, a.amount,
                              a.adjustment_id, f"{a.reason} ({a.status})"))  # fmt: skip
        if a.status in ("approved", "rejected") and a.decided_on is not None:
            out.append(TrailEntry(a.decided_on, f"adjustment {a.status}", a.decided_by, a.amount,
                                  a.adjustment_id))  # fmt: skip
    order = {"approved": 0, "adjustment requested": 1}
    return tuple(sorted(out, key=lambda t: (t.when, order.get(t.what, 2), t.reference)))


def _line_issues(line: BudgetLine, adjustments: list[Adjustment]) -> list[Issue]:
    out = []
    if len(line.plan) != MONTHS:
        out.append(Issue(Level.ERROR, "budget.plan", f"line {line.line_id}: plan has "
                         f"{len(line.plan)} months", "budget_lines", None, "plan"))  # fmt: skip
    elif Money.sum(list(line.plan)) != line.annual:
        out.append(Issue(Level.WARNING, "budget.plan",
                         f"line {line.line_id}: the monthly plan adds up to "
                         f"{Money.sum(list(line.plan))}, not the approved {line.annual}",
                         "budget_lines", None, "plan_m01"))  # fmt: skip
    for a in adjustments:
        if a.status == "approved" and a.decided_on is None:
            out.append(Issue(Level.WARNING, "budget.adjustment",
                             f"adjustment {a.adjustment_id} is approved without a decision date",
                             "budget_adjustments", None, "decided_on"))  # fmt: skip
    return out


def execute_budget(
    lines: Sequence[BudgetLine],
    adjustments: Iterable[Adjustment],
    actuals: Iterable[tuple[str, int, Money]],
    policy: BudgetPolicy,
    through_month: int | None = None,
) -> BudgetExecution:
    """Execution of every line up to ``through_month`` (default: each line's last month with an
    actual). ``actuals`` are (line id, month, amount)."""
    by_line: dict[str, list[Adjustment]] = defaultdict(list)
    known = {ln.line_id for ln in lines}
    issues: list[Issue] = []
    for a in adjustments:
        if a.line_id not in known:
            issues.append(Issue(Level.WARNING, "budget.adjustment", f"adjustment {a.adjustment_id}"
                                f" names unknown line {a.line_id}", "budget_adjustments"))  # fmt: skip
            continue
        by_line[a.line_id].append(a)
    got: dict[str, dict[int, Money]] = defaultdict(dict)
    for line_id, month, amount in actuals:
        if line_id in known:
            got[line_id][month] = got[line_id].get(month, Money.zero()) + amount
    out = []
    minimum = Money.of(policy.min_plan)
    mv, cl = policy.monthly_variance, policy.cumulative_lag
    for line in lines:
        adj = by_line.get(line.line_id, [])
        issues += _line_issues(line, adj)
        plan = _adjusted(line, [a for a in adj if a.status == "approved"])
        adjusted_annual = Money.sum(plan)
        reported = got.get(line.line_id, {})
        last = through_month or max(reported, default=0)
        months, alerts = [], []
        for m in range(1, MONTHS + 1):
            actual = reported.get(m) if m <= last else None
            variance = actual - plan[m - 1] if actual is not None else None
            rate = _rate(variance, plan[m - 1]) if variance is not None else None
            months.append(MonthExecution(m, plan[m - 1], actual, variance, rate))
            if rate is not None and plan[m - 1] >= minimum:
                hit = _level(rate, mv.warn, mv.alert)
                if hit:
                    direction = "over" if rate > 0 else "under"
                    alerts.append(Alert(line.line_id, hit[0], "month", m, direction, rate, hit[1],
                                        f"month {m}: actual {actual} vs plan {plan[m - 1]} "
                                        f"({rate:+.2%})"))  # fmt: skip
        cumulative = Money.sum([reported[m] for m in reported if m <= last])
        execution = _rate(cumulative, adjusted_annual)
        elapsed = divide(Decimal(last), Decimal(MONTHS)).quantize(Decimal("0.0001"))
        if execution is not None and last:
            lag = execution - elapsed
            hit = _level(lag, cl.warn, cl.alert)
            if hit:
                direction = "over" if lag > 0 else "under"
                alerts.append(Alert(line.line_id, hit[0], "cumulative", last, direction, lag,
                                    hit[1], f"executed {execution:.2%} of the year's budget "
                                    f"after {elapsed:.2%} of the year"))  # fmt: skip
        out.append(LineExecution(line, adjusted_annual, tuple(months), last, cumulative,
                                 execution, elapsed, tuple(alerts), _trail(line, adj)))  # fmt: skip
    return BudgetExecution(tuple(out), tuple(issues))
