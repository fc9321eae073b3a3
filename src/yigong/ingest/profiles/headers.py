"""Matching a file's header to a layout: which field each column is, which slot of its group,
which columns the layout does not know and which expected columns are missing.

Headers are compared after `packs.normalise` (full-width forms, spaces, case). A repeated
field's spellings (``其他诊断编码{n}``) match any number in place of ``{n}``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache

from yigong.ingest.profiles.model import SLOT, FieldSpec, Profile
from yigong.ingest.profiles.packs import normalise
from yigong.schema.tables import BY_NAME


@dataclass(frozen=True)
class Bound:
    """A column of the file bound to a field (and its slot, for a group member)."""

    spec: FieldSpec
    header: str  # the column's name exactly as in the file
    slot: int | None

    @property
    def slot_key(self) -> int | None:
        return self.slot if self.slot is not None else self.spec.slot


@dataclass
class Binding:
    """One sheet (the main file or a sub-list) of a profile, matched against a header."""

    profile: Profile
    sheet: str
    header: list[str]
    bound: list[Bound] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def known(self) -> int:
        return len(self.bound)

    @property
    def share(self) -> float:
        return self.known / len(self.header) if self.header else 0.0

    def for_column(self, column: str) -> list[Bound]:
        """The bound fields feeding canonical `column`, in the profile's order then slot."""
        return [b for b in self.bound if b.spec.column == column]

    def by_name(self, name: str) -> Bound | None:
        return next((b for b in self.bound if b.spec.name == name), None)

    def missing(self) -> list[FieldSpec]:
        """Fields of required canonical columns the file has no way to fill."""
        table = BY_NAME[self.profile.table]
        have = {b.spec.column for b in self.bound}
        derived = {d.column for d in self.profile.derived if all(self.by_name(n) for n in d.fields)}
        out = []
        for c in table.columns:
            if not c.required or {c.name, c.pseudonymise} & (have | derived):
                continue
            if any(t.column == c.name for t in self.profile.taken) and not self.sheet:
                continue  # from a sub-list: checked when the sub-lists are read
            specs = [f for f in self.profile.main_fields() if f.column in (c.name, c.pseudonymise)]
            out += specs[:1]
        return out


@cache
def _matchers(profile: Profile, sheet: str) -> tuple[dict[str, FieldSpec], list[tuple]]:
    exact: dict[str, FieldSpec] = {}
    patterns: list[tuple[re.Pattern[str], FieldSpec]] = []
    for f in profile.fields:
        if f.sheet != sheet:
            continue
        for s in f.spellings:
            if SLOT in s:
                text = re.escape(normalise(s.replace(SLOT, "\0"))).replace("\\\x00", "\0")
                patterns.append((re.compile(text.replace("\0", r"(\d{1,3})")), f))
            else:
                exact.setdefault(normalise(s), f)
    return exact, patterns


def bind(profile: Profile, header: list[str], sheet: str = "") -> Binding:
    """Match `header` to the fields of `profile`'s `sheet` (``""``: the main file)."""
    exact, patterns = _matchers(profile, sheet)
    b = Binding(profile, sheet, list(header))
    taken: set[tuple[str, int | None]] = set()
    for h in header:
        key = normalise(h)
        spec, slot = exact.get(key), None
        if spec is None:
            for pattern, f in patterns:
                m = pattern.fullmatch(key)
                if m:
                    spec, slot = f, int(m.group(1))
                    break
        if spec is None or (spec.name, slot) in taken:
            b.unknown.append(h)
            continue
        taken.add((spec.name, slot))
        b.bound.append(Bound(spec, h, slot))
    return b


def closest(name: str, candidates: list[str], n: int = 2) -> list[str]:
    """The known names nearest to `name` (for "did you mean" lines)."""
    norm = {normalise(c): c for c in candidates}
    hits = difflib.get_close_matches(normalise(name), list(norm), n=n, cutoff=0.5)
    return [norm[h] for h in hits]


def known_headers(profile: Profile, sheet: str = "") -> list[str]:
    """The headers a sheet of the profile knows (repeated fields shown with 1)."""
    return [f.header_for(1) if f.repeated else f.header for f in profile.fields if f.sheet == sheet]
