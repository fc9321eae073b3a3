"""The API's documentation pages, served offline: ``/docs`` (Swagger UI) and ``/redoc``
(ReDoc) from the copies bundled under ``/static/vendor/`` (npm packages ``swagger-ui-dist``
and ``redoc``, with their licences), started by ``/static/docs.js`` — no CDN, no inline script.

The OpenAPI document declares the API's one credential, the bearer token of
``POST /api/v1/auth/token``, as the security scheme ``bearer`` required by every ``/api/v1``
operation but the token itself; Swagger UI's *Authorize* button takes it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from yigong.api.headers import DOCS_CSP

__all__ = ["DOCS_CSP", "install_docs", "openapi_with_security"]

_PUBLIC = {("/fhir/metadata", "get"), ("/api/v1/auth/token", "post")}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="data:,">{head}
<script src="{script}" defer></script><script src="/static/docs.js" defer></script>
</head><body><main><div id="{id}" data-spec="/openapi.json"></div></main></body></html>
"""


def openapi_with_security(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the bearer scheme on every API operation."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "the access_token of POST /api/v1/auth/token (a server-side session)",
    }
    for path, ops in doc.get("paths", {}).items():
        if not path.startswith(("/api/", "/fhir/")):
            continue
        for method, op in ops.items():
            if (path, method) not in _PUBLIC:
                op["security"] = [{"bearer": []}]
    app.openapi_schema = doc
    return doc


def install_docs(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` from the bundled UIs, and the secured OpenAPI document."""
    app.openapi = lambda: openapi_with_security(app)  # type: ignore[method-assign]
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        head = '<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">'
        return HTMLResponse(
            _PAGE.format(
                title=f"{title} — Swagger UI",
                head=head,
                script="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                id="swagger-ui",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(
            _PAGE.format(
                title=f"{title} — ReDoc",
                head="",
                script="/static/vendor/redoc/redoc.standalone.js",
                id="redoc",
            )
        )
