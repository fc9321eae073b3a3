"""Opening the workflow store: SQLite by default, PostgreSQL via ``postgresql+psycopg://``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from yigong.store.migrate import StoreOutdated, open_checked

__all__ = ["ENV_VAR", "Store", "StoreError", "StoreOutdated", "open_store", "store_url"]

ENV_VAR = "YIGONG_STORE_URL"
DEFAULT_PATH = "yigong-workflow.sqlite"


def store_url(target: str | os.PathLike[str] | None = None) -> str:
    """Resolve ``--store`` / ``YIGONG_STORE_URL`` / default file into an SQLAlchemy URL.

    A value containing ``://`` is used as a URL; anything else is a SQLite file path.
    """
    value = os.fspath(target) if target is not None else os.environ.get(ENV_VAR) or DEFAULT_PATH
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


class StoreError(RuntimeError):
    """The workflow store cannot be opened (a missing folder, a server that refuses)."""


def _shown(url: str) -> str:
    """A store URL as messages show it: without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    return url


class Store:
    """An engine plus a session factory; ``transaction()`` is the unit of every user action."""

    def __init__(self, url: str, *, create: bool = True, **engine_kwargs: Any) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            engine_kwargs.setdefault("connect_args", {"timeout": 30})
        self.engine: Engine = create_engine(url, **engine_kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.is_sqlite:
            folder = Path(url.removeprefix("sqlite:///")).parent
            if url.startswith("sqlite:///") and not folder.is_dir():
                raise StoreError(
                    f"no folder {folder} for the workflow store {_shown(url)} (--store)"
                )
        # an empty store is created by its migrations; one behind them is refused (StoreOutdated)
        try:
            open_checked(self.engine, create=create)
        except OperationalError as exc:
            raise StoreError(
                f"cannot open the workflow store {_shown(url)}: "
                f"{str(exc.orig).splitlines()[0] if exc.orig else exc}"
            ) from None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_store(target: str | os.PathLike[str] | None = None) -> Store:
    """Open (and create if needed) the workflow store named by ``target`` or the environment."""
    return Store(store_url(target))
