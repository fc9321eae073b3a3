"""The root command group: every command gets ``--config`` (`config_opt`), and a warehouse or
workflow store that cannot be used as it is (held by another process, an older layout or schema
awaiting an upgrade) is reported in one line naming it and the fix, never as a traceback —
also when the tree is driven by a test runner rather than the ``yigong`` program."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from yigong.cli.config_opt import add_config_option
from yigong.store import StoreOutdated
from yigong.warehouse import WarehouseError

__all__ = ["RootGroup"]


class RootGroup(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_config_option(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (WarehouseError, StoreOutdated) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
