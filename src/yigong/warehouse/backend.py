"""The backend switch: the same engines on DuckDB (a warehouse file) or Spark (a Parquet
warehouse directory, local mode or a cluster).

``open_backend(kind, location)`` gives an object with ``.table(name)`` (an Ibis table), ``.ibis``
(an Ibis backend for services that take one), ``.list_tables()``, ``.has_table()``,
``.to_arrow(name)``, ``.kind`` and ``.close()`` (also a context manager). The kind comes from
the argument, else ``YIGONG_BACKEND``, else ``duckdb``; the Spark master from the argument,
else ``YIGONG_SPARK_MASTER``, else ``local[2]``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import ibis
import pyarrow as pa

from yigong.warehouse.store import DEFAULT_DB, Warehouse

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from yigong.warehouse.spark import SparkSettings, SparkWarehouse

BACKENDS = ("duckdb", "spark")
ENV_BACKEND = "YIGONG_BACKEND"
DEFAULT_BACKEND = "duckdb"
DEFAULT_SPARK_ROOT = "yigong-parquet"

#: what the Spark backend does not run, by name, with the reason and what to do instead.
#: Commands that need one of these refuse with this text; docs/scale.md lists them too.
SPARK_UNSUPPORTED: dict[str, str] = {
    "ingest:csv": "ingest on Spark reads Parquet only; ingest CSV/Excel files with the DuckDB "
    "backend (or convert them to Parquet first)",
    "ingest:xlsx": "ingest on Spark reads Parquet only; ingest Excel files with the DuckDB backend",
    "ingest:malformed": "the `malformed` rule is a CSV reader rule: Parquet files have no "
    "malformed lines, so it never fires on Spark",
    "settlement": "settlements (yigong settle …) run on the DuckDB warehouse only",
    "workflow": "the referral / contract workflow store, reform tasks, the API and the cockpit "
    "run on DuckDB only",
    "screening": "fund-supervision screening (yigong screen …) runs on the DuckDB warehouse only",
    "status": "yigong status reads the DuckDB warehouse; a Parquet warehouse lists its tables and "
    "rows in _yigong.json",
    "demo": "make demo / yigong demo builds a DuckDB county",
    "interop": "yigong interop (FHIR and DHIS2 exports) reads the DuckDB warehouse and the "
    "workflow store",
}

#: top-level commands without a --backend option, and the declared gap each one falls under:
#: with YIGONG_BACKEND=spark they refuse to run rather than silently use DuckDB.
DUCKDB_ONLY_COMMANDS: dict[str, str] = {
    "settle": "settlement",
    "serve": "workflow",
    "users": "workflow",
    "referral": "workflow",
    "tasks": "workflow",
    "screen": "screening",
    "status": "status",
    "demo": "demo",
    "interop": "interop",
}


class BackendError(ValueError):
    """An unknown backend or an action the chosen backend does not support."""


class Backend(Protocol):
    """What engines and services may use of a warehouse, whatever the backend."""

    kind: str
    ibis: Any

    def table(self, name: str) -> ibis.Table: ...
    def list_tables(self) -> list[str]: ...
    def has_table(self, name: str) -> bool: ...
    def to_arrow(self, name: str) -> pa.Table: ...
    def close(self) -> None: ...


def backend_kind(kind: str | None = None) -> str:
    """The backend to use: `kind`, else `$YIGONG_BACKEND`, else duckdb (checked)."""
    value = (kind or os.environ.get(ENV_BACKEND) or DEFAULT_BACKEND).strip().lower()
    if value not in BACKENDS:
        raise BackendError(
            f"unknown backend {value!r}: choose one of {', '.join(BACKENDS)} "
            f"(--backend or ${ENV_BACKEND})"
        )
    return value


def unsupported(feature: str, kind: str) -> BackendError:
    """The error for a feature declared unsupported on `kind` (see SPARK_UNSUPPORTED)."""
    return BackendError(
        f"not supported on the {kind} backend: {feature}: {SPARK_UNSUPPORTED[feature]}"
    )


def open_backend(
    kind: str | None = None,
    location: str | Path | None = None,
    *,
    master: str | None = None,
    settings: SparkSettings | None = None,
    session: SparkSession | None = None,
    create: bool = False,
) -> Warehouse | SparkWarehouse:
    """Open the warehouse at `location` on backend `kind`.

    duckdb: `location` is the warehouse file (default yigong.duckdb; None in-memory is
    ``":memory:"``). spark: `location` is the Parquet warehouse root; `session` reuses a running
    Spark session (tests, notebooks), else one is started from `settings` / `master` (which
    override ``YIGONG_SPARK_MASTER``, ``YIGONG_SPARK_SHUFFLE_PARTITIONS``, ``YIGONG_SPARK_CONF``).
    `create` makes an empty Spark root if it does not exist (a DuckDB file is always created).
    """
    chosen = backend_kind(kind)
    if chosen == "duckdb":
        return Warehouse(location if location is not None else DEFAULT_DB)
    from yigong.warehouse.spark import SparkSettings, SparkWarehouse

    if settings is None:
        settings = SparkSettings.from_env(master)
    elif master:
        settings = SparkSettings(
            master, settings.shuffle_partitions, settings.app_name, settings.conf
        )
    root = location if location is not None else DEFAULT_SPARK_ROOT
    return SparkWarehouse(root, session, settings=settings, create=create)
