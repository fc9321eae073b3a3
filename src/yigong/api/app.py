"""`create_app(settings)`: the FastAPI app — JSON API under ``/api/v1``, cockpit under ``/``.

Every route is guarded by `yigong.access.http.guard` (authentication, the role's permission
from the permission file, CSRF, the action a write names); a route without an entry in the
permission file stops the app from being built. Every answer carries the security headers of
`yigong.api.headers`; every write leaves an audit row (`yigong.api.audit`).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI

import yigong
from yigong.access.http import guard
from yigong.access.permissions import permissions
from yigong.access.settings import Settings
from yigong.access.state import AccessState
from yigong.access.users import UserStore
from yigong.access.warm import Warmer
from yigong.access.warmup import start_warm_up, stop_warm_up
from yigong.api.audit import AuditWrites
from yigong.api.docs import install_docs
from yigong.api.errors import install_error_handlers
from yigong.api.fastpath import CachedReads
from yigong.api.headers import SecurityHeaders
from yigong.api.logs import RequestLog, configure_logging
from yigong.api.routes import router
from yigong.api.routes_bureau import router as bureau_router
from yigong.api.routes_care import router as care_router
from yigong.api.routes_centres import router as centres_router
from yigong.api.routes_cockpit import router as cockpit_router
from yigong.api.routes_drugs import router as drugs_router
from yigong.api.routes_fhir import router as fhir_router
from yigong.api.routes_health import router as health_router
from yigong.api.routes_ledger import router as ledger_router
from yigong.api.routes_operations import router as operations_router
from yigong.api.routes_screening import router as screening_router
from yigong.warehouse import open_warehouse
from yigong.web import mount_web

__all__ = ["SERVE_ENV", "YigongApp", "app_from_env", "create_app", "route_keys", "unguarded"]


class YigongApp(RequestLog, CachedReads, FastAPI):
    """FastAPI, logging every request (outermost) and answering repeated scorecard reads from
    the cache first."""


def _flat(routes: list) -> list:  # type: ignore[type-arg]
    """Routes, with included routers opened (FastAPI keeps them as one entry)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += _flat(inner.routes) if inner is not None else [r]
    return out


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers (the static mount aside)."""
    return {
        (m, r.path)
        for r in _flat(app.routes)
        if hasattr(r, "methods")
        for m in r.methods - {"HEAD", "OPTIONS"}
    }


def unguarded(app: FastAPI) -> set[tuple[str, str]]:
    """Routes without an entry in the permission file."""
    return {k for k in route_keys(app) if permissions().route(*k) is None}


def create_app(settings: Settings, *, read_only: bool = False, warm: bool = False) -> FastAPI:
    """Open the warehouse (for reading only with ``read_only``, so several server processes
    can share it) and the user store, and build the app (API and web cockpit). With ``warm``
    the caches are filled in the background at once (`yigong serve`); otherwise the first
    ``/readyz`` starts it."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(
            f"no warehouse at {settings.warehouse} (run `yigong demo` or `yigong ingest` first)"
        )
    app = YigongApp(
        title="yigong (医共) API",
        version=yigong.__version__,
        description="County medical community indicators, case mix, settlement, referrals and "
        "screening, scoped to the user's part of the hierarchy and to what their role may do.",
        dependencies=[Depends(guard)],
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.yigong = AccessState(
        settings,
        UserStore(settings.users_path),
        open_warehouse("duckdb", settings.warehouse, read_only=read_only),
    )
    install_error_handlers(app)
    app.add_middleware(AuditWrites)  # every POST/PUT/PATCH/DELETE leaves an audit row
    app.add_middleware(SecurityHeaders, secure=settings.secure_cookies)
    app.include_router(health_router)
    app.include_router(router)
    app.include_router(care_router)
    app.include_router(ledger_router)
    app.include_router(centres_router)
    app.include_router(screening_router)
    app.include_router(bureau_router)
    app.include_router(cockpit_router)
    install_docs(app)
    app.include_router(operations_router)
    app.include_router(drugs_router)
    app.include_router(fhir_router)

    mount_web(app)
    if settings.warm_caches:
        _warm_in_background(app)
    missing = unguarded(app)
    if missing:
        raise RuntimeError(
            f"routes without an entry in the permission file: {sorted(missing)} "
            "(add them to src/yigong/access/permissions.yaml)"
        )
    if warm:
        start_warm_up(app.state.yigong)
    return app


def _warm_in_background(app: FastAPI) -> None:
    """Give the app a `yigong.access.warm.Warmer`, started and stopped by its lifespan."""

    app.state.warmer = Warmer(app.state.yigong)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    warmer = getattr(app.state, "warmer", None)
    if warmer is not None:
        warmer.start()
    try:
        yield
    finally:
        if warmer is not None:
            warmer.close()
        stop_warm_up(app.state.yigong)  # no DuckDB query may outlive the server


SERVE_ENV = "YIGONG_SERVE"


def app_from_env() -> FastAPI:
    """The app `yigong serve --workers N` starts in each worker process: settings from the
    JSON in ``$YIGONG_SERVE`` (warehouse, users_db, workflow_store, settlement_policy,
    runs_dir, session minutes, secure_cookies, language, log format and level), the
    warehouse read-only, its caches warmed at once, the secret from
    ``$YIGONG_SECRET`` (the same in every worker)."""

    conf = json.loads(os.environ[SERVE_ENV])
    settings = Settings(
        warehouse=Path(conf["warehouse"]),
        users_db=Path(conf["users_db"]) if conf.get("users_db") else None,
        workflow_store=conf.get("workflow_store", ""),
        settlement_policy=conf.get("settlement_policy", "henan-default"),
        runs_dir=Path(conf["runs_dir"]) if conf.get("runs_dir") else None,
        session_idle_minutes=int(conf.get("session_idle_minutes", 30)),
        session_absolute_minutes=int(conf.get("session_absolute_minutes", 480)),
        secure_cookies=bool(conf.get("secure_cookies", False)),
        language=str(conf.get("language", "zh")),
        warm_caches=bool(conf.get("warm_caches", True)),
    )

    configure_logging(conf.get("log_format", "json"), conf.get("log_level", "info"))
    return create_app(settings, read_only=True, warm=True)
