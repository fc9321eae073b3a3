"""``yigong settle``: medical-insurance settlement (医保结算) — global budget, DIP, DRG, per bed-day,
per head, day surgery, what-if, explain."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from yigong.cli.errors import validator_exit
from yigong.payment.errors import PaymentInputError, PolicyError
from yigong.payment.run_output import run_lock
from yigong.schema.money import Money
from yigong.services import settlement as service

app = typer.Typer(
    help="Medical-insurance settlement: global budget, DIP, DRG, per bed-day, per head, day "
    "surgery, policy what-if, explain.",
    no_args_is_help=True,
)

T = TypeVar("T")

BundleOpt = Annotated[
    Path, typer.Option("--inputs", "-i", help="Input bundle directory (see docs/payment.md).")
]
#: a bundle, or nothing when the inputs come from the warehouse (--db)
OptionalBundleOpt = Annotated[
    Path | None,
    typer.Option("--inputs", "-i", help="Input bundle directory (see docs/payment.md)."),
]
DbCountyOpt = Annotated[str | None, typer.Option(help="With --db: county code.")]
PolicyOpt = Annotated[
    str,
    typer.Option(
        "--policy", "-p", help="Built-in policy id, policy pack folder or policy YAML path."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory (created atomically).")]
ReplaceOpt = Annotated[
    bool, typer.Option("--replace", help="Replace an existing output directory.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _guard(action: Callable[[], T], out: Path | None = None) -> T:
    """Run a service call (holding the output directory `out` for the whole run); print every
    issue of bad input and exit 2 instead of a traceback."""

    try:
        with run_lock(out) if out is not None else contextlib.nullcontext():
            return action()
    except (PolicyError, PaymentInputError) as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from exc
    except (FileExistsError, FileNotFoundError, KeyError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _print_rows(rows: list[dict[str, str]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        return

    table = Table()
    for key in rows[0]:
        table.add_column(key, justify="left" if key in ("community", "institution") else "right")
    for row in rows:
        table.add_row(*row.values())
    Console().print(table)


def _print_summary(summary: Any, as_json: bool) -> None:
    if as_json:
        payload = {
            "out_dir": str(summary.out_dir),
            "inputs_sha256": summary.inputs_sha256,
            "policy_sha256": summary.policy_sha256,
            "headline": summary.headline,
            "warnings": summary.warnings,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_rows(summary.headline, False)
    for w in summary.warnings:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(f"written {summary.out_dir} (inputs sha256 {summary.inputs_sha256[:16]}…)")


@app.command()
def budget(
    out: OutOpt,
    inputs: OptionalBundleOpt = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Build the inputs from this warehouse instead of a bundle."),
    ] = None,
    county: Annotated[
        str | None,
        typer.Option(help="County code (with --db) or the county the bundle must be for."),
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="Budget year (with --db) or the year the bundle must be for.")
    ] = None,
    fund: Annotated[
        str | None,
        typer.Option(
            help="With --db: the annual residents' fund in yuan (default: per capita × headcount)."
        ),
    ] = None,
    per_capita: Annotated[
        str | None,
        typer.Option(
            help="With --db: per-capita financing in yuan (default: the national standard of the year)."
        ),
    ] = None,
    policy: PolicyOpt = "henan-default",
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Settle the global budget of a county and year: ledger, statements, run record.

    Inputs come from a bundle (-i) or from the warehouse (--db with --county and --year).
    """
    if not _from_warehouse(
        inputs,
        db,
        county,
        year,
        {"--fund": fund is not None, "--per-capita": per_capita is not None},
    ):
        assert inputs is not None
        summary = _guard(
            lambda: service.settle_budget_run(
                inputs, policy, out, county=county, year=year, replace=replace
            ),
            out=out,
        )
    else:
        assert db is not None and county is not None and year is not None
        fund_m = _money_option(fund, "--fund")
        rate = None if per_capita is None else _money_option(per_capita, "--per-capita").amount
        summary = _guard(
            lambda: service.settle_budget_from_warehouse(
                db, county, year, policy, out, fund=fund_m, per_capita=rate, replace=replace
            ),
            out=out,
        )
    _print_summary(summary, as_json)


