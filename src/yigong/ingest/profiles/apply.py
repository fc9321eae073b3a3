"""The seam with the ingest: stage a national-layout file's sub-lists, project the file into
canonical columns before the table's validation, and afterwards give every error the file's
own column name and add the profile's own errors.

Used by the loader in three calls: `sublist_sources` (which files or sheets carry the
sub-lists of a main file), `project` (after the main file and its sub-lists are staged as
`stg_raw` and `stg_sub_<id>`; builds `stg`), `finish` (after the table's rules have filled
`errs`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from yigong.ingest.profiles.detect import csv_header
from yigong.ingest.profiles.headers import Binding, bind, closest, known_headers
from yigong.ingest.profiles.layout import ERRORS, Layout, SubSheet, lit
from yigong.ingest.report import IngestError
from yigong.schema.tables import BY_NAME

SUFFIXES = (".csv", ".txt", ".xlsx")
Source = Path | pa.Table


def _sub_binding(main: Binding, header: list[str]) -> Binding | None:
    p = main.profile
    ranked = sorted(
        (bind(p, header, s) for s in p.sublists), key=lambda b: (b.share, b.known), reverse=True
    )
    return ranked[0] if ranked and ranked[0].share >= 0.5 else None


def sublist_sources(
    main: Binding, path: Path, sheets: list[tuple[str, pa.Table]] | None = None
) -> list[tuple[Binding, Source, str]]:
    """(sub-list binding, file or sheet, shown name) of each sub-list found for a main file.

    An Excel main file: its other sheets. A CSV main file: the files beside it whose header is
    a sub-list of the same profile and whose name starts with the main file's name
    (``结算清单.csv`` → ``结算清单_诊断信息.csv``); if the folder holds only one main file of the
    profile, every sub-list file of the folder belongs to it.
    """
    if not main.profile.sublists:
        return []
    found: list[tuple[Binding, Source, str]] = []
    if sheets is not None:
        for name, table in sheets:
            b = _sub_binding(main, list(table.column_names))
            if b is not None:
                found.append((b, table, f"{path}[{name}]"))
        return found
    siblings = sorted(f for f in path.parent.iterdir() if f.suffix.lower() in SUFFIXES)
    mains, subs = [], []
    for f in siblings:
        if f == path:
            continue
        header = csv_header(f) if f.suffix.lower() != ".xlsx" else []
        if not header:
            continue
        b = _sub_binding(main, header)
        if b is not None:
            subs.append((b, f))
        elif bind(main.profile, header).share >= main.profile.min_share:
            mains.append(f)
    stem = path.stem
    for b, f in subs:
        if f.stem.startswith(stem) or not mains:
            found.append((b, f, str(f)))
    return found


def project(
    con: duckdb.DuckDBPyConnection,
    main: Binding,
    subs: list[tuple[Binding, str, str]],
) -> tuple[Layout, dict[str, bool]]:
    """Build `stg` (canonical file columns, text) from `stg_raw` and the staged sub-lists
    (binding, staged table, shown name); returns the layout and the staged columns."""
    layout = Layout(main)
    for b, table, shown in subs:
        if b.sheet in layout.subs:
            raise IngestError(
                shown,
                f"a second {main.profile.sublists[b.sheet].title} list for the same file "
                f"(the first is {layout.subs[b.sheet].shown}): give one",
            )
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        layout.subs[b.sheet] = SubSheet(b, table, shown, int(rows))
    for sheet in {t.sheet for t in main.profile.taken if t.sheet in layout.subs}:
        con.execute(f"CREATE OR REPLACE TEMP TABLE yg_take_{sheet} AS {layout.take_sql(sheet)}")
    con.execute("DROP TABLE IF EXISTS stg")
    con.execute(f"CREATE TEMP TABLE stg AS {layout.project_sql()}")
    described = con.execute("DESCRIBE stg").fetchall()
    staged = {n: False for n, *_ in described if n not in ("_none", ERRORS)}
    return layout, staged


def finish(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """After the table's rules: the file's column names on every error, the profile's own
    errors added (replacing a canonical error of the same cell)."""
    sources = layout.sources()
    table = BY_NAME[layout.profile.table]
    # missing columns: name the header the profile expects
    for col in table.columns:
        if col.required and col.name not in sources:
            expected = layout.expected(col.name)
            con.execute(
                "UPDATE errs SET field = ?, reason = ? WHERE field = ? AND reason LIKE "
                "'missing_column:%'",
                [expected, f"missing_column: the file has no column {expected}", col.name],
            )
    # list columns: the slot whose value is at fault
    for g, anchor in layout.profile.groups.items():
        for col_name in {anchor, *(b.spec.column for b in layout.main.bound if b.spec.group == g)}:
            if not col_name or col_name not in sources:
                continue
            whens = []
            for s in layout.slots(g):
                b = layout.element(g, col_name, s)
                if b is not None:
                    whens.append(f"WHEN {layout.mapped(b)} THEN {lit(b.header)}")
            if not whens:
                continue
            con.execute(
                f"UPDATE errs SET field = coalesce(CASE split_part(errs.value, ',', 1) "
                f"{' '.join(whens)} END, {lit(sources[col_name])}) FROM {layout.raw} r "
                f"WHERE errs._rowid = r.rowid AND errs.field = {lit(col_name)}"
            )
    rename = {k: v for k, v in sources.items() if k != v}
    if rename:
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in rename.items())
        keys = ", ".join(lit(k) for k in rename)
        con.execute(f"UPDATE errs SET field = CASE field {cases} END WHERE field IN ({keys})")
    key = "+".join(table.key)
    if key in rename or any(k in rename for k in table.key):
        shown = "+".join(rename.get(k, k) for k in table.key)
        con.execute("UPDATE errs SET field = ? WHERE field = ?", [shown, key])
    # the profile's own errors
    parts = [s for s in (layout.check_sql(), *layout.sub_check_sql()) if s]
    if not parts:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE yg_perrs AS SELECT * FROM ("
        + " UNION ALL ".join(parts)
        + ") e(_rowid, field, value, reason)"
    )
    con.execute(
        "DELETE FROM errs WHERE EXISTS (SELECT 1 FROM yg_perrs p WHERE p._rowid = errs._rowid "
        "AND p.field = errs.field)"
    )
    con.execute(
        "INSERT INTO errs SELECT _rowid, yg_row_no(_rowid), field, yg_mask(value), reason "
        "FROM yg_perrs"
    )
    con.execute("DROP TABLE yg_perrs")


def cleanup(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    con.execute(f"DROP TABLE IF EXISTS {layout.raw}")
    for sheet, sub in layout.subs.items():
        con.execute(f"DROP TABLE IF EXISTS {sub.table}")
        con.execute(f"DROP TABLE IF EXISTS yg_take_{sheet}")


def notices(con: duckdb.DuckDBPyConnection, layout: Layout, limit: int = 8) -> list[str]:
    """What the user should know: the profile used, unknown and missing columns (with the
    closest known names), columns known but not stored, sub-lists and their strays."""
    p, main = layout.profile, layout.main
    out = [f"layout profile {p.label}: {main.known} of {len(main.header)} columns known"]
    known = known_headers(p)
    for h in main.unknown[:limit]:
        near = closest(h, known)
        out.append(
            f"column {h!r} is not in profile {p.id}: ignored"
            + (f" (closest known: {', '.join(near)})" if near else "")
        )
    if len(main.unknown) > limit:
        out.append(f"… and {len(main.unknown) - limit} more columns not in profile {p.id}")
    for spec in main.missing():
        near = closest(spec.header, main.unknown)
        out.append(
            f"column {spec.header} ({spec.name}) is missing: {spec.column or spec.name} "
            "cannot be filled" + (f" (closest in the file: {', '.join(near)})" if near else "")
        )
    summed = {n for d in p.derived for n in d.fields}
    unstored = [b.header for b in main.bound if not b.spec.column and b.spec.name not in summed]
    if unstored:
        shown = ", ".join(unstored[:limit]) + (" …" if len(unstored) > limit else "")
        out.append(
            f"{len(unstored)} columns are read but not stored (no canonical column): {shown}"
        )
    for sheet, sub in layout.subs.items():
        info = p.sublists[sheet]
        key, parent = sub.binding.by_name(info.key), main.by_name(info.parent)
        stray = 0
        if key is not None and parent is not None:
            stray = con.execute(
                f"SELECT count(*) FROM {sub.table} s WHERE NOT EXISTS (SELECT 1 FROM "
                f"{layout.raw} r WHERE {layout.value(parent)} = {layout.value(key, 's')})"
            ).fetchone()[0]
        out.append(
            f"sub-list {info.title} from {sub.shown}: {sub.rows:,} rows"
            + (f", {stray:,} of them for no row of the main file (ignored)" if stray else "")
        )
    for sheet, info in p.sublists.items():
        if sheet not in layout.subs and any(t.sheet == sheet for t in p.taken):
            cols = ", ".join(sorted({t.column for t in p.taken if t.sheet == sheet}))
            out.append(f"sub-list {info.title} not found beside the file: {cols} left empty")
    return out


def stage_text_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, shown: str) -> None:
    """Stage a (UTF-8) CSV sub-list as temp table `name`, every column text."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    spec = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM read_csv(?, columns = {spec}, "
            "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"')",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise IngestError(shown, f"cannot read the file: {exc}") from exc


