"""The workflow store's schema under Alembic: what revision a store is at, upgrading it, and
recognising a store made before migrations existed.

- A new, empty store is created by running every migration (``upgrade head``), so a fresh store
  and an upgraded one have the same schema by construction.
- A store at an older revision is refused on open (`StoreOutdated`, naming the command) until
  ``yigong store upgrade`` runs the missing migrations, each in a transaction (PostgreSQL and
  SQLite both run DDL transactionally, so a failed upgrade leaves the store as it was).
- A store made by a release before migrations (its tables, no ``alembic_version``) is
  `LEGACY`: the baseline `0001` adopts it (creating only the tables it lacks), then the later
  revisions run as for any other store.
"""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, inspect

from yigong.store import reform_models, reviews  # noqa: F401  (register their tables)
from yigong.store.models import Base

__all__ = [
    "BASELINE",
    "LEGACY",
    "StoreOutdated",
    "current_revision",
    "head_revision",
    "open_checked",
    "state",
    "target_metadata",
    "upgrade",
]

BASELINE = "0001"
#: the revision reported for a store made before migrations existed
LEGACY = "before-migrations"


class StoreOutdated(RuntimeError):
    """The store's schema is older than this yigong's (run ``yigong store upgrade``)."""


def target_metadata() -> MetaData:
    """Every table of the workflow store (models of every module registered)."""
    return Base.metadata


def _config(connection: Connection | None = None) -> Any:
    from alembic.config import Config  # lazy: heavy (alembic ~0.9 s), migrations only

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("yigong.store") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory  # lazy: heavy (alembic ~0.9 s), migrations only

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The store's revision: None for an empty store, `LEGACY` for one made before migrations
    (workflow tables, no ``alembic_version``)."""
    from alembic.runtime.migration import (
        MigrationContext,  # lazy: heavy (alembic ~0.9 s), migrations only
    )

    rev = MigrationContext.configure(connection).get_current_revision()
    if rev is not None:
        return rev
    names = set(inspect(connection).get_table_names())
    return LEGACY if names & set(target_metadata().tables) else None


def state(engine: Engine) -> tuple[str | None, str]:
    """(the store's revision, this yigong's head revision)."""
    with engine.connect() as con:
        return current_revision(con), head_revision()


def upgrade(engine: Engine, *, to: str = "head") -> tuple[str | None, str]:
    """Bring the store to ``to`` in one transaction (a pre-migration store is adopted by the
    baseline, which creates only the tables it lacks); returns (revision before, after)."""
    from alembic import command  # lazy: heavy (alembic ~0.9 s), migrations only

    with engine.begin() as con:
        before = current_revision(con)
        command.upgrade(_config(con), to)
        after = current_revision(con)
    return before, after or ""


def open_checked(engine: Engine, *, create: bool) -> None:
    """On open: an empty store is created at head (``create``); a store behind head is refused."""
    before, head = state(engine)
    if before is None:
        if create:
            upgrade(engine)
        return
    if before != head:
        raise StoreOutdated(
            f"the workflow store {engine.url.render_as_string(hide_password=True)} is at schema "
            f"{before}, this yigong needs {head}: back it up, then run `yigong store upgrade`"
        )


def _revision(rev_id: str, message: str) -> None:  # developer tool (migrations/README.md)

    from alembic import command  # lazy: heavy (alembic ~0.9 s), migrations only
    from sqlalchemy import create_engine  # lazy: heavy (sqlalchemy ~0.4 s), store only

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/s.sqlite")
        with engine.begin() as con:
            cfg = _config(con)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    if sys.argv[1:2] == ["revision"] and len(sys.argv) == 4:
        _revision(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m yigong.store.migrate revision NNNN MESSAGE")
