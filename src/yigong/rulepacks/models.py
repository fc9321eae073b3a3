"""Pydantic validation of pack data, with every error turned into an `Issue` at its line.

Each engine keeps its spec as Pydantic models; this is the one place where a
``ValidationError`` becomes issues naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from yigong.rulepacks.issues import Issue, Level
from yigong.rulepacks.yamlsrc import FieldPath, SourceFile, dotted

__all__ = ["model_issues", "validate_model"]

M = TypeVar("M", bound=BaseModel)


def _schema(_err: Any) -> str:
    return "schema"


def model_issues(
    exc: ValidationError,
    src: SourceFile,
    path: FieldPath = (),
    code: Callable[[Any], str] = _schema,
) -> list[Issue]:
    """One issue per Pydantic error, located by the error's field path under ``path``.

    ``code`` names the issue from the Pydantic error (default: ``schema`` for every error).
    """
    out: list[Issue] = []
    for err in exc.errors():
        loc: FieldPath = (*path, *(p for p in err["loc"] if isinstance(p, str | int)))
        out.append(Issue(Level.ERROR, code(err), err["msg"], src.name, src.line(loc), dotted(loc)))
    return out


def validate_model(
    model: type[M],
    data: Any,
    src: SourceFile,
    path: FieldPath = (),
    out: list[Issue] | None = None,
    code: Callable[[Any], str] = _schema,
) -> M | None:
    """``model`` validated from ``data`` (read at ``path`` of ``src``), or None with the errors
    appended to ``out``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        if out is not None:
            out.extend(model_issues(exc, src, path, code))
        return None
