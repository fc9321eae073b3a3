"""The backend options shared by the commands that run on DuckDB or Spark.

``--backend duckdb|spark`` (or ``$YIGONG_BACKEND``; DuckDB by default), ``--warehouse DIR`` (the
Parquet warehouse root on Spark) and ``--spark-master URL`` (or ``$YIGONG_SPARK_MASTER``;
``local[2]`` by default, ``spark://host:7077`` for a cluster).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yigong.cli.backend_flags import BackendOpt, MasterOpt
from yigong.warehouse import DEFAULT_DB, DEFAULT_SPARK_ROOT, BackendError, backend_kind

__all__ = ["BackendOpt", "MasterOpt", "SparkRootOpt", "chosen", "location"]

SparkRootOpt = Annotated[
    Path | None,
    typer.Option("--warehouse", help="Parquet warehouse directory (with --backend spark)"),
]


def chosen(backend: str | None) -> str:
    """The backend of a command line, or a usage error naming the choices."""
    try:
        return backend_kind(backend)
    except BackendError as exc:
        raise typer.BadParameter(str(exc), param_hint="--backend") from exc


def location(kind: str, db: Path | None, root: Path | None) -> Path:
    """The warehouse a command line names: on Spark the Parquet warehouse root (``--warehouse``
    or ``--out``, default ``yigong-parquet``), on DuckDB the file (``--db``)."""
    if kind == "spark":
        return root if root is not None else Path(DEFAULT_SPARK_ROOT)
    return db if db is not None else Path(DEFAULT_DB)
