"""`yigong config example|check`: the documented example file, and checking a file (the
secrets it names are read too, so a missing key file is found before the server starts)."""

from __future__ import annotations

from importlib import resources

import typer

from yigong.cli.config_opt import current_config
from yigong.config import ConfigError, session_secret, store_url

__all__ = ["config_app"]

config_app = typer.Typer(help="The configuration file (TOML): an example, and checking one.")


@config_app.command("example")
def example() -> None:
    """Print the example configuration, every key explained (a start for /etc/yigong/)."""
    typer.echo((resources.files("yigong.config") / "example.toml").read_text(encoding="utf-8"))


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Check the configuration (--config FILE, else the default locations) and the secrets it
    names; print what it resolves to."""

    config = current_config(ctx)
    try:
        session_secret(config)
        url = store_url(config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if config.secrets.pseudonym_key_file and not config.secrets.pseudonym_key_file.is_file():
        typer.echo(f"error: {config.secrets.pseudonym_key_file}: no pseudonym key file", err=True)
        raise typer.Exit(2)
    where = config.source or "no file (built-in defaults)"
    typer.echo(f"configuration: {where}")
    shown = url
    if "://" in url:
        from sqlalchemy.engine import make_url  # lazy: heavy (sqlalchemy), store only

        shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"warehouse: {config.warehouse.path} ({config.warehouse.backend})")
    typer.echo(f"workflow store: {shown or 'workflow.sqlite next to the warehouse'}")
    typer.echo(
        f"server: {config.server.host}:{config.server.port}, {config.server.workers} workers"
    )
