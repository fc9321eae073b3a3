"""`yigong screen rules|check|run|list|explain|sample|review`: fund-supervision screening."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yigong.graded_care.errors import WorkflowError
from yigong.oversight.loader import RulesError
from yigong.services import screening as svc
from yigong.store import open_store
from yigong.warehouse import DEFAULT_DB

app = typer.Typer(
    help="Fund-supervision screening (基金监管筛查): rules, runs, flags, sampling, review.",
    no_args_is_help=True,
)
console = Console()

Db = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="workflow store (file or URL; default YIGONG_STORE_URL or yigong-workflow.sqlite)",
    ),
]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="2024 | 2024Q1 | 202403 (2024-03 accepted)")
]


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code)


@app.command("rules")
def rules_cmd() -> None:
    """List the screening rules."""
    try:
        rs = svc.rules()
    except RulesError as exc:
        raise _fail(exc, 1) from exc
    for r in rs.rules.values():
        typer.echo(
            f"{r.id:28} {r.severity.value:6} {r.entity.value:11} {r.status.value:10} "
            f"{r.name_zh} / {r.name_en}"
        )
        typer.echo(
            f"{'':28} params {json.dumps(r.params, ensure_ascii=False)}  ({r.file}:{r.line})"
        )


@app.command("check")
def check_cmd(
    files: Annotated[
        list[Path] | None, typer.Argument(help="rules files (default: built-in)")
    ] = None,
) -> None:
    """Validate rules files: every problem with file, line and field."""
    problems = svc.check_rules(files or None)
    for p in problems:
        typer.echo(p)
    if problems:
        raise typer.Exit(1)
    typer.echo("screening rules: OK")


@app.command("run")
def run_cmd(
    period: Annotated[
        str, typer.Option("--period", help="2024 | 2024Q1 | 202403 (2024-03 accepted)")
    ],
    db: Db = Path(DEFAULT_DB),
    rules: Annotated[str | None, typer.Option("--rules", help="comma-separated rule ids")] = None,
    county: Annotated[str | None, typer.Option(help="county code of the disease catalog")] = None,
) -> None:
    """Evaluate the rules over a period and store the flags in the warehouse (screen_flags)."""
    try:
        out = svc.run_screening(db, period, rules.split(",") if rules else None, county=county)
    except (ValueError, KeyError, RulesError) as exc:
        raise _fail(exc) from exc
    typer.echo(f"period {out['period']}: {out['flags']} flags")
    for rule_id, n in out["by_rule"].items():
        typer.echo(f"  {rule_id:28} {n}")
    for rule_id, why in out["skipped"].items():
        typer.echo(f"  {rule_id:28} not evaluated: {why}")


def _flags_table(flags: list[dict], title: str) -> Table:
    t = Table(title=title)
    for col in ("flag", "rule", "period", "entity", "institution", "value", "deviation", "reason"):
        t.add_column(col, overflow="fold")
    for f in flags:
        t.add_row(
            f["flag_id"],
            f["rule_id"],
            f["period"],
            f["entity_id"],
            f["institution_id"] or "",
            f"{f['value']:,.2f}",
            f"{f['deviation']:.2f}",
            f["reason_en"],
        )
    return t


@app.command("list")
def list_cmd(
    db: Db = Path(DEFAULT_DB),
    period: PeriodOpt = None,
    rule: Annotated[str | None, typer.Option("--rule")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many")] = 50,
) -> None:
    """List stored flags."""
    try:
        flags = svc.list_flags(db, period=period, rule_id=rule, limit=limit)
    except (WorkflowError, ValueError) as exc:
        raise _fail(exc) from exc
    console.print(_flags_table(flags, "flags"))


@app.command("explain")
def explain_cmd(
    flag: Annotated[str, typer.Argument(help="flag id")],
    db: Db = Path(DEFAULT_DB),
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Explain a flag: rule, policy text, parameters, the numbers that triggered it, its rows."""
    try:
        out = svc.explain_flag(db, flag, open_store(store))
    except WorkflowError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    r = out["rule"] or {}
    typer.echo(
        f"flag {out['flag_id']}  rule {out['rule_id']} {r.get('name_zh', '')} / {r.get('name_en', '')}"
        f"  severity {out['severity']}  period {out['period']}"
    )
    typer.echo(
        f"policy: {r.get('policy', {}).get('text', '')} ({r.get('policy', {}).get('source', '')})"
    )
    typer.echo(f"rule source: {r.get('source', '')}; reading: {r.get('interpretation', '')}")
    typer.echo(f"why: {out['reason_en']}")
    typer.echo(f"原因: {out['reason_zh']}")
    typer.echo("parameters: " + json.dumps(out["params"], ensure_ascii=False))
    typer.echo("numbers:    " + json.dumps(out["numbers"], ensure_ascii=False))
    typer.echo("rows:")
    for row in out["row_details"]:
        typer.echo("  " + json.dumps(row, ensure_ascii=False, default=str))
    rv = out.get("review")
    typer.echo(
        "review: "
        + (
            "not under review"
            if rv is None
            else f"{rv['status']} {rv.get('decided_by') or ''} {rv.get('reason') or ''}".strip()
        )
    )


@app.command("sample")
def sample_cmd(
    method: Annotated[str, typer.Option("--method", help="random | value | deviation")] = "random",
    n: Annotated[int, typer.Option("--n")] = 50,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    db: Db = Path(DEFAULT_DB),
    period: PeriodOpt = None,
    rule: Annotated[str | None, typer.Option("--rule")] = None,
    store: StoreOpt = None,
    no_open: Annotated[bool, typer.Option("--no-open", help="do not open reviews")] = False,
) -> None:
    """Draw flags for review (opens them in the workflow store unless --no-open)."""
    try:
        flags = svc.sample_flags(
            db,
            method,
            n,
            seed=seed,
            period=period,
            rule_id=rule,
            store=None if no_open else open_store(store),
        )
    except (WorkflowError, ValueError) as exc:
        raise _fail(exc) from exc
    console.print(_flags_table(flags, f"sample ({method}, n={n}, seed={seed})"))


@app.command("review")
def review_cmd(
    flag: Annotated[str, typer.Argument(help="flag id")],
    decision: Annotated[str, typer.Option("--decision", help="confirmed | dismissed")],
    reason: Annotated[str, typer.Option("--reason")],
    user: Annotated[str, typer.Option("--user")],
    db: Db = Path(DEFAULT_DB),
    store: StoreOpt = None,
) -> None:
    """Decide a flag (open → confirmed / dismissed, with a reason)."""
    try:
        out = svc.review_flag(open_store(store), flag, decision, reason, user, db=db)
    except WorkflowError as exc:
        raise _fail(exc) from exc
    typer.echo(f"flag {out['flag_id']}: {out['status']} by {out['decided_by']} ({out['reason']})")
