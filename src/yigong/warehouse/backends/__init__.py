"""The backends: one package each (``duckdb``, ``spark``), each implementing the `Warehouse`
protocol of `yigong.warehouse.protocol` and declaring its gaps in its ``gaps`` module."""