def _from_warehouse(
    inputs: Path | None,
    db: Path | None,
    county: str | None,
    year: int | None,
    db_only: dict[str, bool],
) -> bool:
    """Whether a run reads the warehouse (else a bundle); refuses an ambiguous choice, a
    warehouse run without county and year, and warehouse-only options given with a bundle
    (they would be ignored silently)."""
    if (inputs is None) == (db is None):
        raise typer.BadParameter("give exactly one of --inputs/-i (a bundle) or --db (a warehouse)")
    if db is None:
        if any(db_only.values()):
            raise typer.BadParameter(f"{' and '.join(db_only)} only apply with --db")
        return False
    if county is None or year is None:
        raise typer.BadParameter("--db needs --county and --year")
    return True


def _money_option(text: str | None, name: str) -> Money | None:
    if text is None:
        return None
    try:
        value = Money(Decimal(text.replace(",", "").strip()))
    except (ArithmeticError, ValueError) as exc:
        raise typer.BadParameter(f"{name} {text!r}: a yuan amount with at most 2 decimals") from exc
    if value.is_negative:
        raise typer.BadParameter(f"{name} {text!r} must not be negative")
    return value


@app.command()
def explain(
    line: Annotated[str, typer.Argument(help="Ledger line id, e.g. L0000042.")],
    run: Annotated[Path, typer.Option("--run", "-r", help="Run output directory.")],
) -> None:
    """Explain one ledger line: rule, formula, policy clause, inputs."""
    info = _guard(lambda: service.explain_line(run, line))
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2))


@app.command()
def validate(
    policy: Annotated[
        str, typer.Argument(help="Built-in policy id, policy pack folder or YAML path.")
    ],
) -> None:
    """Validate a settlement policy (pack or file); every issue with file, line and field."""
    issues = service.validate_policy(policy)
    for issue in issues:
        typer.echo(str(issue), err=True)
    if issues:
        raise typer.Exit(validator_exit(issues))
    typer.echo(f"{policy}: ok")


@app.command()
def dip(
    out: OutOpt,
    inputs: OptionalBundleOpt = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Build history and cases from this warehouse instead."),
    ] = None,
    county: DbCountyOpt = None,
    year: Annotated[int | None, typer.Option(help="With --db: settlement year.")] = None,
    dip_fund: Annotated[
        str | None,
        typer.Option(
            help="With --db: DIP fund in yuan (default: Σ fund paid of the year's cases)."
        ),
    ] = None,
    all_inpatient: Annotated[
        bool,
        typer.Option(
            "--all-inpatient",
            help="With --db: every in-county inpatient stay is a DIP case, not only payment_method 'dip'.",
        ),
    ] = False,
    policy: PolicyOpt = "henan-default",
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """DIP: build the local catalogue from history, score the year's cases, settle each hospital.

    Inputs come from a bundle (-i) or from the warehouse (--db with --county and --year).
    """
    if not _from_warehouse(
        inputs,
        db,
        county,
        year,
        {"--dip-fund": dip_fund is not None, "--all-inpatient": all_inpatient},
    ):
        assert inputs is not None
        summary = _guard(
            lambda: service.settle_dip_run(inputs, policy, out, replace=replace), out=out
        )
    else:
        assert db is not None and county is not None and year is not None
        fund_m = _money_option(dip_fund, "--dip-fund")
        scope = "all_inpatient" if all_inpatient else "dip"
        summary = _guard(
            lambda: service.settle_dip_from_warehouse(
                db, county, year, policy, out, fund=fund_m, scope=scope, replace=replace
            ),
            out=out,
        )
    _print_summary(summary, as_json)


