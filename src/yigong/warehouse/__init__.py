"""The warehouse: the only code that knows the backends (DuckDB by default, or Spark).

One protocol (`protocol.Warehouse`: a read half handing out Ibis tables, a write half replacing
tables atomically, a batch-map for Arrow engines), implemented by `backends.duckdb` and
`backends.spark`, each declaring what it does not run (`capabilities`). Open one with
`open_warehouse(kind, location)`.
"""

from __future__ import annotations

from yigong.warehouse.backends.duckdb import DEFAULT_DB
from yigong.warehouse.capabilities import (
    BACKENDS,
    FEATURES,
    BackendError,
    capabilities,
    gaps,
    unsupported,
)
from yigong.warehouse.connect import (
    DEFAULT_SPARK_ROOT,
    ENV_BACKEND,
    ENV_MASTER,
    backend_kind,
    open_warehouse,
)
from yigong.warehouse.errors import WarehouseError
from yigong.warehouse.protocol import BatchFn, Data, Tables, Warehouse, Where

__all__ = [
    "BACKENDS",
    "DEFAULT_DB",
    "DEFAULT_SPARK_ROOT",
    "ENV_BACKEND",
    "ENV_MASTER",
    "FEATURES",
    "BackendError",
    "BatchFn",
    "Data",
    "Tables",
    "Warehouse",
    "WarehouseError",
    "Where",
    "backend_kind",
    "capabilities",
    "gaps",
    "open_warehouse",
    "unsupported",
]
