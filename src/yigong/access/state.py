"""Per-server state: the open warehouse, the user store and its sessions, the workflow store,
and the one cache every face shares (results, scopes, users, JSON answers).

Results are cached in one bounded LRU (`yigong.access.cache`) keyed by their arguments and the
`DataVersion` of the warehouse, so a change to the warehouse (an ingest) is never answered
from the cache. User records are keyed by the user store's revision (`UserStore.revision`),
so a user changed or disabled in any process is read afresh on the next request. The hot read
endpoints keep their JSON *bytes* too and, when the user, their scope and the answer are
cached, answer on the event loop without touching the warehouse; anything that must compute
runs in the threadpool, one computation per key however many clients ask.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from yigong.access.cache import MISSING, DataVersion, LruCache, catalog_digest
from yigong.access.errors import bad_period
from yigong.access.scope import Scope, resolve_scope
from yigong.access.sessions import Sessions
from yigong.access.settings import Settings
from yigong.access.users import User, UserStore
from yigong.indicators.evaluate import IndicatorResult
from yigong.services import indicators as indicators_svc
from yigong.store import Store
from yigong.warehouse import Warehouse
from yigong.warehouse.hierarchy import UnknownNode

__all__ = ["AccessState", "json_bytes", "response_key"]

_SCOPE_TTL = 300.0
_USER_TTL = 300.0
_MEMO_MAX = 4096


def response_key(
    path: str, query: bytes, role: str, nodes: tuple[str, ...], version: DataVersion
) -> tuple[Hashable, ...]:
    """The cache key of a whole answer: path, raw query string, the user's role (which decides
    what they may read) and nodes (which decide the scope), and the data version."""
    return ("response", path, query, role, nodes, version)


def json_bytes(value: Any) -> bytes:
    """``value`` serialised as FastAPI would answer it (compact UTF-8 JSON)."""
    from fastapi.encoders import jsonable_encoder  # lazy: web extra
    from starlette.responses import JSONResponse

    return JSONResponse(jsonable_encoder(value)).body


@dataclass
class AccessState:
    """One warehouse connection shared by the server, serialised by a lock (DuckDB connections
    are not safe for concurrent use), the user store with its sessions, and the cache."""

    settings: Settings
    users: UserStore
    warehouse: Warehouse
    lock: threading.RLock = field(default_factory=threading.RLock)
    cache: LruCache = field(default_factory=lambda: LruCache(_MEMO_MAX))
    _version: DataVersion | None = None
    _workflow: Store | None = None
    sessions: Sessions = field(init=False)
    #: the warm-up (`yigong.access.warmup`): started, finished, and its error if it failed;
    #: its thread, and the event that asks it to stop (the app's shutdown joins it)
    warm_started: bool = False
    warm_done: threading.Event = field(default_factory=threading.Event)
    warm_error: str | None = None
    warm_thread: threading.Thread | None = None
    warm_stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sessions = Sessions(
            self.users,
            idle_seconds=self.settings.session_idle_minutes * 60,
            absolute_seconds=self.settings.session_absolute_minutes * 60,
        )

    def workflow(self) -> Store:
        """The workflow store (referrals, reviews), opened on first use (created if missing)."""
        with self.lock:
            if self._workflow is None:
                self._workflow = Store(self.settings.workflow_url)
            return self._workflow

    # -- users -------------------------------------------------------------------------------

    def peek_user(self, name: str) -> Any:
        """The cached record of ``name`` (`MISSING` when not cached or the store changed)."""
        return self.cache.peek(("user", name, self.users.revision()), _USER_TTL)

    def user(self, name: str) -> User | None:
        """The user record, cached while the user store's revision is unchanged."""
        key = ("user", name, self.users.revision())
        hit = self.cache.peek(key, _USER_TTL)
        if hit is MISSING:
            hit = self.users.get(name)
            self.cache.put(key, hit)
        return hit  # type: ignore[no-any-return]

    # -- what cached values depend on -------------------------------------------------------

    def peek_version(self) -> DataVersion | None:
        """The data version if the warehouse files did not change since it was read (two
        ``stat`` calls, no query), else None (`version` must look at the ingest runs)."""
        v = self._version
        if (
            v is None
            or v.warehouse != DataVersion.files(self.warehouse.location)
            or v.day != DataVersion.today()
        ):
            return None
        return v

    def version(self) -> DataVersion:
        """The data version; reads the last ingest run id when the warehouse files changed."""
        v = self.peek_version()
        if v is not None:
            return v
        with self.lock:
            files = DataVersion.files(self.warehouse.location)
            last_run = self.warehouse.table("ingest_runs").run_id.max().to_pyarrow().as_py()
            v = DataVersion(files, last_run or "", catalog_digest(), DataVersion.today())
            self._version = v
            return v

    def _ttl(self) -> float | None:
        return self.settings.cache_seconds if self.settings.cache_seconds > 0 else None

    def memo(self, key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``key`` and the data version, at most
        ``settings.cache_seconds`` (0: never kept). Bounded LRU: odd requests cannot grow it."""
        if self.settings.cache_seconds <= 0:
            return compute()
        # single-flight: a request arriving while the warmer (or another request) computes
        # the same value waits for it instead of computing it again
        return self.cache.get_or_compute((key, self.version()), compute, self._ttl())

    def peek(self, key: tuple[object, ...]) -> Any:
        """What `memo` holds under ``key`` now, or `MISSING` (never computes, never blocks)."""
        v = self.peek_version()
        if v is None or self.settings.cache_seconds <= 0:
            return MISSING
        return self.cache.peek((key, v), self._ttl())

    async def json_bytes(
        self, key: tuple[Hashable, ...], build: Callable[[], Any]
    ) -> tuple[bytes, DataVersion | None]:
        """The JSON bytes of ``build()`` under ``key`` and the data version, and that version
        (None when nothing is cached): served from the cache on the event loop, else built
        once in the threadpool (single-flight). Unlike `memo` these never expire by time:
        only a new data version retires them."""
        from starlette.concurrency import run_in_threadpool  # lazy: web extra

        v = self.peek_version()
        if v is not None and self.settings.cache_seconds > 0:
            hit = self.cache.peek(("json", key, v))
            if hit is not MISSING:
                return hit, v

        def make() -> tuple[bytes, DataVersion | None]:
            if self.settings.cache_seconds <= 0:
                return json_bytes(build()), None
            version = self.version()  # taken before computing: a value computed while the
            return self.cache.get_or_compute(  # data changes is filed under the old version
                ("json", key, version), lambda: json_bytes(build())
            ), version

        return await run_in_threadpool(make)

    def remember_response(
        self,
        path: str,
        query: bytes,
        user: User,
        body: bytes,
        version: DataVersion | None,
    ) -> None:
        """File a 200 answer under the exact request (path and query), the user's role and
        nodes and the data version, for the API's replay of hot reads."""
        if version is not None:
            self.cache.put(response_key(path, query, user.role.value, user.nodes, version), body)

    # -- computed results ---------------------------------------------------------------------

    def results(
        self, node: str, period: str, ids: list[str] | None = None
    ) -> list[IndicatorResult]:
        """Indicator results of a node and period (all, or ``ids``), from the service; a
        period in which the node did not exist is a 400 ``bad_period``, not a crash."""

        def run() -> list[IndicatorResult]:
            with self.tables() as wh:
                try:
                    return indicators_svc.compute(wh, node, period, ids=ids).results
                except UnknownNode:
                    raise bad_period(
                        f"{node} did not exist in {period}: nothing to compute"
                    ) from None

        return self.memo(("results", node, period, tuple(ids or ())), run)  # type: ignore[no-any-return]

    def explanation(
        self, node: str, indicator: str, period: str, limit: int, offset: int = 0
    ) -> indicators_svc.Explanation:
        def run() -> indicators_svc.Explanation:
            with self.tables() as wh:
                try:
                    return indicators_svc.explain(wh, indicator, node, period, limit, offset)
                except UnknownNode:
                    raise bad_period(
                        f"{node} did not exist in {period}: nothing to explain"
                    ) from None

        key = ("explain", node, indicator, period, limit) + ((offset,) if offset else ())
        return self.memo(key, run)  # type: ignore[no-any-return]

    @contextmanager
    def tables(self) -> Iterator[Warehouse]:
        with self.lock:
            yield self.warehouse

    def scope(self, user: User) -> Scope:
        def run() -> Scope:
            with self.tables() as wh:
                return resolve_scope(wh, user.nodes, date.today())

        key = ("scope", user.nodes)
        if self.settings.cache_seconds <= 0:  # scopes are still kept a while: every request
            hit = self.cache.peek((key, self.version()), _SCOPE_TTL)  # needs one
            if hit is MISSING:
                hit = run()
                self.cache.put((key, self.version()), hit)
            return hit  # type: ignore[no-any-return]
        # one resolution however many first requests of the same nodes arrive at once
        return self.cache.get_or_compute(  # type: ignore[no-any-return]
            (key, self.version()), run, self._ttl()
        )