@app.command()
def drg(
    out: OutOpt,
    inputs: OptionalBundleOpt = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Take the cases from this warehouse (drg_results + discharges)."),
    ] = None,
    county: DbCountyOpt = None,
    year: Annotated[int | None, typer.Option(help="With --db: discharge year.")] = None,
    scheme: Annotated[
        str, typer.Option(help="With --db: grouping scheme stored by `yigong drg group`.")
    ] = "chs-drg-1.1",
    weights: Annotated[
        Path | None,
        typer.Option(
            help="With --db: weight table CSV (drg,weight); default: weights from the data."
        ),
    ] = None,
    drg_fund: Annotated[
        str | None, typer.Option(help="With --db: DRG fund in yuan (rate_method 'budget').")
    ] = None,
    policy: PolicyOpt = "henan-default",
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """DRG: pay grouped cases by rate × weight × coefficient with outlier and exclusion rules.

    Cases come from a bundle (-i) or from the warehouse (--db with --county and --year).
    """
    if not _from_warehouse(
        inputs,
        db,
        county,
        year,
        {"--weights": weights is not None, "--drg-fund": drg_fund is not None},
    ):
        assert inputs is not None
        summary = _guard(
            lambda: service.settle_drg_run(inputs, policy, out, replace=replace), out=out
        )
    else:
        assert db is not None and county is not None and year is not None
        budget_m = _money_option(drg_fund, "--drg-fund")
        summary = _guard(
            lambda: service.settle_drg_from_warehouse(
                db, county, year, policy, out, scheme=scheme, weights_csv=weights,
                budget=budget_m, replace=replace,
            ),
            out=out,
        )  # fmt: skip
    _print_summary(summary, as_json)


@app.command()
def compare(
    policy_a: Annotated[str, typer.Argument(help="Policy A (built-in id or YAML path).")],
    policy_b: Annotated[str, typer.Argument(help="Policy B (built-in id or YAML path).")],
    inputs: BundleOpt,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write compare.csv + run.json here.")
    ] = None,
    all_rows: Annotated[
        bool, typer.Option("--all", help="Show rows without a difference too.")
    ] = False,
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """What-if: the same year under two policies; difference (B − A) per community and institution."""
    rows = _guard(
        lambda: service.compare_run(inputs, policy_a, policy_b, out, replace=replace), out=out
    )
    shown = [r for r in rows if all_rows or not r.difference.is_zero]
    _print_rows(
        [
            {
                "scope": r.scope,
                "subject": r.subject,
                "measure": r.measure,
                "A": str(r.policy_a),
                "B": str(r.policy_b),
                "B-A": str(r.difference),
            }
            for r in shown
        ],
        as_json,
    )


@app.command()
def distribution(
    inputs: BundleOpt, policy: PolicyOpt = "henan-default", as_json: JsonOpt = False
) -> None:
    """Check finance.csv against the distribution rules (60–70 % / > 60 % / ≥ 70 %)."""
    checks = _guard(lambda: service.check_distribution(inputs, policy))
    _print_rows(
        [{"institution": c.institution_id, "rule": c.rule_id, "paid": str(c.numerator), "base": str(c.denominator),
          "share": "" if c.share is None else f"{c.share:.4f}", "requirement": c.requirement, "ok": "yes" if c.ok else "NO"} for c in checks],
        as_json,
    )  # fmt: skip
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def _method_command(method: str, name: str, what: str) -> None:
    def command(
        out: OutOpt,
        db: Annotated[Path, typer.Option("--db", help="The warehouse to settle from.")],
        county: Annotated[str, typer.Option(help="County code.")],
        year: Annotated[int, typer.Option(help="Settlement year.")],
        policy: PolicyOpt = "henan-default",
        replace: ReplaceOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        from yigong.services.payment_methods import settle_method_from_warehouse  # lazy: start-up

        summary = _guard(
            lambda: settle_method_from_warehouse(method, db, county, year, policy, out,
                                                 replace=replace),
            out=out,
        )  # fmt: skip
        _print_summary(summary, as_json)

    command.__doc__ = what
    app.command(name)(command)


_method_command(
    "per_bed_day",
    "bed-day",
    "Per bed-day payment (按床日) of psychiatric, rehabilitation and long stays: ledger, "
    "statements per institution and month.",
)
_method_command(
    "per_head",
    "per-head",
    "Per-head outpatient payment (门诊按人头) of persons under family-doctor contracts: ledger, "
    "statements per institution and month.",
)
_method_command(
    "day_surgery",
    "day-surgery",
    "Day-surgery payment (日间手术) by the procedure catalogue's standards: ledger, statements "
    "per institution and month.",
)
