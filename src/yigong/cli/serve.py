"""`yigong serve`: the API and the cockpit (users: `yigong.cli.users`)."""

from __future__ import annotations

import json
import os
import secrets
import socket
from pathlib import Path
from typing import Annotated

import typer

from yigong.cli.config_opt import current_config
from yigong.cli.users import users_app
from yigong.config import ConfigError, session_secret
from yigong.payment.loader import load_policy
from yigong.rulepacks import IssuesError

__all__ = ["serve", "users_app"]

Db = Annotated[Path, typer.Option("--db", help="warehouse file (DuckDB)")]
UsersDb = Annotated[
    Path | None, typer.Option("--users-db", help="user store (default: auth.sqlite by --db)")
]


def _settings(  # noqa: ANN202 - typer helper
    db: Path,
    users_db: Path | None,
    store: str = "",
    policy: str = "henan-default",
    runs: Path | None = None,
    **sessions: object,
):
    from yigong.access.settings import Settings  # lazy: start-up

    return Settings(
        warehouse=db,
        users_db=users_db,
        workflow_store=store,
        settlement_policy=policy,
        runs_dir=runs,
        warm_caches=True,  # a served cockpit answers its users' first pages at once
        **sessions,  # type: ignore[arg-type]
    )


def _can_listen(host: str, port: int) -> None:
    """Refuse, naming the option, a host that does not resolve or a port taken or forbidden,
    before the server starts (the server would log and exit 3, or stay silent)."""

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise typer.BadParameter(
            f"{host!r} is no interface of this machine ({exc})", param_hint="--host"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot listen on {host}:{port} ({exc.strerror or exc})", param_hint="--port"
            ) from None


def serve(
    ctx: typer.Context,
    db: Db = Path("yigong.duckdb"),
    users_db: UsersDb = None,
    store: Annotated[
        str,
        typer.Option(
            "--store",
            help="workflow store URL or SQLite path (default: workflow.sqlite by "
            "--db; env YIGONG_STORE_URL is not read here)",
        ),
    ] = "",
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port (1-65535)")] = 8000,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="payment policy (name or YAML path) the cockpit's settlement pages settle with",
        ),
    ] = "henan-default",
    runs: Annotated[
        Path | None,
        typer.Option(
            "--runs", help="where the cockpit writes its settlement runs (default: runs/ by --db)"
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="server processes; with more than one the warehouse is "
            "opened read-only (each keeps its own result cache)",
        ),
    ] = 1,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="behind a TLS proxy: cookies only over HTTPS (__Host- prefix) and HSTS "
            "(docs/access.md has an nginx example)",
        ),
    ] = False,
    idle_minutes: Annotated[
        int,
        typer.Option(
            "--session-idle-minutes", min=1, help="a session ends after this much inactivity"
        ),
    ] = 30,
    session_minutes: Annotated[
        int, typer.Option("--session-minutes", min=1, help="a session ends this long after login")
    ] = 480,
) -> None:
    """Run the REST API (/api/v1, OpenAPI at /docs) and the web cockpit (/)."""

    import uvicorn  # lazy: web extra

    from yigong.access.settings import SECRET_ENV  # lazy: start-up
    from yigong.api import create_app
    from yigong.api.app import SERVE_ENV
    from yigong.api.logs import configure_logging

    config = current_config(ctx)
    try:
        secret = session_secret(config)  # from the key file or variable the file names
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--config") from exc
    settings = _settings(
        db,
        users_db,
        store,
        policy,
        runs,
        secure_cookies=secure_cookies,
        session_idle_minutes=idle_minutes,
        session_absolute_minutes=session_minutes,
        language=config.server.language,
        **({"secret": secret} if secret else {}),
    )

    try:  # a wrong policy is refused now, not on the first settlement page a user opens
        load_policy(policy)
    except (IssuesError, OSError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--policy") from exc
    _can_listen(host, port)
    configure_logging(config.log.format, config.log.level)
    typer.echo(
        f"cockpit: http://{host}:{port}/   API: http://{host}:{port}/docs"
        + (f"   ({workers} workers, warehouse read-only)" if workers > 1 else "")
    )
    quiet = {"log_level": "warning", "access_log": False, "log_config": None}
    if workers == 1:
        uvicorn.run(create_app(settings, warm=True), host=host, port=port, **quiet)
        return
    if not settings.warehouse.exists():
        raise typer.BadParameter(f"no warehouse at {settings.warehouse}", param_hint="--db")
    # every worker must sign and check tokens with the same secret
    if secret:
        os.environ[SECRET_ENV] = secret
    else:
        os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))
    os.environ[SERVE_ENV] = json.dumps(
        {
            "warehouse": str(settings.warehouse.resolve()),
            "users_db": str(settings.users_path.resolve()),
            "workflow_store": settings.workflow_url,
            "settlement_policy": settings.settlement_policy,
            "runs_dir": str(settings.runs_path.resolve()),
            "session_idle_minutes": idle_minutes,
            "session_absolute_minutes": session_minutes,
            "secure_cookies": secure_cookies,
            "language": config.server.language,
            "log_format": config.log.format,
            "log_level": config.log.level,
        }
    )
    uvicorn.run(
        "yigong.api.app:app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        **quiet,
    )
