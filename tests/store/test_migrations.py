"""The workflow store under Alembic: a store made by release 0.1 (no migrations, frozen models in
`tests/store/release_0_1`) with rows in every table is refused until upgraded, then upgraded
to head keeping every row, on SQLite and PostgreSQL; a fresh store is made by the migrations
and matches the models exactly."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    create_engine,
    insert,
    inspect,
    select,
)

from tests.store.release_0_1 import Base as Release01
from yigong.store import Store, StoreOutdated
from yigong.store import models as m
from yigong.store.migrate import LEGACY, head_revision, state, target_metadata, upgrade

ROWS = 7


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[Engine]:
    """An empty database on each backend (PostgreSQL: a schema of its own)."""
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{os.path.join(tmp_path, 'workflow.sqlite')}")
        yield eng
        eng.dispose()
        return
    server = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with server.admin() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    eng = create_engine(server.url("postgres"), connect_args={"options": f"-csearch_path={schema}"})
    yield eng
    eng.dispose()
    with server.admin() as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _value(column: Any, i: int) -> Any:
    """A distinct value of the column's type for row ``i`` (foreign keys point at row ``i``)."""
    t = column.type
    if isinstance(t, Boolean):
        return i % 2 == 0
    if isinstance(t, DateTime):
        return datetime(2025, 3, 1, 8, 30) + timedelta(hours=i)
    if isinstance(t, Date):
        return date(2025, 1, 1) + timedelta(days=i)
    if isinstance(t, Integer):  # BigInteger too
        return 1000 + i
    return f"{column.name}-{i}"[: getattr(t, "length", None) or 200]


def fill(engine: Engine, metadata: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """``ROWS`` rows in every table of ``metadata`` (parents first); every table's rows back."""
    with engine.begin() as con:
        for table in metadata.sorted_tables:
            rows = []
            for i in range(ROWS):
                row = {}
                for c in table.columns:
                    fk = next(iter(c.foreign_keys), None)
                    if fk is not None:
                        row[c.name] = _value(fk.column, i)
                    else:
                        row[c.name] = _value(c, i)
                rows.append(row)
            con.execute(insert(table), rows)
    return dump(engine, metadata)


def dump(engine: Engine, metadata: MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ``metadata``, in primary-key order."""
    with engine.connect() as con:
        return {
            t.name: [tuple(r) for r in con.execute(select(t).order_by(*t.primary_key.columns))]
            for t in metadata.sorted_tables
        }


def test_a_release_0_1_store_with_rows_is_refused_then_upgraded_keeping_every_row(engine):
    Release01.metadata.create_all(engine)  # exactly what release 0.1's Store() did
    before = fill(engine, Release01.metadata)
    assert all(len(rows) == ROWS for rows in before.values()) and len(before) == 13

    assert state(engine) == (LEGACY, head_revision())
    with pytest.raises(StoreOutdated, match="yigong store upgrade"):
        _store(engine)  # refused, not half-read

    assert upgrade(engine) == (LEGACY, head_revision())
    assert dump(engine, Release01.metadata) == before  # every row, every column
    with engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), target_metadata()) == []
        indexes = {i["name"] for i in inspect(con).get_indexes("wf_referral")}
    assert {"ix_wf_referral_requesting_institution", "ix_wf_referral_receiving_institution"} <= (
        indexes
    )
    assert upgrade(engine) == (head_revision(), head_revision())  # a second run changes nothing


def test_the_upgraded_store_is_read_and_written_by_this_release(engine):
    Release01.metadata.create_all(engine)
    fill(engine, Release01.metadata)
    upgrade(engine)
    store = _store(engine)
    try:
        with store.transaction() as s:
            ref = s.get(m.Referral, "referral_id-3")
            assert ref is not None and ref.requesting_institution == "institution_id-3"
            ref.status = "accepted"
        with store.transaction() as s:
            assert s.get(m.Referral, "referral_id-3").version == 1004  # optimistic counter kept
    finally:
        store.dispose()


def _store(engine: Engine) -> Store:
    """This release's `Store` on the same database (PostgreSQL: the same schema)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return Store(url)
    with engine.connect() as con:
        schema = con.exec_driver_sql("SELECT current_schema()").scalar()
    return Store(url, connect_args={"options": f"-csearch_path={schema}"})


def test_a_store_made_before_migrations_without_the_lazily_made_table_is_completed(engine):
    """Release 0.1 made `reform_progress_entry` only once the reform-task commands had run."""
    Release01.metadata.create_all(
        engine,
        tables=[t for t in Release01.metadata.sorted_tables if t.name != "reform_progress_entry"],
    )
    upgrade(engine)
    with engine.connect() as con:
        assert inspect(con).has_table("reform_progress_entry")
        assert compare_metadata(MigrationContext.configure(con), target_metadata()) == []


def test_a_new_store_is_made_by_the_migrations_and_matches_the_models(engine):
    store = _store(engine)
    try:
        assert state(store.engine) == (head_revision(), head_revision())
        with store.engine.connect() as con:
            assert compare_metadata(MigrationContext.configure(con), target_metadata()) == []
    finally:
        store.dispose()
