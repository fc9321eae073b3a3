"""`yigong packs list|check|seal|docs`: every rule pack of every engine (thin commands over
`yigong.services.packs`). `yigong catalog check`, `drg check`, `screen check` and `tasks check`
remain, each for its own kind."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yigong.cli.errors import validator_exit
from yigong.rulepacks import IssuesError, Level
from yigong.services import packs as svc

app = typer.Typer(
    help="Rule packs (indicator catalogs, policies, catalogs, rules, tasks, DRG packs): list, "
    "check, seal, document.",
    no_args_is_help=True,
)
console = Console()


@app.command("list")
def list_cmd() -> None:
    """List the built-in packs: kind, engine, id, version, title."""
    t = Table()
    for col in ("kind", "engine", "id", "version", "title"):
        t.add_column(col, overflow="fold")
    for row in svc.list_packs():
        t.add_row(row.kind, row.engine, row.id, row.version, row.title)
    console.print(t)


@app.command("check")
def check_cmd(
    packs: Annotated[
        list[str] | None,
        typer.Argument(help="pack ids or folders (default: every built-in pack)"),
    ] = None,
) -> None:
    """Validate packs: manifest, README, licence, checksums, and every rule of the engine that
    reads them. Exit 1 on any error."""
    results = svc.check_packs(packs)
    failed, every = False, []
    for kind, issues in results.items():
        every += issues
        errors = sum(1 for i in issues if i.level is Level.ERROR)
        failed |= bool(errors)
        warnings = len(issues) - errors
        typer.echo(
            f"{kind}: {'OK' if not errors else f'{errors} error(s)'}"
            f"{f', {warnings} warning(s)' if warnings else ''}"
        )
        for i in issues:
            typer.echo(f"  {i}")
    raise typer.Exit(validator_exit(every) if failed else 0)


@app.command("seal")
def seal_cmd(
    folder: Annotated[Path, typer.Argument(help="a pack folder you edited")],
) -> None:
    """Record the SHA-256 of every file of a pack folder in its manifest.toml."""
    try:
        digests = svc.seal_pack(folder)
    except IssuesError as exc:
        for i in exc.issues:
            typer.echo(f"error: {i}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"sealed {folder}: {len(digests)} file(s)")


@app.command("docs")
def docs_cmd(
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="write here (docs/rules.md)")
    ] = None,
) -> None:
    """The table policy sentence → pack → file:line of every built-in pack (docs/rules.md)."""
    text = svc.rules_document()
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")
