"""``yigong drg``: grouper packs, grouping by the file contract or over the warehouse, explain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pyarrow.csv as pacsv
import typer

from yigong.casemix import Case, InputError, Level, PackError
from yigong.casemix.metrics import Scale, Trim, WeightTableError
from yigong.cli.backend_opts import BackendOpt, MasterOpt, chosen
from yigong.cli.drg_group import SchemeOpt, group_cmd
from yigong.cli.errors import validator_exit
from yigong.services import casemix as service
from yigong.services.casemix_reference import build_reference
from yigong.services.warehouse import opened

app = typer.Typer(
    help="DRG grouper (CHS-DRG 1.1 and regional variants): packs, group, explain.",
    no_args_is_help=True,
)


@app.command("packs")
def packs_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the shipped grouper packs."""
    packs = service.list_packs()
    if as_json:
        typer.echo(json.dumps([p.__dict__ for p in packs], ensure_ascii=False, indent=2))
        return
    for p in packs:
        base = f" on {p.base}" if p.base else ""
        c = p.counts
        typer.echo(
            f"{p.id}\t{p.scheme_version}\t{p.kind}{base}\t{p.region}\t"
            f"MDC {c.get('mdcs')} ADRG {c.get('adrgs')} DRG {c.get('drgs')}\t{p.licence}"
        )
        typer.echo(f"  {p.title}")


@app.command("check")
def check_cmd(
    packs: Annotated[
        list[str] | None, typer.Argument(help="pack ids or folders (default: all)")
    ] = None,
) -> None:
    """Validate packs: tables, references, rule vocabulary, counts and checksums."""
    results = service.check_packs(packs)
    failed, every = False, []
    for pack, issues in results.items():
        every += issues
        errors = [i for i in issues if i.level is Level.ERROR]
        failed |= bool(errors)
        typer.echo(
            f"{pack}: {'OK' if not errors else f'{len(errors)} error(s)'}"
            f"{f', {len(issues) - len(errors)} warning(s)' if len(issues) > len(errors) else ''}"
        )
        for i in issues:
            typer.echo(f"  {i}")
    raise typer.Exit(validator_exit(every) if failed else 0)


app.command("group")(group_cmd)


@app.command("explain")
def explain_cmd(
    scheme: SchemeOpt = "chs-drg-1.1",
    input_csv: Annotated[
        Path | None, typer.Option("--input", help="cases CSV to take the case from")
    ] = None,
    case_id: Annotated[str | None, typer.Option(help="case_id in --input")] = None,
    sex: Annotated[int | None, typer.Option(help="1 male, 2 female")] = None,
    age_years: Annotated[int | None, typer.Option()] = None,
    age_days: Annotated[int | None, typer.Option()] = None,
    birth_weight_g: Annotated[int | None, typer.Option()] = None,
    dx: Annotated[str, typer.Option(help="diagnoses, |-separated, principal first")] = "",
    px: Annotated[str, typer.Option(help="procedures, |-separated, principal first")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    translate_codes: Annotated[bool, typer.Option()] = False,
) -> None:
    """Show the rule trace of one case (from --input/--case-id or given field by field)."""
    try:
        if input_csv is not None:
            if case_id is None:
                raise typer.BadParameter("--input needs --case-id")
            trace = service.explain_from_file(input_csv, case_id, scheme, translate_codes)
        else:
            case = Case(
                case_id or "cli",
                sex,
                age_years,
                age_days,
                birth_weight_g,
                tuple(c for c in dx.split("|") if c),
                tuple(c for c in px.split("|") if c),
            )
            trace = service.explain(case, scheme, translate_codes)
    except (InputError, PackError, KeyError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        json.dumps(trace.to_dict(), ensure_ascii=False, indent=2) if as_json else trace.summary()
    )
    if trace.validation_errors:  # an invalid case is explained, and the status says so
        raise typer.Exit(2)


@app.command("metrics")
def metrics_cmd(
    warehouse: Annotated[Path, typer.Option(help="warehouse file with discharges and drg_results")],
    scheme: SchemeOpt = "chs-drg-1.1",
    level: Annotated[str, typer.Option(help="institution | department | doctor")] = "institution",
    period: Annotated[str, typer.Option(help="month | quarter | year")] = "quarter",
    weights: Annotated[
        Path | None, typer.Option(help="weight table CSV (drg,weight); default: from data")
    ] = None,
    trim: Annotated[
        str, typer.Option(help="trimming for weights from data: iqr3 | pct2.5-97.5 | none")
    ] = "iqr3",
    low_risk_scale: Annotated[
        str, typer.Option(help="low-risk DRGs: log (national method) | plain")
    ] = "log",
    reference: Annotated[
        str | None,
        typer.Option(
            help="reference (shipped name, CSV, warehouse:PATH): weights, means and low-risk "
            "DRGs of a wider population; default: analyse this warehouse on its own"
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write CSV here")] = None,
    backend: BackendOpt = None,
    spark_master: MasterOpt = None,
) -> None:
    """Case-mix metrics (CMI, DRGs covered, cost/time indices, low-risk mortality) per unit and period."""

    kind = chosen(backend)
    try:
        with opened(warehouse, backend=kind, master=spark_master, read_only=True) as wh:
            table = service.casemix_metrics(
                wh,
                scheme,
                level,
                period,
                weights,
                Trim(trim),
                low_risk_scale=Scale(low_risk_scale),
                reference=reference,
            )
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if output:
        pacsv.write_csv(table, output)
        typer.echo(f"{table.num_rows} rows -> {output}")
    else:
        typer.echo(table.to_pandas().to_string(index=False))


@app.command("facts")
def facts_cmd(
    warehouse: Annotated[Path, typer.Option(help="warehouse file with discharges and drg_results")],
    scheme: SchemeOpt = "chs-drg-1.1",
    period: Annotated[str, typer.Option(help="month | quarter | year (period ids)")] = "quarter",
    reference: Annotated[
        str | None,
        typer.Option(
            help="reference: a shipped name, a CSV (drg,weight[,mean_cost,mean_los,low_risk]) "
            "or warehouse:PATH of a wider population; default: the scheme's shipped reference"
        ),
    ] = None,
    backend: BackendOpt = None,
    spark_master: MasterOpt = None,
) -> None:
    """Store drg_case_facts (per-discharge reference weight, cost/LOS ratios, low-risk flag) for the indicator catalog."""

    kind = chosen(backend)
    try:
        with opened(warehouse, backend=kind, master=spark_master, read_only=True) as wh:
            summary = service.store_case_facts(wh, scheme, period, reference)
    except (ValueError, WeightTableError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"{summary.rows} grouped discharges -> {warehouse}:{service.FACTS_TABLE} "
        f"({summary.scheme} {summary.pack_version}; reference {summary.extra['reference']}: "
        f"{summary.extra['weighted']:,} weighted, {summary.extra['low_risk_cases']:,} in "
        "low-risk DRGs)"
    )


@app.command("reference")
def reference_cmd(
    warehouse: Annotated[
        Path, typer.Option(help="warehouse of the wider population (city, province), grouped")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="reference CSV to write")],
    scheme: SchemeOpt = "chs-drg-1.1",
    description: Annotated[str, typer.Option(help="first header line (provenance)")] = "",
) -> None:
    """Compute a case-mix reference (weights, means, low-risk DRGs) on a wider population."""

    try:
        with opened(warehouse, read_only=True) as wh:
            path, table = build_reference(wh, scheme, output, description)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    low = sum(table.column("low_risk").to_pylist())
    typer.echo(f"{table.num_rows} DRGs ({low} low-risk) -> {path}")
