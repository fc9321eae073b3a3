"""`create_app(settings)`: the FastAPI app — JSON API under ``/api/v1``, cockpit under ``/``."""

from __future__ import annotations

from fastapi import FastAPI

import yigong
from yigong.api.context import AppState
from yigong.api.errors import install_error_handlers
from yigong.api.routes import router
from yigong.api.routes_care import router as care_router
from yigong.api.routes_centres import router as centres_router
from yigong.api.routes_ledger import router as ledger_router
from yigong.api.settings import Settings
from yigong.api.users import UserStore
from yigong.warehouse import Warehouse

__all__ = ["create_app"]


def create_app(settings: Settings) -> FastAPI:
    """Open the warehouse and the user store and build the app (API and web cockpit)."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse} (run `yigong demo` or "
                                "`yigong ingest` first)")
    app = FastAPI(title="yigong (医共) API", version=yigong.__version__,
                  description="County medical community indicators, case mix and data quality, "
                              "scoped to the user's part of the hierarchy.")
    app.state.yigong = AppState(settings, UserStore(settings.users_path),
                                Warehouse(settings.warehouse))
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(care_router)
    app.include_router(ledger_router)
    app.include_router(centres_router)
    from yigong.web import mount_web

    mount_web(app)
    return app
