"""`yigong backup OUT` and `yigong restore BACKUP TARGET` (`yigong.services.backup`): the
warehouse, the workflow store, the users, the settlement runs and the configuration, with a
manifest of checksums. Locations come from the flags or the configuration file, as for
`yigong serve` (the store, users and runs next to the warehouse by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yigong.cli.config_opt import current_config
from yigong.warehouse import DEFAULT_DB

__all__ = ["backup", "restore"]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="new folder to write the backup to")],
    db: Annotated[Path, typer.Option("--db", help="warehouse file (DuckDB)")] = Path(DEFAULT_DB),
    store: Annotated[
        str,
        typer.Option("--store", help="workflow store URL or SQLite path (default: by --db)"),
    ] = "",
    users_db: Annotated[
        Path | None, typer.Option("--users-db", help="user store (default: auth.sqlite by --db)")
    ] = None,
    runs: Annotated[
        Path | None, typer.Option("--runs", help="settlement runs (default: runs/ by --db)")
    ] = None,
) -> None:
    """Back up the warehouse, workflow store, users, runs and configuration, with checksums.
    Safe while the server runs with --workers 2 or more (the warehouse is read-only then)."""
    from yigong.access.settings import Settings  # lazy: start-up
    from yigong.services.backup import BackupError, Deployment  # lazy: start-up
    from yigong.services.backup import backup as run  # lazy: start-up

    s = Settings(warehouse=db, workflow_store=store, users_db=users_db, runs_dir=runs, secret="-")
    dep = Deployment(db, s.workflow_url, s.users_path, s.runs_path, current_config(ctx).source)
    try:
        manifest = run(dep, out)
    except BackupError as exc:
        raise _fail(exc) from None
    size = sum(f["bytes"] for f in manifest["files"].values())
    typer.echo(
        f"backup written to {out}: {len(manifest['files'])} files, {size / 1e6:,.1f} MB "
        f"(warehouse layout {manifest['warehouse_layout']}, store "
        f"{manifest['store']['kind']} at schema {manifest['store']['revision']})"
    )


def restore(
    source: Annotated[Path, typer.Argument(help="a backup folder (yigong backup)")],
    target: Annotated[
        Path | None, typer.Argument(help="new or empty folder to restore into")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help="an empty PostgreSQL database for a PostgreSQL store (its URL)"
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="only check the backup against its manifest")
    ] = False,
) -> None:
    """Check a backup's checksums and restore it into an empty folder (a yigong.toml there
    points at the restored files: `yigong serve --config TARGET/yigong.toml`)."""
    from yigong.services.backup import BackupError, verify  # lazy: start-up
    from yigong.services.backup import restore as run  # lazy: start-up

    try:
        if check:
            manifest = verify(source)
            typer.echo(f"{source}: {len(manifest['files'])} files match the manifest")
            return
        if target is None:
            raise typer.BadParameter("name the folder to restore into", param_hint="TARGET")
        done = run(source, target, store_url=store if store and "://" in store else None)
    except BackupError as exc:
        raise _fail(exc) from None
    typer.echo(f"restored into {done.folder}; start with: yigong serve --config {done.config}")
