"""Upgrading a DuckDB warehouse file to this release's layout (`yigong warehouse upgrade`), and
copying one for a backup: what the services reach of the file's layout, without reaching the
backend (`backends.duckdb.file_layout` does the work and documents the layouts).

Only the DuckDB file has upgrade steps. A Parquet warehouse (the Spark backend) is opened only
at its exact layout version (`yigong.warehouse.layout`, checked by the Spark backend): one in
another layout is refused there, and is rebuilt by exporting an upgraded DuckDB file again.
"""

from __future__ import annotations

from pathlib import Path

from yigong.warehouse.backends.duckdb.file_layout import (
    FILE_LAYOUT_VERSION,
    copy_file,
    upgrade_file,
)

__all__ = ["FILE_LAYOUT_VERSION", "copy_snapshot", "upgrade"]


def upgrade(path: str | Path) -> tuple[int | None, int, list[str]]:
    """Bring the DuckDB warehouse file at ``path`` to `FILE_LAYOUT_VERSION` in one transaction;
    returns (layout before, layout after, tables rewritten). A `WarehouseError` names a missing
    or locked file, or a layout newer than this release's."""
    return upgrade_file(Path(path))


def copy_snapshot(src: str | Path, dst: str | Path) -> int | None:
    """Copy the DuckDB warehouse file ``src`` to ``dst`` while holding it read-only (consistent:
    no process can write it meanwhile); returns its layout. A `WarehouseError` when the file is
    missing or a writer holds it."""
    return copy_file(Path(src), Path(dst))
