"""Per-app state (the open warehouse, the user store, cached scopes) and request dependencies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from yigong.api.auth import TokenError, read_token
from yigong.api.errors import ApiError
from yigong.api.scope import Scope, resolve_scope
from yigong.api.settings import Settings
from yigong.api.users import User, UserStore
from yigong.indicators.evaluate import IndicatorResult
from yigong.services import indicators as indicators_svc
from yigong.warehouse import Warehouse
from yigong.warehouse.hierarchy import Node, parse_node

__all__ = ["AppState", "CurrentUser", "Principal", "principal", "TOKEN_COOKIE"]

TOKEN_COOKIE = "yigong_token"
_SCOPE_TTL = 300.0


@dataclass
class AppState:
    """One warehouse connection shared by the app, serialised by a lock (DuckDB connections
    are not safe for concurrent use), the user store and a short-lived scope cache."""

    settings: Settings
    users: UserStore
    warehouse: Warehouse
    lock: threading.RLock = field(default_factory=threading.RLock)
    _scopes: dict[tuple[str, ...], tuple[float, Scope]] = field(default_factory=dict)
    _results: dict[tuple[str, str, tuple[str, ...]], tuple[float, list[IndicatorResult]]] = \
        field(default_factory=dict)

    def results(self, node: str, period: str, ids: list[str] | None = None
                ) -> list[IndicatorResult]:
        """Indicator results of a node and period (all, or ``ids``), computed by the service
        and kept for ``settings.cache_seconds`` (the warehouse changes only on ingest)."""
        key = (node, period, tuple(ids or ()))
        hit = self._results.get(key)
        if hit and time.monotonic() - hit[0] < self.settings.cache_seconds:
            return hit[1]
        with self.tables() as wh:
            out = indicators_svc.compute(wh, node, period, ids=ids).results
        self._results[key] = (time.monotonic(), out)
        return out

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
    user = state.users.get(name)
    if user is None:
        raise ApiError(401, "unauthorized", f"no user {name!r}")
    return Principal(user, state.scope(user), state)


CurrentUser = Annotated[Principal, Depends(principal)]
