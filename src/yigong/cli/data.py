"""Foundation commands: `yigong synth`, `yigong ingest`, `yigong status`, `yigong warehouse`."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from yigong.cli.backend_opts import BackendOpt, MasterOpt, chosen, location
from yigong.cli.errors import CliError, writable
from yigong.ingest import IngestError, IngestReport
from yigong.ingest.privacy import mask
from yigong.ingest.profiles.packs import ENV_VAR
from yigong.services import data as svc
from yigong.services.warehouse import opened
from yigong.warehouse import DEFAULT_DB, WarehouseError

# wide enough for the reports when output goes to a file or a pipe (`make demo | tee`)
console = Console(width=None if Console().is_terminal else 140)
DbOption = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
warehouse_app = typer.Typer(help="Export or import the whole warehouse as Parquet.")


def synth(
    preset: Annotated[str, typer.Argument(help="tiny | county | city | province")] = "county",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "synth-data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 2024,
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet | xlsx")] = "csv",
    years: Annotated[str | None, typer.Option(help="Comma-separated years, e.g. 2023,2024")] = None,
    faults: Annotated[bool, typer.Option(help="Also write deliberately broken files.")] = False,
    partitioned: Annotated[
        bool | None,
        typer.Option(
            "--partitioned/--single-file",
            help="Hive-style partitioned datasets <table>/county=…/period=…/part-0.<ext> (csv or "
            "parquet), written county by county and year by year. Default: partitioned for "
            "province with parquet, one file per table otherwise.",
        ),
    ] = None,
    counties: Annotated[
        int | None,
        typer.Option(help="Only the preset's first N counties (e.g. a slice of the province)."),
    ] = None,
    layout: Annotated[
        str,
        typer.Option(
            help="canonical | national: the front page, settlement list and visit list as "
            "hospitals export them (Chinese headers, one column per diagnosis and procedure, "
            "the settlement list's sub-lists), CSV in GBK or XLSX."
        ),
    ] = "canonical",
    encoding: Annotated[
        str,
        typer.Option(help="CSV encoding: utf-8 | utf-8-sig | gbk | gb18030 (national: gbk)."),
    ] = "",
) -> None:
    """Generate a seeded synthetic county, city or province as institution export files."""
    from yigong.synth import generate, write_faults  # lazy: start-up

    year_tuple = tuple(int(y) for y in years.split(",")) if years else None
    if partitioned is None:
        partitioned = preset == "province" and fmt == "parquet"
    try:
        with _progress() as progress:
            task = progress.add_task(f"synth {preset}", total=None)
            summary = generate(
                preset,
                out,
                seed=seed,
                fmt=fmt,
                years=year_tuple,
                partitioned=partitioned,
                counties=counties,
                layout=layout,
                encoding=encoding,
                progress=lambda step, n: progress.update(
                    task, description=f"synth {preset}: {step} ({n:,} rows)"
                ),
            )
    except (KeyError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc.args[0] if exc.args else exc}")
        raise typer.Exit(2) from exc
    shape = "partitioned: <table>/county=…/period=…/part-0" if partitioned else "one file per table"
    if layout == "national":
        shape += "; 病案首页, 结算清单 and 门急诊 in their national layouts"
    table = RichTable("table", "rows", title=f"{preset} → {out} ({shape})")
    for name, rows in summary.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    if faults:
        expected = write_faults(out / "faults", seed=seed)
        console.print(
            f"broken files for ingest tests in {expected.parent} (planted errors: {expected})"
        )


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (CSV, Parquet, XLSX).")],
    db: DbOption = Path(DEFAULT_DB),
    table: Annotated[
        str | None, typer.Option(help="Target table when a file name does not say.")
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="Pseudonymisation key file (else $YIGONG_PSEUDONYM_KEY).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write every rejected row to this CSV.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any row was rejected.")] = False,
    profile: Annotated[
        str | None,
        typer.Option(
            help="Layout profile of files in a national layout (default: detected from the "
            "header; `yigong profiles list`)."
        ),
    ] = None,
    profiles_dir: Annotated[
        list[Path] | None,
        typer.Option("--profiles", help="A further folder of layout profiles (local variants)."),
    ] = None,
    backend: BackendOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Parquet warehouse directory to load into (with --backend spark)."
        ),
    ] = None,
    spark_master: MasterOpt = None,
    plausibility: Annotated[
        str | None,
        typer.Option(
            "--plausibility",
            help="Plausibility pack to apply: a built-in id or a pack folder (a county's copy; "
            "default plausibility-2021).",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Let rows replace rows of the same natural key that another file loaded in an "
            "earlier run (else they are rejected as duplicate_key).",
        ),
    ] = False,
) -> None:
    """Validate files row by row and load them; bad rows go to quarantine with their reason.
    Files in a national layout (病案首页, 结算清单, HIS visit lists) are read through the layout
    profile their header matches."""
    if report is not None:  # before anything is loaded: a report that cannot be written
        writable(report, "--report")  # would fail after the data was committed
    if profiles_dir:
        for folder in profiles_dir:
            if not folder.is_dir():
                raise CliError(f"{folder}: no such profile folder (--profiles)")
        _add_profile_dirs(profiles_dir)
    if plausibility is not None:  # before the warehouse is opened or anything read
        try:
            svc.plausibility_rules(plausibility)
        except IngestError as exc:
            raise CliError(f"--plausibility {exc}") from exc
    kind = chosen(backend)
    if kind == "spark" and out is None:
        raise typer.BadParameter(
            "give the Parquet warehouse directory to load into", param_hint="--out"
        )
    where = location(kind, db, out)
    skipped: list[tuple[Path, str]] = []
    try:
        with opened(where, backend=kind, master=spark_master, create=True) as wh:
            with _progress() as progress:
                task = progress.add_task(f"ingest ({wh.kind})", total=None)
                reports = svc.ingest_files(
                    wh,
                    paths,
                    table=table,
                    key_file=key_file,
                    progress=lambda t, p: progress.update(
                        task, description=f"ingest {p.name} → {t}"
                    ),
                    profile=profile,
                    skipped=skipped,
                    plausibility=plausibility,
                    replace=replace,
                )
            rejected = svc.quarantine_rows(wh, {r.run_id for r in reports}) if report else []
    except (IngestError, WarehouseError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    print_reports(reports)
    for path, why in skipped:  # a file may be named after a person's ID number
        console.print(f"  [yellow]skipped {mask(str(path))}[/yellow]: {mask(why)}")
    if report:
        _write_error_report(rejected, report)
        console.print(f"rejected rows written to {report}")
    if strict and any(r.rows_rejected for r in reports):
        raise typer.Exit(1)


def _add_profile_dirs(dirs: list[Path]) -> None:
    """Put further profile folders on the search path of this process."""

    have = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    os.environ[ENV_VAR] = os.pathsep.join([*have, *(str(d) for d in dirs)])


def print_reports(reports: list[IngestReport]) -> None:
    table = RichTable(
        "table",
        "file",
        "read",
        "accepted",
        "rejected",
        "replaced",
        "s",
        "why rejected",
        title="ingest",
    )
    for r in reports:
        why = ", ".join(f"{k} {v}" for k, v in r.errors_by_rule.items())
        table.add_row(
            r.table,
            _shown(r.file),
            f"{r.rows_read:,}",
            f"{r.rows_accepted:,}",
            f"{r.rows_rejected:,}",
            f"{r.rows_replaced:,}",
            f"{r.seconds:.1f}",
            why,
        )
    console.print(table)
    # a notice repeated on every part file of a partitioned dataset is printed once, counted
    notices: dict[tuple[str, str], list[str]] = {}
    for r in reports:
        for notice in r.notices:
            notices.setdefault((r.table, notice), []).append(_shown(r.file))
    for (_, notice), files in notices.items():
        where = files[0] if len(files) == 1 else f"{files[0]} and {len(files) - 1} more files"
        console.print(f"  [dim]{where}: {notice}[/dim]")
    for r in reports:
        for s in r.samples[:3]:
            console.print(
                f"  [yellow]{_shown(r.file)} row {s.row_no}[/yellow] {s.field}: {s.reason}"
            )


def _shown(file: str) -> str:
    """A file as the reports show it: its name, with the partition folders of a dataset
    (`discharges/county=130423/period=2024/part-0.parquet`)."""
    path = Path(file)
    keys = [p for p in path.parent.parts if "=" in p]
    if not keys:
        return path.name
    top = path.parents[len(keys)].name
    return "/".join([top, *keys, path.name])


def _write_error_report(rejected: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "row_no", "field", "rule", "reason", "value"])
        for row in rejected:
            w.writerow(
                [
                    row["file"],
                    row["row_no"],
                    row["field"],
                    row["rule"],
                    row["reason"],
                    row["value"] or "",
                ]
            )


def status(
    db: DbOption = Path(DEFAULT_DB),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What is loaded: rows per table and year, institutions by type, quarantine by rule."""
    st = svc.warehouse_status(db)
    if as_json:
        typer.echo(json.dumps(st, ensure_ascii=False, indent=2, default=str))
        return
    print_status(st)


