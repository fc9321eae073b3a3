"""Redaction: one rule for every answer — JSON, HTML, CSV, XLSX — so nothing outside the
user's scope is named.

``hidden`` holds the ids and names of the institutions outside the scope. A value is
rewritten when it names one of them:

- the whole string is one (``H13042300001``, ``临漳县人民医院``) → ``(outside scope)``;
- a ``:``-separated name with a part that is or contains one (the account
  ``external:out_of_county:H13042300001``, the row key ``discharges:H13042300001-BA…``) → that
  part becomes ``(outside scope)``: what kind of thing it is stays readable, whose it is not;
- any other text containing one as a word (a JSON list in a cell, a sentence) →
  ``(outside scope)`` as a whole.

Words are runs of letters, digits and CJK characters, so a case id ``H13042300001-BA0001``
names the institution ``H13042300001``, while a community named after its lead hospital
(``临漳县人民医院医共体``) is not the hospital. Lists and dicts are redacted element by element.
A counterpart the user's own record legitimately involves is made visible by the view that
shows it, by leaving it out of ``hidden`` for that value (see `Redactor.but`).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["OUTSIDE_SCOPE", "Redactor", "redact"]

OUTSIDE_SCOPE = "(outside scope)"
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]+")
_PATH_PART = re.compile(r"^[\w.\-#/\u3400-\u9fff ]*$")


class Redactor:
    """Masks every string naming a ``hidden`` institution (see the module docstring)."""

    def __init__(self, hidden: frozenset[str]) -> None:
        self.hidden = hidden

    def but(self, shown: set[str] | frozenset[str]) -> Redactor:
        """The same rule, with ``shown`` (a legitimate counterpart) left readable."""
        return Redactor(self.hidden - frozenset(shown)) if shown & self.hidden else self

    def names_hidden(self, text: str) -> bool:
        return text in self.hidden or any(w in self.hidden for w in _WORD.findall(text))

    def text(self, value: str) -> str:
        if not value or not self.hidden:
            return value
        if value in self.hidden:
            return OUTSIDE_SCOPE
        if not any(w in self.hidden for w in _WORD.findall(value)):
            return value
        parts = value.split(":")
        if len(parts) > 1 and all(_PATH_PART.match(p) for p in parts):
            return ":".join(OUTSIDE_SCOPE if self.names_hidden(p) else p for p in parts)
        return OUTSIDE_SCOPE

    def message(self, text: str, names: dict[str, str] | None = None) -> str:
        """A sentence with every hidden id or name replaced in place: by the name in
        ``names`` (a counterpart of the user's own record, shown by name), else by
        ``(outside scope)``."""
        if not self.hidden:
            return text
        names = names or {}
        shown = set(names.values())

        def sub(m: re.Match[str]) -> str:
            w = m.group()
            if w not in self.hidden or w in shown:
                return w
            return names.get(w, OUTSIDE_SCOPE)

        return _WORD.sub(sub, text)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


def redact(value: Any, hidden: frozenset[str]) -> Any:
    """`Redactor(hidden)(value)`."""
    return Redactor(hidden)(value)
