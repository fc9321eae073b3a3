"""Opening a warehouse on the chosen backend.

The kind comes from the argument, else ``$YIGONG_BACKEND``, else ``duckdb``; the Spark master
from the argument, else ``$YIGONG_SPARK_MASTER``, else ``local[2]``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from yigong.warehouse.backends.duckdb import DEFAULT_DB, DuckDBWarehouse
from yigong.warehouse.backends.spark.settings import ENV_MASTER
from yigong.warehouse.capabilities import BACKENDS, BackendError
from yigong.warehouse.protocol import Warehouse

__all__ = ["DEFAULT_SPARK_ROOT", "ENV_BACKEND", "ENV_MASTER", "backend_kind", "open_warehouse"]

ENV_BACKEND = "YIGONG_BACKEND"
DEFAULT_BACKEND = "duckdb"
DEFAULT_SPARK_ROOT = "yigong-parquet"


def backend_kind(kind: str | None = None) -> str:
    """The backend to use: `kind`, else `$YIGONG_BACKEND`, else duckdb (checked)."""
    value = (kind or os.environ.get(ENV_BACKEND) or DEFAULT_BACKEND).strip().lower()
    if value not in BACKENDS:
        raise BackendError(
            f"unknown backend {value!r}: choose one of {', '.join(BACKENDS)} "
            f"(--backend or ${ENV_BACKEND})"
        )
    return value


def open_warehouse(
    kind: str | None = None,
    location: str | Path | None = None,
    *,
    read_only: bool = False,
    create: bool = False,
    master: str | None = None,
    session: Any = None,
    settings: Any = None,
) -> Warehouse:
    """Open the warehouse at `location` on backend `kind`.

    duckdb: `location` is the warehouse file (default yigong.duckdb; ``":memory:"`` in memory);
    `read_only` lets several processes read one file; without `create` a missing file is
    refused. spark: `location` is the Parquet warehouse root (default yigong-parquet), created
    empty with `create`; `session` reuses a running Spark session (tests, notebooks), else one
    is started from `settings` / `master` (which override ``YIGONG_SPARK_MASTER``,
    ``YIGONG_SPARK_SHUFFLE_PARTITIONS``, ``YIGONG_SPARK_CONF``).
    """
    chosen = backend_kind(kind)
    if chosen == "duckdb":
        path = location if location is not None else DEFAULT_DB
        if not create and path != ":memory:" and not Path(path).is_file():
            raise FileNotFoundError(f"no warehouse at {path} (ingest data first, or pass --db)")
        return DuckDBWarehouse(path, read_only=read_only)
    # PySpark is the optional `spark` extra: imported only when Spark is chosen
    from yigong.warehouse.backends.spark.settings import SparkSettings  # lazy: spark extra
    from yigong.warehouse.backends.spark.warehouse import SparkWarehouse

    if settings is None:
        settings = SparkSettings.from_env(master)
    elif master:
        settings = SparkSettings(
            master,
            settings.shuffle_partitions,
            settings.app_name,
            settings.conf,
            settings.ship_code,
        )
    root = location if location is not None else DEFAULT_SPARK_ROOT
    return SparkWarehouse(root, session, settings=settings, create=create)
