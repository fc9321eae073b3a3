"""The web cockpit: server-rendered pages (Jinja2, a little JS, bundled ECharts), each with a
JSON twin (``?format=json``), in Chinese or English (cookie ``lang``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

__all__ = ["mount_web"]

HERE = Path(__file__).parent


def mount_web(app: FastAPI) -> None:
    from yigong.web.errors import install_page_errors
    from yigong.web.pages import router

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    install_page_errors(app)
