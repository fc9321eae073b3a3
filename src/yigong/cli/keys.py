"""`yigong keys generate PATH`: a new pseudonymisation key, readable by its owner only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yigong.ingest.pseudonym import ENV_VAR, MIN_KEY_BYTES, generate_key

app = typer.Typer(help="Pseudonymisation keys.", no_args_is_help=True)


@app.command("generate")
def generate(
    path: Annotated[Path, typer.Argument(help="Key file to create (never overwritten).")],
) -> None:
    """Write a new key of 32 random bytes (hexadecimal) to PATH with mode 0600. Keep it with
    the warehouse's backups: a warehouse only accepts the key it was built with."""
    if path.exists():
        raise typer.BadParameter(f"{path} exists: a key is never overwritten", param_hint="PATH")
    generate_key(path)
    typer.echo(
        f"{MIN_KEY_BYTES}-byte key written to {path} (mode 0600); use it with "
        f"`yigong ingest --key-file {path}` or ${ENV_VAR}"
    )
