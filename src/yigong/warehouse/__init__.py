"""The warehouse: the only code that knows the backend (DuckDB by default, through Ibis)."""

from yigong.warehouse.store import DEFAULT_DB, Warehouse, WarehouseError

__all__ = ["DEFAULT_DB", "Warehouse", "WarehouseError"]
