"""`yigong indicators list|compute|explain|scorecard` and `yigong catalog check`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yigong.cli.backend_opts import BackendOpt, MasterOpt, SparkRootOpt, chosen, location
from yigong.indicators.evaluate import IndicatorResult
from yigong.rulepacks import Level
from yigong.services import indicators as svc
from yigong.services.warehouse import opened
from yigong.warehouse import DEFAULT_DB

app = typer.Typer(
    help="Indicators: list the catalog, compute for a node and period, explain.",
    no_args_is_help=True,
)
catalog_app = typer.Typer(help="Indicator catalog files: validate them.", no_args_is_help=True)
console = Console()

Db = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
NodeOpt = Annotated[
    str,
    typer.Option(
        "--node",
        help="inst:<id> | community:<id> | "
        "division:<code> (a bare 6/9/12-digit code is a division)",
    ),
]
PeriodOpt = Annotated[str, typer.Option("--period", help="2024 | 2024Q1 | 202401")]


def _num(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, Decimal) and v.as_tuple().exponent < -2:  # type: ignore[operator]
        return f"{v:,.4f}"
    return str(v)


def results_table(results: list[IndicatorResult], title: str) -> Table:
    """A rich table of results: value, numerator, denominator, change, target and gap."""
    t = Table(title=title, show_lines=False)
    for col in (
        "id",
        "indicator",
        "value",
        "numerator",
        "denominator",
        "Δ prev",
        "target",
        "gap",
        "by",
        "trend",
    ):
        t.add_column(col, overflow="fold")
    for r in results:
        tgt = r.target
        target = (
            ""
            if tgt is None
            else (
                f"{tgt.comparator} {tgt.value:g}"
                if tgt.value is not None
                else f"{tgt.comparator} {tgt.benchmark}"
            )
        )
        gap = (
            ""
            if tgt is None or tgt.gap is None
            else (f"{tgt.gap:+.{r.decimals}f} {'✓' if tgt.met else '✗'}")
        )
        traj = r.trajectory
        if traj is None:
            trend = ""
        elif traj.will_meet is None or traj.projected is None:
            trend = traj.note.split(":")[0]
        else:
            trend = (
                f"{'on track' if traj.will_meet else 'off track'} ({traj.projected:.{r.decimals}f})"
            )
        value = r.formatted() if r.value is not None else r.status.value
        change = "" if r.change is None else f"{r.change:+.{r.decimals}f}"
        t.add_row(
            r.indicator,
            r.name_zh,
            value,
            _num(r.numerator),
            _num(r.denominator),
            change,
            target,
            gap,
            str(tgt.deadline) if tgt else "",
            trend,
        )
    return t


@app.command("list")
def list_cmd(
    catalog: Annotated[str | None, typer.Option(help="Only this catalog.")] = None,
) -> None:
    """List the indicators of the catalog (id, catalog, edition, names, provenance)."""
    t = Table()
    for col in ("id", "catalog", "edition", "code", "名称", "name", "unit", "dir", "prov"):
        t.add_column(col)
    for i in svc.list_indicators(catalog):
        t.add_row(
            i.id,
            i.catalog,
            i.edition,
            i.code,
            i.name_zh,
            i.name_en,
            i.unit,
            i.direction.value if i.direction else "",
            (i.provenance.value if i.provenance else "")
            + (" *req " + ",".join(i.requires) if i.requires else ""),
        )
    console.print(t)


@app.command()
def compute(
    node: NodeOpt,
    period: PeriodOpt,
    catalog: Annotated[str | None, typer.Option(help="Only this catalog.")] = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="Only these indicator ids.")] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Write .csv, .xlsx or .json.")
    ] = None,
    db: Db = Path(DEFAULT_DB),
    backend: BackendOpt = None,
    warehouse: SparkRootOpt = None,
    spark_master: MasterOpt = None,
) -> None:
    """Compute indicators for one node and period (on DuckDB, or Spark with --backend spark)."""
    kind = chosen(backend)
    with opened(
        location(kind, db, warehouse), backend=kind, master=spark_master, read_only=True
    ) as wh:
        ev = svc.compute(wh, node, period, catalog_name=catalog, ids=ids)
    if out is not None:
        svc.export(ev.results, out)
        console.print(f"wrote {len(ev.results)} results to {out}")
        return
    console.print(
        results_table(ev.results, f"{ev.node.name} ({node}) · {period} · {ev.queries} queries")
    )


@app.command()
def scorecard(
    node: NodeOpt,
    period: PeriodOpt,
    query: Annotated[str, typer.Option("--search", "-q", help="id, code or name contains")] = "",
    targets_only: Annotated[bool, typer.Option(help="Only the targets binding the node.")] = False,
    db: Db = Path(DEFAULT_DB),
    backend: BackendOpt = None,
    warehouse: SparkRootOpt = None,
    spark_master: MasterOpt = None,
) -> None:
    """Every applicable indicator of a node: the targets first (actual, gap, deadline, trend),
    then each catalog; the indicators not applicable here are counted at the end."""
    kind = chosen(backend)
    with opened(
        location(kind, db, warehouse), backend=kind, master=spark_master, read_only=True
    ) as wh:
        card = svc.full_scorecard(wh, node, period, query)
    for g in card["groups"][:1] if targets_only else card["groups"]:
        console.print(results_table(g["items"], f"{g['title_zh']} · {node} · {period}"))
    na = card["not_applicable"]
    if na and not targets_only:
        console.print(
            f"{len(na)} indicators not applicable to {node}: " + ", ".join(r.indicator for r in na)
        )


@app.command()
def explain(
    ident: Annotated[str, typer.Argument(help="Indicator id, e.g. T04.")],
    node: NodeOpt,
    period: PeriodOpt,
    rows: Annotated[int, typer.Option(help="Rows to show per measure.")] = 5,
    sql: Annotated[bool, typer.Option(help="Also print the compiled SQL.")] = False,
    db: Db = Path(DEFAULT_DB),
    backend: BackendOpt = None,
    warehouse: SparkRootOpt = None,
    spark_master: MasterOpt = None,
) -> None:
    """Definition, numerator, denominator and the first rows behind them."""
    kind = chosen(backend)
    with opened(
        location(kind, db, warehouse), backend=kind, master=spark_master, read_only=True
    ) as wh:
        _print_explanation(svc.explain(wh, ident, node, period, rows), sql)


def _print_explanation(ex: svc.Explanation, sql: bool) -> None:
    i, r = ex.indicator, ex.result
    console.rule(f"{i.id} {i.name_zh} · {i.name_en}")
    console.print(
        f"catalog {i.catalog} {i.edition} · code {i.code} · provenance {i.provenance}"
        f" · direction {i.direction} · source: {i.source}"
    )
    if i.numerator:
        console.print(
            f"numerator: {i.numerator.description_zh} = {' + '.join(i.numerator.measures)}"
            + (f" − {' − '.join(i.numerator.minus)}" if i.numerator.minus else "")
        )
    if i.denominator:
        console.print(
            f"denominator: {i.denominator.description_zh} = {' + '.join(i.denominator.measures)}"
        )
    if i.base:
        console.print(f"growth of {i.base} against {i.growth_against}")
    console.print(f"factor {i.factor:g}" + (f" / {i.divisor:g}" if i.divisor != 1 else ""))
    if i.interpretation:
        console.print(f"[yellow]interpretation:[/yellow] {i.interpretation}")
    console.print(results_table([r], f"{r.node_name} · {r.period}"))
    for m in ex.rows:
        console.rule(f"{m.role}: {m.measure} ({m.name_zh})")
        if m.rows is None:
            console.print(m.note)
            continue
        t = Table()
        cols = m.rows.column_names[:10]
        for c in cols:
            t.add_column(c)
        for row in m.rows.to_pylist():
            t.add_row(*[_num(row[c]) for c in cols])
        console.print(t)
    if sql:
        for name, text in ex.sql().items():
            console.rule(f"SQL · {name}")
            console.print(text)


@catalog_app.command("docs")
def docs(
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write to this file.")] = None,
    table: Annotated[
        Path | None,
        typer.Option(
            help="Rewrite the generated indicator table in this file (docs/indicators.md)."
        ),
    ] = None,
) -> None:
    """Print (or write) the generated catalog reference in Markdown."""
    if table is not None:
        from yigong.services.indicator_docs import update_table  # lazy: start-up

        changed = update_table(table)
        console.print(f"{'updated' if changed else 'unchanged'}: {table}")
        return
    text = svc.catalog_reference()
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


@catalog_app.command("check")
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Catalog files (default: the built-in catalog).")
    ] = None,
) -> None:
    """Validate catalog files; exit 1 on any error."""
    issues = svc.check_catalog(paths or None)
    for issue in issues:
        console.print(str(issue), markup=False)
    errors = sum(1 for i in issues if i.level is Level.ERROR)
    console.print(f"{errors} error(s), {len(issues) - errors} warning(s)")
    raise typer.Exit(1 if errors else 0)
