"""Per-app state (the open warehouse, the user store, the result cache) and request
dependencies.

Results are cached in one bounded LRU (`yigong.api.cache`) keyed by their arguments and the
`DataVersion` of the warehouse, so a change to the warehouse (an ingest) is never answered from
the cache. The hot read endpoints keep their JSON *bytes* there too and, when the user, their
scope and the answer are cached, answer on the event loop without touching the warehouse;
anything that must compute runs in the threadpool, one computation per key however many
clients ask (`principal_async`, `AppState.json_bytes`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from yigong.api.auth import TokenError, read_token
from yigong.api.cache import MISSING, DataVersion, LruCache, catalog_digest, file_token
from yigong.api.errors import ApiError
from yigong.api.scope import Scope, resolve_scope
from yigong.api.settings import Settings
from yigong.api.users import User, UserStore
from yigong.indicators.evaluate import IndicatorResult
from yigong.services import indicators as indicators_svc
from yigong.store import Store
from yigong.warehouse import Warehouse
from yigong.warehouse.hierarchy import Node, parse_node

__all__ = ["AppState", "CurrentUser", "Principal", "principal", "principal_async", "TOKEN_COOKIE"]

TOKEN_COOKIE = "yigong_token"
_SCOPE_TTL = 300.0
_MEMO_MAX = 4096


def response_key(
    scope: dict[str, Any], nodes: tuple[str, ...], version: DataVersion
) -> tuple[Hashable, ...]:
    """The cache key of a whole answer: path, raw query string, the user's nodes (which
    decide the scope) and the data version."""
    return ("response", scope["path"], scope["query_string"], nodes, version)


def json_bytes(value: Any) -> bytes:
    """``value`` serialised exactly as FastAPI would answer it (jsonable_encoder, then
    Starlette's compact UTF-8 JSON)."""
    return JSONResponse(jsonable_encoder(value)).body


@dataclass
class AppState:
    """One warehouse connection shared by the app, serialised by a lock (DuckDB connections
    are not safe for concurrent use), the user store and the result cache."""

    settings: Settings
    users: UserStore
    warehouse: Warehouse
    lock: threading.RLock = field(default_factory=threading.RLock)
    cache: LruCache = field(default_factory=lambda: LruCache(_MEMO_MAX))
    _version: DataVersion | None = None
    _workflow: Store | None = None

    def workflow(self) -> Store:
        """The referral workflow store, opened on first use (and created if missing)."""
        with self.lock:
            if self._workflow is None:
                self._workflow = Store(self.settings.workflow_url)
            return self._workflow

    # -- what cached values depend on -------------------------------------------------------

    def user_key(self, name: str) -> tuple[object, ...]:
        """Cache key of a user's record: their name and the user file's state (two ``stat``
        calls), so a user re-added with other nodes or another role is read afresh on the next
        request, not after the cache's time-out."""
        path = str(self.users.path)
        return (
            "user",
            name,
            file_token(path),
            file_token(path + "-journal"),
            file_token(path + "-wal"),
        )

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
        full = (key, self.version())
        value = self.cache.peek(full, self._ttl())
        if value is MISSING:
            value = compute()
            self.cache.put(full, value)
        return value

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
        self, request: Request, nodes: tuple[str, ...], body: bytes, version: DataVersion | None
    ) -> None:
        """File a 200 answer under the exact request (path and query), the user's nodes and
        the data version, for `yigong.api.fastpath.CachedReads` to replay."""
        if version is not None:
            self.cache.put(response_key(request.scope, nodes, version), body)

    # -- computed results ---------------------------------------------------------------------

    def results(
        self, node: str, period: str, ids: list[str] | None = None
    ) -> list[IndicatorResult]:
        """Indicator results of a node and period (all, or ``ids``), from the service."""

        def run() -> list[IndicatorResult]:
            with self.tables() as wh:
                return indicators_svc.compute(wh, node, period, ids=ids).results

        return self.memo(("results", node, period, tuple(ids or ())), run)  # type: ignore[no-any-return]

    def explanation(
        self, node: str, indicator: str, period: str, limit: int
    ) -> indicators_svc.Explanation:
        def run() -> indicators_svc.Explanation:
            with self.tables() as wh:
                return indicators_svc.explain(wh, indicator, node, period, limit)

        return self.memo(("explain", node, indicator, period, limit), run)  # type: ignore[no-any-return]

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


@dataclass(frozen=True)
class Principal:
    """The authenticated user with their resolved scope."""

    user: User
    scope: Scope
    state: AppState

    def _parse(self, text: str) -> Node:
        try:
            return parse_node(text)
        except ValueError as exc:
            raise ApiError(400, "bad_node", str(exc)) from exc

    def _refuse(self) -> ApiError:
        return ApiError(
            403,
            "outside_scope",  # the node is not echoed: nothing to learn
            f"the node asked for is outside the nodes assigned to {self.user.username}",
            {"nodes": list(self.user.nodes)},
        )

    def _allows(self, node: Node) -> bool:
        def run() -> bool:
            with self.state.tables() as wh:
                return self.scope.allows(wh, node, date.today())

        return self.state.memo(("allows", self.user.nodes, str(node)), run)  # type: ignore[no-any-return]

    def node(self, text: str) -> Node:
        """Parse a requested node and refuse it (403) unless it lies inside the scope."""
        node = self._parse(text)
        if not self._allows(node):
            raise self._refuse()
        return node

    async def node_async(self, text: str) -> Node:
        """`node`, answered on the event loop when the decision is cached."""
        node = self._parse(text)
        ok = self.state.peek(("allows", self.user.nodes, str(node)))
        if ok is MISSING:
            ok = await run_in_threadpool(self._allows, node)
        if not ok:
            raise self._refuse()
        return node


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(TOKEN_COOKIE)


def _user_name(request: Request, state: AppState) -> str:
    token = _token(request)
    if not token:
        raise ApiError(401, "unauthorized", "log in first (POST /api/v1/auth/token)")
    try:
        return read_token(token, state.settings.secret)
    except TokenError as exc:
        raise ApiError(401, "unauthorized", str(exc)) from exc


def principal(request: Request) -> Principal:
    """The logged-in user (bearer token or cookie) with their scope; 401 otherwise."""
    state: AppState = request.app.state.yigong
    name = _user_name(request, state)
    user = state.memo(state.user_key(name), lambda: state.users.get(name))
    if user is None:
        raise ApiError(401, "unauthorized", f"no user {name!r}")
    p = Principal(user, state.scope(user), state)
    request.state.principal = p  # who acts, for the audit row of a write (`AuditWrites`)
    return p


async def principal_async(request: Request) -> Principal:
    """`principal` on the event loop when the user and their scope are cached (no I/O);
    otherwise `principal` in the threadpool."""
    state: AppState = request.app.state.yigong
    name = _user_name(request, state)
    user = state.peek(state.user_key(name))
    if user is not MISSING and user is not None:
        scope = state.peek(("scope", user.nodes))
        if scope is not MISSING:
            p = Principal(user, scope, state)
            request.state.principal = p
            return p
    return await run_in_threadpool(principal, request)


CurrentUser = Annotated[Principal, Depends(principal_async)]
