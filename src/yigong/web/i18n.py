"""The cockpit's two languages: a message catalog as data (``messages.json``) and the cookie."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request

__all__ = ["LANG_COOKIE", "LANGUAGES", "language", "messages"]

LANG_COOKIE = "lang"
LANGUAGES = ("zh", "en")


@cache
def _catalog() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(
        (Path(__file__).with_name("messages.json")).read_text(encoding="utf-8")
    )
    keys = [set(v) for v in data.values()]
    if any(k != keys[0] for k in keys):
        missing = {lang: sorted(keys[0] ^ set(v)) for lang, v in data.items()}
        raise ValueError(f"messages.json: languages differ in keys: {missing}")
    return data


def language(request: Request) -> str:
    """The user's language (cookie), else the server's default (`Settings.language`)."""
    state = getattr(request.app.state, "yigong", None)
    default = getattr(getattr(state, "settings", None), "language", "zh")
    default = default if default in LANGUAGES else "zh"
    lang = request.cookies.get(LANG_COOKIE, default)
    return lang if lang in LANGUAGES else default


def messages(lang: str) -> dict[str, str]:
    return _catalog()[lang]
