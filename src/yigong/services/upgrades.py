"""Upgrading a deployment to this release: the warehouse's layout and the workflow store's
schema (one function per action; `yigong warehouse upgrade`, `yigong store status|upgrade`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yigong.store.migrate import state
from yigong.store.migrate import upgrade as upgrade_schema
from yigong.warehouse.upgrade import upgrade

__all__ = ["StoreState", "WarehouseUpgrade", "store_state", "upgrade_store", "upgrade_warehouse"]


@dataclass(frozen=True)
class WarehouseUpgrade:
    path: Path
    before: int | None
    after: int
    rewritten: list[str]


def upgrade_warehouse(db: Path) -> WarehouseUpgrade:
    """Bring the DuckDB warehouse at ``db`` to this release's layout (atomic)."""

    before, after, rewritten = upgrade(db)
    return WarehouseUpgrade(db, before, after, rewritten)


@dataclass(frozen=True)
class StoreState:
    url: str  # password hidden
    revision: str | None  # None: empty; "before-migrations": made by release 0.1
    head: str

    @property
    def current(self) -> bool:
        return self.revision == self.head


def _engine(url: str):  # noqa: ANN202 - an SQLAlchemy engine
    from sqlalchemy import create_engine  # lazy: heavy (sqlalchemy ~0.4 s), store only

    return create_engine(url)


def store_state(url: str) -> StoreState:
    """Where the workflow store's schema stands against this release's migrations."""

    engine = _engine(url)
    try:
        rev, head = state(engine)
        return StoreState(engine.url.render_as_string(hide_password=True), rev, head)
    finally:
        engine.dispose()


def upgrade_store(url: str) -> tuple[StoreState, StoreState]:
    """Run the migrations the workflow store lacks (one transaction); (before, after)."""

    before = store_state(url)
    engine = _engine(url)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()
    return before, store_state(url)
