"""The REST API (FastAPI): thin JSON routes over `yigong.services`, scoped to the user's nodes.

`create_app(settings)` builds the app; `yigong serve` runs it with uvicorn.
"""

from __future__ import annotations

from yigong.api.app import create_app
from yigong.api.settings import Settings

__all__ = ["Settings", "create_app"]
