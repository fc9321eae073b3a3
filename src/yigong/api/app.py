"""`create_app(settings)`: the FastAPI app — JSON API under ``/api/v1``, cockpit under ``/``."""

from __future__ import annotations

from fastapi import FastAPI

import yigong
from yigong.api.audit import AuditWrites
from yigong.api.context import AppState
from yigong.api.errors import install_error_handlers
from yigong.api.fastpath import CachedReads
from yigong.api.routes import router
from yigong.api.routes_care import router as care_router
from yigong.api.routes_centres import router as centres_router
from yigong.api.routes_ledger import router as ledger_router
from yigong.api.routes_screening import router as screening_router
from yigong.api.settings import Settings
from yigong.api.users import UserStore
from yigong.warehouse import open_warehouse

__all__ = ["SERVE_ENV", "YigongApp", "app_from_env", "create_app"]


class YigongApp(CachedReads, FastAPI):
    """FastAPI, answering repeated scorecard and drill-down reads from the cache first."""


def create_app(settings: Settings, *, read_only: bool = False) -> FastAPI:
    """Open the warehouse (for reading only with ``read_only``, so several server processes
    can share it) and the user store, and build the app (API and web cockpit)."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(
            f"no warehouse at {settings.warehouse} (run `yigong demo` or `yigong ingest` first)"
        )
    app = YigongApp(
        title="yigong (医共) API",
        version=yigong.__version__,
        description="County medical community indicators, case mix and data quality, "
        "scoped to the user's part of the hierarchy.",
    )
    app.state.yigong = AppState(
        settings,
        UserStore(settings.users_path),
        open_warehouse("duckdb", settings.warehouse, read_only=read_only),
    )
    install_error_handlers(app)
    app.add_middleware(AuditWrites)  # every POST/PUT/PATCH/DELETE leaves an audit row
    app.include_router(router)
    app.include_router(care_router)
    app.include_router(ledger_router)
    app.include_router(centres_router)
    app.include_router(screening_router)
    from yigong.web import mount_web

    mount_web(app)
    return app


SERVE_ENV = "YIGONG_SERVE"


def app_from_env() -> FastAPI:
    """The app `yigong serve --workers N` starts in each worker process: settings from the
    JSON in ``$YIGONG_SERVE`` (warehouse, users_db, workflow_store, settlement_policy,
    runs_dir), the warehouse read-only,
    the token secret from ``$YIGONG_SECRET`` (the same in every worker)."""
    import json
    import os
    from pathlib import Path

    conf = json.loads(os.environ[SERVE_ENV])
    settings = Settings(
        warehouse=Path(conf["warehouse"]),
        users_db=Path(conf["users_db"]) if conf.get("users_db") else None,
        workflow_store=conf.get("workflow_store", ""),
        settlement_policy=conf.get("settlement_policy", "henan-default"),
        runs_dir=Path(conf["runs_dir"]) if conf.get("runs_dir") else None,
    )
    return create_app(settings, read_only=True)
