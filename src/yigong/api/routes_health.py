"""``/healthz`` (the process answers) and ``/readyz`` (the warehouse and the stores answer and
the caches are warm: `yigong.access.warm`), both public and free of data: a load balancer or
systemd probe needs no account, and the answers name no institution, user or number."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import yigong
from yigong.access.http import state_of
from yigong.access.warm import readiness
from yigong.api.models import Health, Readiness

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> dict[str, str]:
    """The process is up and answering (no dependency is checked)."""
    return {"status": "ok", "version": yigong.__version__}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "not ready yet (warming up) or a dependency is down"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve users: the warehouse, the workflow store and the user store answer, the
    store's schema is this release's, and the warm-up has finished (503 until then)."""
    answer = await run_in_threadpool(readiness, state_of(request))
    return JSONResponse(answer, status_code=200 if answer["ready"] else 503)