def print_status(st: dict) -> None:
    t = RichTable(
        "table", "表", "rows", "by year", "quarantined", title=f"warehouse {st['database']}"
    )
    for row in st["tables"]:
        years = " ".join(f"{y}:{n:,}" for y, n in row["periods"].items())
        t.add_row(row["table"], row["zh"], f"{row['rows']:,}", years, f"{row['quarantined']:,}")
    console.print(t)
    it = RichTable("institution type", "类别", "count", "open beds", title="institutions")
    for row in st["institutions_by_type"]:
        it.add_row(row["type"], row["zh"], str(row["count"]), f"{row['open_beds'] or 0:,}")
    console.print(it)
    if st.get("derived_tables"):
        dt = RichTable("table", "rows", title="derived tables (engine results, workflow feed)")
        for row in st["derived_tables"]:
            dt.add_row(row["table"], f"{row['rows']:,}")
        console.print(dt)
    if st["quarantine_by_rule"]:
        qt = RichTable("table", "rule", "errors", title="quarantine (rejected rows, by rule)")
        for row in st["quarantine_by_rule"]:
            qt.add_row(row["table"], row["rule"], f"{row['errors']:,}")
        console.print(qt)


@warehouse_app.command("export")
def warehouse_export(directory: Path, db: DbOption = Path(DEFAULT_DB)) -> None:
    """Write every table to DIRECTORY/<table>.parquet."""
    files = svc.export_warehouse(db, directory)
    console.print(f"{len(files)} Parquet files written to {directory}")


@warehouse_app.command("import")
def warehouse_import(
    directory: Path,
    db: DbOption = Path(DEFAULT_DB),
    key_file: Annotated[
        Path | None, typer.Option(help="Pseudonymisation key file (else $YIGONG_PSEUDONYM_KEY).")
    ] = None,
) -> None:
    """Replace the warehouse's tables by DIRECTORY/<table>.parquet (atomic); the canonical
    tables pass every ingest rule first (raw identifiers pseudonymised, or the import refused)."""
    counts = svc.import_warehouse(db, directory, key_file=key_file)
    console.print(", ".join(f"{k} {v:,}" for k, v in counts.items()))


def schema_docs(
    out: Annotated[Path | None, typer.Option("-o", help="Write to this file.")] = None,
) -> None:
    """Print (or write) the data dictionary generated from the schema declarations."""
    from yigong.schema.docs import render_markdown  # lazy: start-up

    text = render_markdown()
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
