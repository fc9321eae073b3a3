"""Alembic's environment for the workflow store: always run by `yigong.store.migrate`, which
hands over an open connection (``config.attributes["connection"]``); never from a URL in a file."""

from __future__ import annotations

from alembic import context

from yigong.store.migrate import target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
