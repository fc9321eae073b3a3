"""``--config FILE`` on every command: the configuration file's values become the defaults of
the command's options, so flags (and the environment variables an option names) still win.

The root group (`yigong.cli.root.RootGroup`) adds the option to every command of the tree when the tree is
built, so a command added later reads the file without a line of its own. The option is eager:
its callback runs before the other options are read, finds the file (`yigong.config.locate`:
``--config``, ``$YIGONG_CONFIG``, ``./yigong.toml``, ``/etc/yigong/yigong.toml``), checks it,
and fills the command's ``default_map`` from `option_defaults`. The loaded `Config` is kept in
``ctx.meta`` for commands that need more than their options (`yigong serve`: secrets, language,
log format).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from yigong.config import Config, ConfigError, load_config, store_url

__all__ = [
    "META_KEY",
    "add_config_option",
    "config_option",
    "current_config",
    "option_defaults",
]

META_KEY = "yigong.config"


def _set(section: Any, field: str) -> bool:
    return field in section.model_fields_set


def option_defaults(config: Config, params: dict[str, Any]) -> dict[str, Any]:
    """The defaults the configuration gives a command whose options are ``params`` (option name
    → its declared default): only keys the file sets, only options the command has. Each value
    is a function giving it (Click calls it when the option is not on the command line), so a
    store password is read only by a command that uses the store.

    ``--db`` is filled only where the command always reads a warehouse (declared default not
    None): `yigong settle` takes either a bundle or ``--db``, and the file must not choose."""
    c = config
    table: dict[str, tuple[bool, Callable[[], Any]]] = {
        "db": (_set(c.warehouse, "path"), lambda: c.warehouse.path),
        "backend": (_set(c.warehouse, "backend"), lambda: c.warehouse.backend),
        "warehouse": (
            c.warehouse.spark_root is not None and c.warehouse.backend == "spark",
            lambda: c.warehouse.spark_root,
        ),
        "spark_master": (c.warehouse.spark_master is not None, lambda: c.warehouse.spark_master),
        "store": (bool(c.store.url), _lazy_store(c)),
        "users_db": (c.users.path is not None, lambda: c.users.path),
        "runs": (c.runs.path is not None, lambda: c.runs.path),
        "policy": (_set(c.settlement, "policy"), lambda: c.settlement.policy),
        "key_file": (
            c.secrets.pseudonym_key_file is not None,
            lambda: c.secrets.pseudonym_key_file,
        ),
        "host": (_set(c.server, "host"), lambda: c.server.host),
        "port": (_set(c.server, "port"), lambda: c.server.port),
        "workers": (_set(c.server, "workers"), lambda: c.server.workers),
        "secure_cookies": (_set(c.server, "secure_cookies"), lambda: c.server.secure_cookies),
        "idle_minutes": (
            _set(c.server, "session_idle_minutes"),
            lambda: c.server.session_idle_minutes,
        ),
        "session_minutes": (_set(c.server, "session_minutes"), lambda: c.server.session_minutes),
    }
    out: dict[str, Any] = {}
    for name, declared in params.items():
        if name not in table or (name == "db" and declared is None):
            continue
        given, value = table[name]
        if given:
            out[name] = value
    return out


def _lazy_store(config: Config) -> Callable[[], str]:
    """The store URL, its password read only when a command actually uses the store."""

    def url() -> str:
        try:
            return store_url(config)
        except ConfigError as exc:
            raise typer.BadParameter(str(exc), param_hint="--config") from None

    return url


def _load(ctx: typer.Context, value: str | None) -> None:
    try:
        config = load_config(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--config") from None
    ctx.meta[META_KEY] = config
    declared = {p.name: p.default for p in ctx.command.params if p.name}
    defaults = option_defaults(config, declared)
    if defaults:
        ctx.default_map = {**defaults, **(ctx.default_map or {})}


def config_option() -> Any:
    """The ``--config`` option, built by Typer from an annotated parameter (so it prints and
    converts like every other option) and taken off a one-command probe."""
    probe = typer.Typer(add_completion=False)

    @probe.command()
    def _probe(
        config: Annotated[
            str | None,
            typer.Option(
                "--config",
                is_eager=True,
                expose_value=False,
                callback=_load,
                metavar="FILE",
                help="configuration file (TOML; else $YIGONG_CONFIG, ./yigong.toml, "
                "/etc/yigong/yigong.toml); flags override it",
            ),
        ] = None,
    ) -> None:
        """probe"""

    return typer.main.get_command(probe).params[0]


def add_config_option(command: Any) -> None:
    """Give ``command`` and every command under it the ``--config`` option."""
    subs = getattr(command, "commands", None)
    if subs is not None:
        for sub in subs.values():
            add_config_option(sub)
        return
    if not any(p.name == "config" for p in command.params):
        command.params.insert(0, config_option())


def current_config(ctx: typer.Context) -> Config:
    """The configuration the running command read (a command takes ``ctx: typer.Context``)."""
    found = ctx.meta.get(META_KEY)  # meta is shared by a context and its parents
    return found if isinstance(found, Config) else Config()
