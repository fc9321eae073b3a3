"""Error pages of the cockpit: a refused or missing cockpit page (403, 404, 400, 422) is a
styled page in the user's language; the API (``/api/…``), JSON twins (``?format=json``) and
files keep the JSON error object of `yigong.api.errors`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from yigong.api.errors import ApiError

__all__ = ["install_page_errors"]

_NOT_PAGES = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json")
_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
}


def _is_page(request: Request) -> bool:
    return (
        request.method == "GET"
        and not request.url.path.startswith(_NOT_PAGES)
        and request.query_params.get("format") != "json"
    )


def _page(request: Request, status: int, code: str, message: str) -> Response:
    from yigong.api.context import principal
    from yigong.web.i18n import language, messages
    from yigong.web.pages import templates

    try:
        user = principal(request).user
    except Exception:  # noqa: BLE001 - not logged in (or a bad token): the page without a menu
        user = None
    lang = language(request)
    data = {"status": status, "code": code, "message": message}
    return templates.TemplateResponse(
        request,
        "error.html",
        {"data": data, "t": messages(lang), "lang": lang, "user": user},
        status_code=status,
    )


def install_page_errors(app: FastAPI) -> None:
    """Wrap the API's error handlers: cockpit pages get ``error.html``, the rest JSON."""
    api = app.exception_handlers[ApiError]
    http = app.exception_handlers[StarletteHTTPException]
    invalid = app.exception_handlers[RequestValidationError]

    async def on_api(request: Request, exc: Exception) -> Any:
        if isinstance(exc, ApiError) and exc.status != 401 and _is_page(request):
            return _page(request, exc.status, exc.code, exc.message)
        return await api(request, exc)

    async def on_http(request: Request, exc: Exception) -> Any:
        if (
            isinstance(exc, StarletteHTTPException)
            and exc.status_code in _CODES
            and _is_page(request)
        ):
            return _page(request, exc.status_code, _CODES[exc.status_code], str(exc.detail))
        return await http(request, exc)

    async def on_invalid(request: Request, exc: Exception) -> Any:
        if _is_page(request):
            return _page(request, 422, "invalid_request", "the request is not valid")
        return await invalid(request, exc)

    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
