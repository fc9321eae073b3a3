"""``yigong ops``: hospital operations — department costs, DRG/DIP profit and loss, budgets, pay.

Thin commands over `yigong.services.operations` (+ `operations_pay`, `operations_rows`); every
command prints a table (or ``--json``) and saves every table of its result with ``-o FILE``
(``.xlsx``: one sheet per table; ``.csv``: the main table).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from yigong.operations import DEFAULT_POLICY
from yigong.operations.errors import OperationsInputError, OperationsPolicyError
from yigong.payment.errors import PaymentInputError, PolicyError

app = typer.Typer(
    help="Hospital operations: department costs (step-down), DRG/DIP profit and loss, budget "
    "execution, performance pay and its checks.",
    no_args_is_help=True,
)

T = TypeVar("T")
DbOpt = Annotated[Path, typer.Option("--db", help="The warehouse (DuckDB file).")]
YearOpt = Annotated[int, typer.Option(help="Year.")]
NodeOpt = Annotated[
    str, typer.Option(help="Node: division:CODE, community:ID or institution:ID (inst:ID).")
]
PolicyOpt = Annotated[
    str, typer.Option("--policy", help="Operations policy: built-in id or pack folder.")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Save every table: .xlsx (sheets) or .csv.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOpt = Annotated[int, typer.Option(help="Rows printed (all are saved with -o).")]


def _guard(action: Callable[[], T]) -> T:
    """Run a service call; bad input is one line per issue and exit 2, never a traceback."""
    try:
        return action()
    except (OperationsPolicyError, OperationsInputError, PolicyError, PaymentInputError) as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from exc
    except (FileNotFoundError, ValueError, KeyError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _node(text: str) -> str:
    return "institution:" + text.split(":", 1)[1] if text.startswith("inst:") else text


def _show(rows: list[dict[str, Any]], columns: list[str], limit: int, title: str = "") -> None:
    table = Table(title=title or None)
    for c in columns:
        table.add_column(c, justify="left" if c in ("key", "department", "institution",
                                                    "account_zh", "rule", "message") else "right")  # fmt: skip
    for row in rows[:limit]:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    Console().print(table)
    if len(rows) > limit:
        typer.echo(f"… {len(rows) - limit:,} more rows (save them with -o)")


def _finish(tables: dict[str, list[dict[str, Any]]], out: Path | None, as_json: bool) -> None:
    from yigong.services.operations_rows import write_tables  # lazy: start-up

    if as_json:
        typer.echo(json.dumps(tables, ensure_ascii=False, indent=2))
    if out is not None:
        _guard(lambda: write_tables(out, tables))
        typer.echo(f"written {out}", err=as_json)


@app.command()
def costs(
    db: DbOpt,
    node: NodeOpt,
    year: YearOpt,
    policy: PolicyOpt = DEFAULT_POLICY,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    limit: LimitOpt = 30,
) -> None:
    """Department costs after the step-down allocation (行政后勤 → 医疗辅助 → 医疗技术 → 临床),
    cost per bed-day, visit, discharge and examination; checks that totals are conserved."""
    from yigong.services.operations import cost_allocation  # lazy: start-up
    from yigong.services.operations_rows import allocation_tables

    report = _guard(lambda: cost_allocation(db, _node(node), year, policy=policy))
    tables = allocation_tables(report)
    if not as_json:
        clinical = [r for r in tables["departments"] if r["category"] == "clinical"]
        clinical.sort(key=lambda r: -float(r["full_total"]))
        _show(clinical, ["institution", "department", "direct_total", "full_total",
                         "from_administrative", "from_medical_support", "from_medical_technology"],
              limit, f"clinical departments {year}, full cost (yuan)")  # fmt: skip
        ok = not any(i.code == "allocation.conservation" for i in report.issues)
        typer.echo(f"direct costs {report.direct_total} = full costs {report.full_total} "
                   f"({'conserved to the fen' if ok else 'NOT CONSERVED'}); "
                   f"{sum(1 for i in report.issues if i.code == 'allocation.unallocated')} "
                   "sources not allocated")  # fmt: skip
    _finish(tables, out, as_json)


@app.command("explain-cost")
def explain_cost(
    department: Annotated[str, typer.Argument(help="Department id (departments.department_id).")],
    db: DbOpt,
    year: YearOpt,
    month: Annotated[int, typer.Option(help="Month 1–12.")],
    policy: PolicyOpt = DEFAULT_POLICY,
    as_json: JsonOpt = False,
) -> None:
    """The ledger lines moving cost into and out of one department in one month (rule,
    clause, driver, weight)."""
    from yigong.services.operations import allocation_ledger, cost_allocation  # lazy: start-up

    institution = department.split("-", 1)[0]
    report = _guard(lambda: cost_allocation(db, f"institution:{institution}", year,
                                            policy=policy))  # fmt: skip
    lines = allocation_ledger(report, department, month)
    if not lines:
        typer.echo(f"error: no allocation lines for {department} in {year}-{month:02d}", err=True)
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(lines, ensure_ascii=False, indent=2))
        return
    _show(lines, ["line", "account", "counterparty", "amount", "element", "driver", "weight",
                  "total_weight", "rule"], len(lines))  # fmt: skip


def _pnl_command(kind: str):  # noqa: ANN202 - builds the drg-pnl / dip-pnl commands
    def command(
        db: DbOpt,
        county: Annotated[str, typer.Option(help="County code (GB/T 2260).")],
        year: YearOpt,
        by: Annotated[str, typer.Option(help="group | department | doctor | institution")] = (
            "group"
        ),  # fmt: skip
        institution: Annotated[str | None, typer.Option(help="Only this institution.")] = None,
        worst: Annotated[int | None, typer.Option(help="Only the N worst-losing groups.")] = None,
        min_cases: Annotated[int, typer.Option(help="With --worst: at least this many cases.")] = 5,
        scheme: Annotated[str, typer.Option(help="DRG scheme (grouped in the warehouse).")] = (
            "chs-drg-1.1"
        ),  # fmt: skip
        scope: Annotated[str, typer.Option(help="DIP: dip (DIP-paid stays) or all_inpatient.")] = (
            "dip"
        ),  # fmt: skip
        payment_policy: Annotated[str, typer.Option(help="Payment policy id or folder.")] = (
            "henan-default"
        ),  # fmt: skip
        policy: PolicyOpt = DEFAULT_POLICY,
        out: OutOpt = None,
        as_json: JsonOpt = False,
        limit: LimitOpt = 20,
    ) -> None:
        from yigong.services import operations as svc  # lazy: start-up
        from yigong.services.operations_rows import pnl_table

        if kind == "drg":
            report = _guard(lambda: svc.drg_profit_and_loss(
                db, county, year, scheme=scheme, payment_policy=payment_policy, policy=policy))  # fmt: skip
        else:
            report = _guard(lambda: svc.dip_profit_and_loss(
                db, county, year, payment_policy=payment_policy, policy=policy, scope=scope))  # fmt: skip
        if worst is not None:
            if institution is None:
                typer.echo("error: --worst needs --institution", err=True)
                raise typer.Exit(2)
            rows = report.worst(institution, worst, min_cases)
        else:
            rows = _guard(lambda: report.rows(by, institution))
        table = pnl_table(report, rows, by_group=worst is not None or by == "group")
        recon = [{"check": i.code, "message": i.message} for i in report.reconciliation]
        tables = {"pnl": table, "reconciliation": recon or [{"check": "ok", "message": (
            f"payment {report.payment_total} = payment engine {report.engine_total}; cost "
            f"{report.case_cost_total} = Σ case costs")}]}  # fmt: skip
        if not as_json:
            _show(table, ["institution", "key", "cases", "payment", "cost", "profit",
                          "profit_per_case", "mean_los", "peer_los", "reference_los"], limit,
                  f"{kind.upper()} profit and loss {county} {year} by {by} (yuan)")  # fmt: skip
            for note in report.notes:
                typer.echo(note)
            for row in tables["reconciliation"]:
                typer.echo(f"reconciliation: {row['message']}")
        _finish(tables, out, as_json)
        if report.reconciliation:
            raise typer.Exit(1)

    command.__doc__ = (
        f"{kind.upper()} profit and loss: each {kind.upper()}-paid stay's case cost (step-down, "
        "then top-down to the stay) against the payment engine's payment; per group, "
        "department, doctor or institution, with LOS against peers; reconciled to the fen."
    )
    return command


app.command("drg-pnl")(_pnl_command("drg"))
app.command("dip-pnl")(_pnl_command("dip"))


@app.command()
def budget(
    db: DbOpt,
    node: NodeOpt,
    year: YearOpt,
    through_month: Annotated[int | None, typer.Option(help="Execution up to this month.")] = None,
    alerts_only: Annotated[bool, typer.Option(help="Only lines with an alert.")] = False,
    consolidated: Annotated[
        bool, typer.Option(help="The community's consolidated statement (--node community:ID).")
    ] = False,  # fmt: skip
    policy: PolicyOpt = DEFAULT_POLICY,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    limit: LimitOpt = 30,
) -> None:
    """Budget execution: plan vs actual by month, execution against time elapsed, variance
    alerts (thresholds in the policy), approval trails; or the consolidated statement."""
    from yigong.services import operations as svc  # lazy: start-up
    from yigong.services.operations_rows import budget_tables, consolidated_table

    if consolidated:
        if not node.startswith("community:"):
            typer.echo("error: --consolidated needs --node community:ID", err=True)
            raise typer.Exit(2)
        rows = _guard(lambda: svc.consolidated_budget(db, node, year, through_month=through_month,
                                                      policy=policy))  # fmt: skip
        table = consolidated_table(rows)
        if not as_json:
            _show(table, ["account_zh", "institutions", "approved", "adjusted", "executed",
                          "execution_rate"], limit, f"consolidated budget {node} {year} (yuan)")  # fmt: skip
        _finish({"consolidated": table}, out, as_json)
        return
    execution = _guard(lambda: svc.budget_execution(db, _node(node), year,
                                                    through_month=through_month, policy=policy))  # fmt: skip
    tables = budget_tables(execution, alerts_only)
    if not as_json:
        _show(tables["lines"], ["line_id", "account_zh", "department_id", "adjusted", "executed",
                                "execution_rate", "elapsed", "alerts"], limit,
              f"budget execution {node} {year} (yuan)")  # fmt: skip
        typer.echo(f"{len(tables['alerts']):,} alerts on {len(tables['lines']):,} lines")
    _finish(tables, out, as_json)


@app.command()
def pay(
    db: DbOpt,
    institution: Annotated[str, typer.Option(help="Institution id.")],
    year: YearOpt,
    policy: PolicyOpt = DEFAULT_POLICY,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    limit: LimitOpt = 30,
) -> None:
    """Distribute the institution's performance-pay envelope: appraisal coefficient, incentive
    pool, departments by points (workload, case weights, quality), staff by title; a ledger."""
    from yigong.services.operations_pay import pay_distribution  # lazy: start-up
    from yigong.services.operations_rows import distribution_tables

    dist = _guard(lambda: pay_distribution(db, institution, year, policy=policy))
    tables = distribution_tables(dist)
    if not as_json:
        s = tables["summary"][0]
        typer.echo(f"envelope {s['approved']} × {s['coefficient']} (appraisal {s['appraisal_score']}) "
                   f"= {s['distributable']}; items not by points {s['fixed_items_paid']}; "
                   f"pool {s['pool']}")  # fmt: skip
        _show(tables["departments"], ["department", "points", "quality", "pool", "staff"], limit)
        for issue in dist.issues:
            typer.echo(f"note: {issue.message}")
    _finish(tables, out, as_json)


@app.command("pay-checks")
def pay_checks_cmd(
    db: DbOpt,
    node: NodeOpt,
    year: YearOpt,
    policy: PolicyOpt = DEFAULT_POLICY,
    payment_policy: Annotated[str, typer.Option(help="Payment policy id or folder.")] = (
        "henan-default"
    ),  # fmt: skip
    out: OutOpt = None,
    as_json: JsonOpt = False,
    limit: LimitOpt = 40,
) -> None:
    """Pay against the distribution rules: township incentive, family-doctor share, GP income
    parity, fixed-salary share, personnel share against the national benchmark."""
    from yigong.services.operations_pay import pay_checks  # lazy: start-up
    from yigong.services.operations_rows import pay_check_table

    report = _guard(lambda: pay_checks(db, _node(node), year, policy=policy,
                                       payment_policy=payment_policy))  # fmt: skip
    table = pay_check_table(report)
    if not as_json:
        _show(table, ["rule", "institution", "subject", "numerator", "denominator", "value",
                      "requirement", "ok"], limit, f"pay checks {node} {year}")  # fmt: skip
    _finish({"checks": table}, out, as_json)
