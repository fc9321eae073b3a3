"""The `yigong` command line: thin commands over `yigong.services`."""

from __future__ import annotations

import typer

import yigong

app = typer.Typer(
    help="yigong (医共): county medical community engine — synth, ingest, status, DRG, payment, referral.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """yigong (医共): county medical community engine."""


@app.command()
def version() -> None:
    """Print the yigong version."""
    typer.echo(yigong.__version__)


from yigong.cli import data as _data  # noqa: E402

app.command()(_data.synth)
app.command()(_data.ingest)
app.command()(_data.status)
app.command("schema-docs")(_data.schema_docs)
app.add_typer(_data.warehouse_app, name="warehouse")
from yigong.cli.demo import demo as _demo  # noqa: E402

app.command()(_demo)

# Sub-command groups: each area registers its own Typer app here (one line each).
from yigong.cli import settle  # noqa: E402
app.add_typer(settle.app, name="settle")
from yigong.cli import drg  # noqa: E402
app.add_typer(drg.app, name="drg")
from yigong.cli import referral  # noqa: E402
app.add_typer(referral.app, name="referral")
from yigong.cli import indicators  # noqa: E402
app.add_typer(indicators.app, name="indicators")
app.add_typer(indicators.catalog_app, name="catalog")
from yigong.cli import serve as _serve  # noqa: E402
app.command("serve")(_serve.serve)
app.add_typer(_serve.users_app, name="users")
