"""Three-level disease catalogs (县乡村三级疾病诊疗目录): ICD-10 codes and ranges → care level.

A catalog says at which level a condition is normally treated (Henan 2020 opinions, task
(3)7). An entry lists ICD-10 tokens:

- a category such as ``I10`` matches ``I10`` and every subcode (``I10.x``, ``I10.x00`` …);
- a subcategory such as ``N39.0`` matches itself and its extensions (医保版 codes);
- a category range such as ``J00-J06`` matches every category from ``J00`` to ``J06``.

The most specific match wins (longer code > shorter code > range), then an entry restricted to
the encounter's setting (``outpatient``/``inpatient``) beats one for ``any`` setting. The
validator refuses catalogs where that rule would still leave two levels for one code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from yigong.graded_care.levels import CareLevel

CATEGORY = re.compile(r"^[A-Z]\d{2}$")
SUBCODE = re.compile(r"^[A-Z]\d{2}\.[0-9A-Z]{1,8}$")
RANGE = re.compile(r"^([A-Z]\d{2})-([A-Z]\d{2})$")


class Setting(StrEnum):
    ANY = "any"
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"


def normalise_code(code: str) -> str:
    """Upper-case, no spaces, ``E119`` → ``E11.9`` (a dot after the category)."""
    text = code.strip().upper().replace(" ", "")
    if len(text) > 3 and "." not in text and CATEGORY.match(text[:3]):
        text = f"{text[:3]}.{text[3:]}"
    return text


@dataclass(frozen=True)
class Token:
    """One ICD-10 code or category range of a catalog entry."""

    text: str
    start: str  # category or code (inclusive)
    end: str  # same as start for a single code

    @property
    def is_range(self) -> bool:
        return self.start != self.end

    @property
    def specificity(self) -> int:
        """Range 0, category 1, subcategory 2 + length of the extension."""
        if self.is_range:
            return 0
        return 1 if "." not in self.start else 1 + len(self.start.split(".", 1)[1])

    def matches(self, code: str) -> bool:
        """Whether a normalised code falls under this token."""
        if self.is_range:
            return self.start <= code[:3] <= self.end
        if "." not in self.start:
            return code[:3] == self.start
        return code.startswith(self.start)


def parse_token(text: str) -> Token | None:
    """Parse a token; None when it is not a valid ICD-10 code or category range."""
    raw = text.strip().upper().replace(" ", "")
    m = RANGE.match(raw)
    if m:
        return Token(raw, m.group(1), m.group(2)) if m.group(1) < m.group(2) else None
    code = normalise_code(raw)
    if CATEGORY.match(code) or SUBCODE.match(code):
        return Token(code, code, code)
    return None


@dataclass(frozen=True)
class CatalogEntry:
    """A catalog row: tokens, the level, an optional setting, a Chinese name, a file line."""

    tokens: tuple[Token, ...]
    level: CareLevel
    setting: Setting
    name_zh: str
    line: int


@dataclass(frozen=True)
class CatalogMatch:
    """Which entry and token placed a code at a level (the explanation of a level check)."""

    code: str
    entry: CatalogEntry
    token: Token

    @property
    def level(self) -> CareLevel:
        return self.entry.level


@dataclass(frozen=True)
class DiseaseCatalog:
    """A versioned catalog for one county (or the default), with provenance."""

    county: str
    version: str
    name_zh: str
    source: str
    entries: tuple[CatalogEntry, ...]
    file: str = ""
    _cache: dict[tuple[str, Setting], CatalogMatch | None] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def lookup(self, code: str, setting: Setting | str = Setting.ANY) -> CatalogMatch | None:
        """The catalog level of an ICD-10 code in a setting, or None when uncatalogued."""
        wanted = Setting(setting)
        norm = normalise_code(code)
        cached = self._cache.get((norm, wanted), False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        best: tuple[tuple[int, int], CatalogMatch] | None = None
        for entry in self.entries:
            if entry.setting is not Setting.ANY and entry.setting is not wanted:
                continue
            for token in entry.tokens:
                if token.matches(norm):
                    key = (token.specificity, int(entry.setting is not Setting.ANY))
                    if best is None or key > best[0]:
                        best = (key, CatalogMatch(norm, entry, token))
        found = best[1] if best else None
        self._cache[(norm, wanted)] = found
        return found
