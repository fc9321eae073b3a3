"""Error pages of the cockpit: a refused, missing or failed cockpit page or form (400, 403,
404, 405, 422, 429, 500) is a styled page in the user's language carrying the error code
(``data-error-code``); a page asked for without a session goes to the login form. The API
(``/api/…``), JSON twins (``?format=json``) and files keep the JSON error object."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from yigong.access.errors import AccessError, crash_reference
from yigong.access.http import identify
from yigong.web.render import render

__all__ = ["install_page_errors"]

_NOT_PAGES = ("/api/", "/fhir/", "/static/", "/docs", "/redoc", "/openapi.json")
_FILES = (".csv", ".xlsx")
_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
}


def _is_page(request: Request) -> bool:
    path = request.url.path
    return (
        request.method in ("GET", "POST")
        and not path.startswith(_NOT_PAGES)
        and not path.endswith(_FILES)
        and request.query_params.get("format") in (None, "", "html")
    )


async def _page(request: Request, status: int, code: str, message: str) -> Response:
    await identify(request)
    data = {"status": status, "code": code, "message": message}
    return render(request, "error.html", data, status=status)


def install_page_errors(app: FastAPI) -> None:
    """Wrap the API's error handlers: cockpit pages get ``error.html``, the rest JSON."""
    api = app.exception_handlers[AccessError]
    http = app.exception_handlers[StarletteHTTPException]
    invalid = app.exception_handlers[RequestValidationError]
    crash = app.exception_handlers[Exception]

    async def on_api(request: Request, exc: Exception) -> Any:
        if isinstance(exc, AccessError) and _is_page(request):
            if exc.status == 401:
                back = request.url.path if request.method == "GET" else "/"
                return RedirectResponse(f"/login?next={quote(back)}", status_code=303)
            return await _page(request, exc.status, exc.code, exc.message)
        return await api(request, exc)

    async def on_http(request: Request, exc: Exception) -> Any:
        if (
            isinstance(exc, StarletteHTTPException)
            and exc.status_code in _CODES
            and _is_page(request)
        ):
            return await _page(request, exc.status_code, _CODES[exc.status_code], str(exc.detail))
        return await http(request, exc)

    async def on_invalid(request: Request, exc: Exception) -> Any:
        if _is_page(request):
            return await _page(request, 422, "invalid_request", "the request is not valid")
        return await invalid(request, exc)

    async def on_crash(request: Request, exc: Exception) -> Any:
        if _is_page(request):
            ref = crash_reference(exc, request.url.path)
            return await _page(request, 500, "server_error", f"internal error (reference {ref})")
        return await crash(request, exc)

    app.add_exception_handler(AccessError, on_api)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(Exception, on_crash)
