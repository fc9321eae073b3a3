"""The REST API (FastAPI): thin JSON routes over the scoped views of `yigong.access`.

`create_app(settings)` builds the app (API and cockpit); `yigong serve` runs it with uvicorn.
"""

from __future__ import annotations

from yigong.access.settings import Settings
from yigong.api.app import create_app

__all__ = ["Settings", "create_app"]