def stage_arrow(con: duckdb.DuckDBPyConnection, table: pa.Table, name: str) -> None:
    con.register("_yg_sheet", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _yg_sheet")
    con.unregister("_yg_sheet")


def apply_layout(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    staged: dict[str, bool],
    profile: str | None = None,
    extra: list[Path] | None = None,
) -> tuple[Layout | None, dict[str, bool]]:
    """After the loader staged `path` as `stg`: if its header is a profile's layout, stage its
    sub-lists and replace `stg` by the canonical projection (the file stays as `stg_raw`).
    Returns (None, staged) for a file in the canonical layout."""
    from yigong.ingest.encoding import EncodingError, as_utf8
    from yigong.ingest.profiles.detect import detect

    shown = str(path)
    found = detect(list(staged), shown, table=table, profile=profile, extra=extra)
    if found.binding is None:
        return None, staged
    if found.sheet:
        info = found.binding.profile.sublists[found.sheet]
        raise IngestError(
            shown,
            f"this is the {info.title} sub-list of profile {found.binding.profile.id}: put it "
            "beside its main file (or as a further sheet of its workbook) and ingest the main file",
        )
    con.execute("DROP TABLE IF EXISTS stg_raw")
    con.execute("ALTER TABLE stg RENAME TO stg_raw")
    sheets = None
    if path.suffix.lower() == ".xlsx" and found.binding.profile.sublists:
        from yigong.ingest.excel import read_sheets

        sheets = [(s.name, s.table) for s in read_sheets(path, shown)[1:]]
    subs = []
    for b, src, sub_shown in sublist_sources(found.binding, path, sheets):
        name = f"stg_sub_{b.sheet}"
        if isinstance(src, pa.Table):
            stage_arrow(con, src, name)
        elif src.suffix.lower() == ".xlsx":
            from yigong.ingest.excel import read_sheets

            stage_arrow(con, read_sheets(src, sub_shown, only_first=True)[0].table, name)
        else:
            try:
                with as_utf8(src) as (readable, _):
                    stage_text_csv(con, readable, name, sub_shown)
            except EncodingError as exc:
                raise IngestError(sub_shown, str(exc)) from exc
        subs.append((b, name, sub_shown))
    return project(con, found.binding, subs)
