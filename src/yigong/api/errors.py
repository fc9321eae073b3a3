"""One error object for every failure: ``{"error": {"code", "message", "detail"}}``.

A crash is ``500 server_error`` with a reference number and nothing of the exception: the
traceback goes to the server log under the same reference.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from yigong.access.errors import AccessError, crash_reference

__all__ = ["ERROR_RESPONSES", "ApiError", "ErrorBody", "error_body", "install_error_handlers"]

ApiError = AccessError  # the API reports the access layer's errors as they are
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
    500: "server_error",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    detail: Any = None


class ErrorBody(BaseModel):
    """What every failing request returns."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code}
    for status, code in (
        (400, "bad request"),
        (401, "not logged in"),
        (403, "outside the user's nodes, or not the user's role"),
        (404, "not found"),
        (422, "invalid request"),
    )
}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AccessError)
    async def _api(_: Request, exc: AccessError) -> JSONResponse:
        headers = dict(exc.headers)
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(
            error_body(exc.code, exc.message, exc.detail), exc.status, headers=headers or None
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse(error_body("invalid_request", "the request is not valid", detail), 422)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        ref = crash_reference(exc, request.url.path)
        return JSONResponse(
            error_body("server_error", f"internal error (reference {ref})", {"reference": ref}), 500
        )
