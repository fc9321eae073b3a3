"""Which layout a file is in: the canonical one, a profile's main file, or a profile's sub-list.

The header decides. A file named after a canonical table whose header is mostly that table's
file columns is canonical (as before profiles existed). Otherwise every profile (of the table
the file name or ``--table`` names, else every profile) is matched and the one that knows the
largest share of the header wins, if it knows at least its ``min_share``; ``--profile NAME``
skips the contest. A file that matches nothing is refused with the nearest profile and what
to do.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

from yigong.ingest.encoding import SAMPLE
from yigong.ingest.profiles.headers import Binding, bind
from yigong.ingest.profiles.model import Profile
from yigong.ingest.profiles.packs import ProfileError, all_profiles, get_profile
from yigong.ingest.report import IngestError
from yigong.schema.model import Table
from yigong.schema.tables import BY_NAME

#: file columns that hold personal names in canonical files (dropped, never stored).
CANONICAL_NAME_COLUMNS = frozenset({"name", "patient_name", "person_name", "staff_name", "姓名"})


@dataclass(frozen=True)
class Detected:
    """What a header is: ``binding`` None means the canonical layout of `table`."""

    table: str
    binding: Binding | None = None
    sheet: str = ""  # a sub-list's id when the file is one

    @property
    def profile(self) -> Profile | None:
        return self.binding.profile if self.binding else None


def csv_header(path: Path) -> list[str]:
    """The first line of a CSV file, in UTF-8 (BOM or not) or GB18030."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        line = text.splitlines()[0] if text else ""
        return next(csv.reader([line]), [])
    return []


def file_header(path: Path, shown: str) -> list[str]:
    """The header of a CSV, Parquet or Excel file (the first sheet's)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return csv_header(path)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    if suffix == ".xlsx":
        from yigong.ingest.excel import sheet_headers

        heads = sheet_headers(path, shown)
        return heads[0][1] if heads else []
    return []


def canonical_share(table: Table, header: list[str]) -> float:
    known = set(table.column_names) | {c.pseudonymise for c in table.columns if c.pseudonymise}
    known |= CANONICAL_NAME_COLUMNS
    return sum(1 for h in header if h.strip().lstrip("\ufeff") in known) / max(len(header), 1)


def _best(candidates: list[Binding]) -> Binding | None:
    ranked = sorted(candidates, key=lambda b: (b.share, b.known), reverse=True)
    return ranked[0] if ranked else None


def detect(
    header: list[str],
    shown: str,
    *,
    table: str | None = None,
    profile: str | None = None,
    extra: list[Path] | None = None,
) -> Detected:
    """Decide the layout of a file from its header (see the module docstring)."""
    try:
        return _detect(header, shown, table=table, profile=profile, extra=extra)
    except ProfileError as exc:
        raise IngestError(shown, f"layout profile: {exc}") from exc


def _detect(
    header: list[str],
    shown: str,
    *,
    table: str | None,
    profile: str | None,
    extra: list[Path] | None,
) -> Detected:
    if profile:
        p = get_profile(profile, extra)
        if table and p.table != table:
            raise IngestError(shown, f"profile {p.id} loads {p.table}, not {table}")
        b = bind(p, header)
        if not b.known:
            raise IngestError(
                shown,
                f"no column of this file is a column of profile {p.id}: is it the right profile?",
            )
        return Detected(p.table, b)
    if table and canonical_share(BY_NAME[table], header) >= 0.5:
        return Detected(table)
    profiles = [p for p in all_profiles(extra).values() if not table or p.table == table]
    mains = [bind(p, header) for p in profiles]
    best = _best(mains)
    if best is not None and best.share >= best.profile.min_share:
        return Detected(best.profile.table, best)
    subs = [bind(p, header, s) for p in profiles for s in p.sublists]
    sub = _best(subs)
    if sub is not None and sub.share >= 0.5 and (best is None or sub.share > best.share):
        return Detected(sub.profile.table, sub, sub.sheet)
    near = ""
    if best is not None and best.known:
        near = f" (nearest: {best.profile.id} knows {best.known} of {len(header)} columns)"
    hint = f"the columns of {table}" if table else "a canonical table's columns (with --table)"
    raise IngestError(
        shown,
        f"the header matches no layout{near}: write {hint} (`yigong schema-docs`), or give "
        "--profile NAME (`yigong profiles list`), or add a profile for this layout by copying "
        "a profile folder (docs/ingest.md, Layout profiles)",
    )
