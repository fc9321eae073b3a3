"""The web cockpit: server-rendered pages (Jinja2, a little JS, bundled ECharts), each with a
JSON twin (``?format=json``), in Chinese or English (cookie ``lang``). Built only on
`yigong.access` (views, guard, sessions) — never on the API's modules."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

__all__ = ["mount_web"]

HERE = Path(__file__).parent


def mount_web(app: FastAPI) -> None:
    from yigong.web.errors import install_page_errors  # lazy: cycle (pages import yigong.web)
    from yigong.web.pages import router
    from yigong.web.pages_account import router as account_router
    from yigong.web.pages_actions import router as actions_router
    from yigong.web.pages_admin import router as admin_router
    from yigong.web.pages_bureau import router as bureau_router
    from yigong.web.pages_care import router as care_router
    from yigong.web.pages_drugs import router as drugs_router
    from yigong.web.pages_operations import router as operations_router

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(account_router)
    app.include_router(router)
    app.include_router(actions_router)
    app.include_router(care_router)
    app.include_router(bureau_router)
    app.include_router(admin_router)
    app.include_router(operations_router)
    app.include_router(drugs_router)
    install_page_errors(app)
