"""The ``--backend`` and ``--spark-master`` options, defined once and light: no import of
`yigong.warehouse` (DuckDB, Ibis, pandas), so that `drg group`'s fast path can take them.

The names and choices are `backend_names`' (they repeat `yigong.warehouse`'s;
tests/cli/test_entry.py checks the two agree).
"""

from __future__ import annotations

from typing import Annotated

import typer

from yigong.cli.backend_names import BACKENDS, ENV_BACKEND, ENV_MASTER

__all__ = ["BACKENDS", "ENV_BACKEND", "ENV_MASTER", "BackendOpt", "MasterOpt"]

BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend",
        envvar=ENV_BACKEND,
        show_envvar=True,
        help=f"{' | '.join(BACKENDS)} (default duckdb)",
    ),
]
MasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        envvar=ENV_MASTER,
        show_envvar=True,
        help="Spark master URL: local[2] (default), local[*], spark://host:7077, yarn …",
    ),
]
