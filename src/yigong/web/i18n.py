"""The cockpit's two languages: one message catalog and the cookie.

The catalog is ``messages.json`` (every label, enum value, unit and sentence of the cockpit in
Chinese and English, under the same keys) joined with the project's code systems
(`yigong.schema.codes.SMALL_CODE_SYSTEMS`, each code's Chinese and English name) as
``<system>_<code>`` — so an institution type or a discharge mode is translated where it is
defined, once. Both languages must hold the same keys (checked when loaded)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request

from yigong.schema.codes import SMALL_CODE_SYSTEMS
from yigong.schema.tables import CHILD_TABLES, TABLES

__all__ = ["LANG_COOKIE", "LANGUAGES", "language", "messages"]

LANG_COOKIE = "lang"
LANGUAGES = ("zh", "en")


@cache
def _catalog() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(
        (Path(__file__).with_name("messages.json")).read_text(encoding="utf-8")
    )

    for system, labels in SMALL_CODE_SYSTEMS.items():
        for code, (zh, en) in labels.items():
            data["zh"].setdefault(f"{system}_{code}", zh)
            data["en"].setdefault(f"{system}_{code}", en)
    for table in (*TABLES, *CHILD_TABLES):  # tables and columns: the schema's Chinese names
        data["zh"].setdefault(f"tbl_{table.name}", table.zh)
        data["en"].setdefault(f"tbl_{table.name}", table.name.replace("_", " "))
        for col in table.columns:
            data["zh"].setdefault(f"col_{col.name}", col.zh)
            data["en"].setdefault(f"col_{col.name}", col.name.replace("_", " "))
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
