"""`yigong serve` (the API and cockpit) and `yigong users add` (local users)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["serve", "users_app"]

users_app = typer.Typer(help="Local users of the API and cockpit (role + hierarchy nodes).",
                        no_args_is_help=True)

Db = Annotated[Path, typer.Option("--db", help="warehouse file (DuckDB)")]
UsersDb = Annotated[Path | None, typer.Option("--users-db",
                                              help="user store (default: auth.sqlite by --db)")]


def _settings(db: Path, users_db: Path | None, store: str = ""):  # noqa: ANN202 - typer helper
    from yigong.api import Settings

    return Settings(warehouse=db, users_db=users_db, workflow_store=store)


def serve(db: Db = Path("yigong.duckdb"), users_db: UsersDb = None,
          store: Annotated[str, typer.Option(
              "--store", help="workflow store URL or SQLite path (default: workflow.sqlite by "
                              "--db; env YIGONG_STORE_URL is not read here)")] = "",
          host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8000) -> None:
    """Run the REST API (/api/v1, OpenAPI at /docs) and the web cockpit (/)."""
    import uvicorn

    from yigong.api import create_app

    app = create_app(_settings(db, users_db, store))
    typer.echo(f"cockpit: http://{host}:{port}/   API: http://{host}:{port}/docs")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@users_app.command("add")
def add(name: str,
        role: Annotated[str, typer.Option(help="province_commission, city_commission, "
                                               "county_commission, community_office, "
                                               "institution, insurance_bureau, auditor")],
        node: Annotated[list[str], typer.Option(help="a node the user sees (repeat): "
                                                     "division:130423, community:C1, inst:H1")],
        password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                              confirmation_prompt=True)],
        db: Db = Path("yigong.duckdb"), users_db: UsersDb = None) -> None:
    """Add (or replace) a local user; the change is written to the audit log."""
    from yigong.api.users import UserStore

    try:
        user = UserStore(_settings(db, users_db).users_path).add(name, password, role, node)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {user.username}: {user.role.value}, nodes {', '.join(user.nodes)}")
