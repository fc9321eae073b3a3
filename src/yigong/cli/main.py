"""The `yigong` command line: thin commands over `yigong.services`."""

from __future__ import annotations

import sys
from typing import Any

import typer

import yigong
from yigong.cli.errors import run
from yigong.cli.root import RootGroup
from yigong.warehouse import BackendError, backend_kind, capabilities, unsupported


class _App(typer.Typer):
    """The root command: every error is handled by the one handler of the CLI
    (`yigong.cli.errors.run`): one line, never a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        run(typer.main.get_command(self), *args, **kwargs)


app = _App(
    cls=RootGroup,
    help="yigong (医共): county medical community engine — synth, ingest, status, DRG, payment, referral.",
    no_args_is_help=True,
    add_completion=False,
)


#: top-level commands without a --backend option, and the backend feature each one needs: when
#: $YIGONG_BACKEND names a backend without it, they refuse rather than silently use DuckDB.
COMMAND_NEEDS: dict[str, str] = {
    "settle": "settlement",
    "fund": "settlement",
    "agreements": "settlement",
    "serve": "workflow",
    "users": "workflow",
    "referral": "workflow",
    "tasks": "workflow",
    "screen": "screening",
    "status": "status",
    "demo": "demo",
    "interop": "workflow",
    # the workflow store and the DuckDB warehouse file of a deployment (docs/deploy.md)
    "store": "workflow",
    "backup": "workflow",
    "restore": "workflow",
}


def refuse_unsupported(command: str, backend: str | None = None) -> None:
    """Raise `BackendError` when `command` needs a feature the chosen backend (`backend`, else
    $YIGONG_BACKEND, else duckdb) declares unsupported."""
    kind = backend_kind(backend)
    feature = COMMAND_NEEDS.get(command)
    if feature is not None and feature not in capabilities(kind):
        raise unsupported(feature, kind)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """yigong (医共): county medical community engine."""
    if "--help" in sys.argv[1:]:
        return
    try:
        refuse_unsupported(ctx.invoked_subcommand or "")
    except BackendError as exc:
        typer.echo(f"error: {exc} (unset YIGONG_BACKEND to use DuckDB)", err=True)
        raise typer.Exit(2) from None


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
from yigong.cli import upgrade as _upgrade  # noqa: E402

_data.warehouse_app.command("upgrade")(_upgrade.warehouse_upgrade)
app.add_typer(_upgrade.store_app, name="store")
from yigong.cli import backup as _backup  # noqa: E402

app.command("backup")(_backup.backup)
app.command("restore")(_backup.restore)
from yigong.cli.config_cmd import config_app  # noqa: E402

app.add_typer(config_app, name="config")
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
from yigong.cli import tasks  # noqa: E402

app.add_typer(tasks.app, name="tasks")
from yigong.cli import serve as _serve  # noqa: E402

app.command("serve")(_serve.serve)
app.add_typer(_serve.users_app, name="users")
from yigong.cli import screen  # noqa: E402

app.add_typer(screen.app, name="screen")
from yigong.cli import packs  # noqa: E402

app.add_typer(packs.app, name="packs")
from yigong.cli import charges as _charges  # noqa: E402
from yigong.cli import drugs as _drugs  # noqa: E402

app.add_typer(_drugs.app, name="drugs")
app.add_typer(_charges.app, name="charges")
from yigong.cli import profiles  # noqa: E402

app.add_typer(profiles.app, name="profiles")
from yigong.cli import bureau  # noqa: E402

app.add_typer(bureau.fund_app, name="fund")
app.add_typer(bureau.agreements_app, name="agreements")
from yigong.cli import health  # noqa: E402

app.add_typer(health.app, name="health")
from yigong.cli import ops  # noqa: E402

app.add_typer(ops.app, name="ops")
from yigong.cli import interop  # noqa: E402

app.add_typer(interop.app, name="interop")
from yigong.cli import keys  # noqa: E402

app.add_typer(keys.app, name="keys")
