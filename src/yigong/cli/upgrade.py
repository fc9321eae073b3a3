"""`yigong warehouse upgrade` and `yigong store status|upgrade`: bring a deployment's data to
this release (docs/deploy.md, "Upgrading"). Back up first (`yigong backup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yigong.store import store_url
from yigong.warehouse import DEFAULT_DB

__all__ = ["store_app", "warehouse_upgrade"]

store_app = typer.Typer(help="The workflow store's schema (Alembic migrations).")

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="workflow store URL or SQLite path (default: workflow.sqlite next to --db)",
    ),
]
DbOpt = Annotated[Path, typer.Option("--db", help="warehouse file (DuckDB)")]


def warehouse_upgrade(db: DbOpt = Path(DEFAULT_DB)) -> None:
    """Rewrite the warehouse in this release's layout (one transaction; back it up first)."""
    from yigong.services.upgrades import upgrade_warehouse  # lazy: start-up

    done = upgrade_warehouse(db)
    if done.before == done.after:
        typer.echo(f"{db}: layout {done.after}, nothing to do")
        return
    tables = ", ".join(done.rewritten) or "no table rewritten"
    typer.echo(f"{db}: layout {done.before} → {done.after} ({tables})")


def _url(store: str | None, db: Path) -> str:
    return store_url(store or db.with_name("workflow.sqlite"))


@store_app.command("status")
def status(store: StoreOpt = None, db: DbOpt = Path(DEFAULT_DB)) -> None:
    """The store's schema revision and this release's (exit 1 when an upgrade is due)."""
    from yigong.services.upgrades import store_state  # lazy: start-up

    s = store_state(_url(store, db))
    typer.echo(f"{s.url}: schema {s.revision or 'empty'}, this yigong: {s.head}")
    if s.revision is not None and not s.current:
        typer.echo("run `yigong store upgrade` (after `yigong backup`)")
        raise typer.Exit(1)


@store_app.command("upgrade")
def upgrade(store: StoreOpt = None, db: DbOpt = Path(DEFAULT_DB)) -> None:
    """Run the migrations the store lacks, in one transaction (back it up first)."""
    from yigong.services.upgrades import upgrade_store  # lazy: start-up

    before, after = upgrade_store(_url(store, db))
    if before.revision == after.revision:
        typer.echo(f"{after.url}: schema {after.revision}, nothing to do")
    else:
        typer.echo(f"{after.url}: schema {before.revision or 'empty'} → {after.revision}")
