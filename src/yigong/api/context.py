"""Per-app state (the open warehouse, the user store, cached scopes) and request dependencies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from yigong.api.auth import TokenError, read_token
from yigong.api.errors import ApiError
from yigong.api.scope import Scope, resolve_scope
from yigong.api.settings import Settings
from yigong.api.users import User, UserStore
from yigong.indicators.evaluate import IndicatorResult
from yigong.services import indicators as indicators_svc
from yigong.store import Store
from yigong.warehouse import Warehouse
from yigong.warehouse.hierarchy import Node, parse_node

__all__ = ["AppState", "CurrentUser", "Principal", "principal", "TOKEN_COOKIE"]

TOKEN_COOKIE = "yigong_token"
_SCOPE_TTL = 300.0
_MEMO_MAX = 2048


@dataclass
class AppState:
    """One warehouse connection shared by the app, serialised by a lock (DuckDB connections
    are not safe for concurrent use), the user store and a short-lived scope cache."""

    settings: Settings
    users: UserStore
    warehouse: Warehouse
    lock: threading.RLock = field(default_factory=threading.RLock)
    _scopes: dict[tuple[str, ...], tuple[float, Scope]] = field(default_factory=dict)
    _memo: dict[tuple[object, ...], tuple[float, Any]] = field(default_factory=dict)
    _workflow: Store | None = None

    def workflow(self) -> Store:
        """The referral workflow store, opened on first use (and created if missing)."""
        with self.lock:
            if self._workflow is None:
                self._workflow = Store(self.settings.workflow_url)
            return self._workflow

    def memo(self, key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, kept for ``settings.cache_seconds`` under ``key`` (the warehouse
        changes only on ingest; user records only through `yigong users`)."""
        hit = self._memo.get(key)
        if hit and time.monotonic() - hit[0] < self.settings.cache_seconds:
            return hit[1]
        value = compute()
        if len(self._memo) >= _MEMO_MAX:  # bounded: odd requests cannot grow it forever
            self._memo.clear()
        self._memo[key] = (time.monotonic(), value)
        return value

    def results(self, node: str, period: str, ids: list[str] | None = None
                ) -> list[IndicatorResult]:
        """Indicator results of a node and period (all, or ``ids``), from the service."""
        def run() -> list[IndicatorResult]:
            with self.tables() as wh:
                return indicators_svc.compute(wh, node, period, ids=ids).results
        return self.memo(("results", node, period, tuple(ids or ())), run)

    def explanation(self, node: str, indicator: str, period: str, limit: int
                    ) -> indicators_svc.Explanation:
        def run() -> indicators_svc.Explanation:
            with self.tables() as wh:
                return indicators_svc.explain(wh, indicator, node, period, limit)
        return self.memo(("explain", node, indicator, period, limit), run)

    @contextmanager
    def tables(self) -> Iterator[Warehouse]:
        with self.lock:
            yield self.warehouse

    def scope(self, user: User) -> Scope:
        hit = self._scopes.get(user.nodes)
        if hit and time.monotonic() - hit[0] < _SCOPE_TTL:
            return hit[1]
        with self.tables() as wh:
            scope = resolve_scope(wh, user.nodes, date.today())
        self._scopes[user.nodes] = (time.monotonic(), scope)
        return scope


@dataclass(frozen=True)
class Principal:
    """The authenticated user with their resolved scope."""

    user: User
    scope: Scope
    state: AppState

    def node(self, text: str) -> Node:
        """Parse a requested node and refuse it (403) unless it lies inside the scope."""
        try:
            node = parse_node(text)
        except ValueError as exc:
            raise ApiError(400, "bad_node", str(exc)) from exc
        with self.state.tables() as wh:
            ok = self.scope.allows(wh, node, date.today())
        if not ok:
            raise ApiError(403, "outside_scope",  # the node is not echoed: nothing to learn
                           f"the node asked for is outside the nodes assigned to "
                           f"{self.user.username}", {"nodes": list(self.user.nodes)})
        return node


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(TOKEN_COOKIE)


def principal(request: Request) -> Principal:
    state: AppState = request.app.state.yigong
    token = _token(request)
    if not token:
        raise ApiError(401, "unauthorized", "log in first (POST /api/v1/auth/token)")
    try:
        name = read_token(token, state.settings.secret)
    except TokenError as exc:
        raise ApiError(401, "unauthorized", str(exc)) from exc
    user = state.memo(("user", name), lambda: state.users.get(name))
    if user is None:
        raise ApiError(401, "unauthorized", f"no user {name!r}")
    return Principal(user, state.scope(user), state)


CurrentUser = Annotated[Principal, Depends(principal)]
