"""Load one file into one canonical table: stage, validate set-based, quarantine, upsert, atomically.

Stages: (1) stage the file (CSV through DuckDB's reader, which parses dates and records malformed
lines instead of failing; Parquet cast to text; Excel through openpyxl); (2) validate every row
against the table's declared rules (`validation.py`); (3) in ONE transaction replace rows with the
same natural key, insert the accepted rows and their child rows, record the rejected rows in
`quarantine` and the run in `ingest_runs`. A crash before the commit leaves the warehouse as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import threading
import time
import uuid
from pathlib import Path

from yigong.ingest import profiles
from yigong.ingest.encoding import EncodingError, as_utf8
from yigong.ingest.excel import read_sheets
from yigong.ingest.pseudonym import KEY_HEX_CHARS, PseudonymKey
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.schema.model import Table
from yigong.warehouse.children import rebuild_children
from yigong.warehouse.store import Warehouse
from yigong.warehouse.validation import (
    MACROS,
    READER_TYPES,
    CheckPlan,
    build_plan,
    cell_error_query,
    cross_row_error_queries,
    lit,
    q,
)

#: file columns that hold personal names: never stored, reported as dropped.
NAME_COLUMNS = frozenset({"name", "patient_name", "person_name", "staff_name", "姓名"})
CRASH_ENV = "YIGONG_TEST_CRASH_BEFORE_COMMIT"  # tests only: kill the process inside the write


def _sha256_in_thread(path: Path) -> tuple[threading.Thread, list[str]]:
    out: list[str] = []

    def work() -> None:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                h.update(chunk)
        out.append(h.hexdigest())

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, out


def _reader_columns(table: Table, header: list[str]) -> dict[str, str]:
    """DuckDB type per CSV column: the reader parses dates, booleans…; the rest stays text."""
    by_name = {c.name: c for c in table.columns}
    return {
        h: READER_TYPES.get(by_name[h].dtype, "VARCHAR") if h in by_name else "VARCHAR"
        for h in header
    }


def text_projection(described: list[tuple]) -> str:
    """Select list staging typed columns (DuckDB `DESCRIBE` rows) as text: lists joined by |."""
    return ", ".join(
        f"array_to_string({q(n)}, '|') AS {q(n)}"
        if t.endswith("[]")
        else f"CAST({q(n)} AS VARCHAR) AS {q(n)}"
        for n, t, *_ in described
    )


def stage_file(
    wh: Warehouse, path: Path, table: Table, shown: str | None = None
) -> tuple[dict[str, bool], list[RowError]]:
    """Create temp table `stg` from `path` (reported as `shown`, the file the user named).

    Returns the staged columns (→ parsed by the reader?) and the lines the reader rejected:
    malformed lines and, for CSV, cells it could not parse as their declared type.
    """
    shown = shown or str(path)
    con = wh.duck
    for name in (
        "stg",
        "yg_rejects",
        "yg_rejects_scan",
    ):  # the reader appends to its rejects tables
        con.execute(f"DROP TABLE IF EXISTS {name}")
    suffix = path.suffix.lower()
    rejected: list[RowError] = []
    try:
        if suffix in (".csv", ".txt"):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
            if not header:
                raise IngestError(shown, "the file is empty (no header line)")
            twice = sorted({h for h in header if header.count(h) > 1})
            if twice:
                raise IngestError(shown, f"the header names column {twice[0]!r} twice: rename one")
            types = _reader_columns(table, header)
            spec = "{" + ", ".join(f"{lit(h)}: {lit(t)}" for h, t in types.items()) + "}"
            con.execute(
                f"CREATE TEMP TABLE stg AS SELECT * FROM read_csv(?, columns = {spec}, header = true,"
                " auto_detect = false, hive_partitioning = false, delim = ',', quote = '\"', escape = '\"',"
                " dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S',"
                " store_rejects = true, rejects_table = 'yg_rejects', rejects_scan = 'yg_rejects_scan')",
                [str(path)],
            )
            # a malformed line is one error; a line with cells of the wrong type, one per cell
            for line, column, kind, message in con.execute(
                "SELECT line, column_name, error_type, error_message FROM yg_rejects "
                "QUALIFY error_type = 'CAST' OR row_number() OVER (PARTITION BY line "
                "ORDER BY column_idx) = 1 ORDER BY line, column_idx"
            ).fetchall():
                cast = kind == "CAST"
                rejected.append(
                    RowError(
                        shown,
                        int(line) - 1,
                        column or "",
                        "type" if cast else "malformed",
                        ("type: " if cast else "malformed: ") + message,
                    )
                )
            staged = {h: t != "VARCHAR" for h, t in types.items()}
        elif suffix == ".parquet":
            # a part file of a partitioned dataset (`<table>/county=…/period=…/`): the path's
            # keys are not columns of the table, so they are not read from the path
            cols = con.execute(
                "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)", [str(path)]
            ).fetchall()
            con.execute(
                f"CREATE TEMP TABLE stg AS SELECT {text_projection(cols)} "
                "FROM read_parquet(?, hive_partitioning = false)",
                [str(path)],
            )
            staged = {n: False for n, *_ in cols}
        elif suffix == ".xlsx":
            arrow = read_sheets(path, shown, only_first=True)[0].table
            con.register("_xlsx", arrow)
            con.execute("CREATE TEMP TABLE stg AS SELECT * FROM _xlsx")
            con.unregister("_xlsx")
            staged = {n: False for n in arrow.column_names}
        else:
            raise IngestError(shown, f"unsupported file type {suffix!r} (csv, parquet, xlsx)")
    except IngestError:
        raise
    except Exception as exc:  # the reader's own words name the problem (encoding, quoting…)
        raise IngestError(shown, f"cannot read the file: {exc}") from exc
    return staged, rejected


def _pseudonymise_sql(key: PseudonymKey | None) -> str | None:
    if key is None:
        return None
    inner, outer = key.pads()
    return (
        f"substr(sha256(unhex('{outer.hex()}') || unhex(sha256(unhex('{inner.hex()}') "
        f"|| encode({{v}})))), 1, {KEY_HEX_CHARS})"
    )


def _check_key(wh: Warehouse, key: PseudonymKey | None, file: str) -> None:
    if key is None:
        return
    row = wh.duck.execute(
        "SELECT value FROM warehouse_meta WHERE key = 'pseudonym_key_fingerprint'"
    ).fetchone()
    if row and row[0] != key.fingerprint:
        raise IngestError(
            file,
            "this warehouse was built with another pseudonymisation key; "
            "keys must not change or patients' rows would no longer link",
        )


def _plan(
    wh: Warehouse, table: Table, staged: dict[str, bool], key: PseudonymKey | None
) -> CheckPlan:
    """Plan the checks, and hash each distinct raw identifier of the staged file once."""
    con = wh.duck
    pseudonymise = _pseudonymise_sql(key)
    # every text column is checked for identity numbers; the check first looks at the length
    # of each value (18+ characters), so no separate pass over the file is needed to skip it
    plan = build_plan(table, staged, pseudonymise)
    for mapping, column in plan.pseudonym_maps:
        assert pseudonymise is not None and key is not None
        # identifiers already hashed for an earlier file of this run are not hashed again
        cache = pseudonym_cache(key)
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {cache} (raw VARCHAR, k VARCHAR)")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {mapping} AS SELECT DISTINCT {q(column)} AS raw "
            f"FROM stg WHERE {q(column)} IS NOT NULL"
        )
        con.execute(
            f"INSERT INTO {cache} SELECT raw, {pseudonymise.format(v='raw')} FROM {mapping} m "
            f"WHERE NOT EXISTS (SELECT 1 FROM {cache} c WHERE c.raw = m.raw)"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {mapping} AS SELECT c.raw, c.k FROM {cache} c "
            f"SEMI JOIN {mapping} m ON c.raw = m.raw"
        )
    return plan


def pseudonym_cache(key: PseudonymKey) -> str:
    """The temp table of identifiers hashed so far under `key` in this connection (raw values
    live only there, in memory, and are dropped by `forget_pseudonyms` after a run)."""
    return f"yg_pseudo_cache_{key.fingerprint[:12]}"


def forget_pseudonyms(wh: Warehouse, key: PseudonymKey | None) -> None:
    """Drop the run's cache of hashed identifiers (see `pseudonym_cache`)."""
    if key is not None:
        wh.duck.execute(f"DROP TABLE IF EXISTS {pseudonym_cache(key)}")


def _notices(table: Table, staged: dict[str, bool], plan: CheckPlan) -> list[str]:
    known = set(table.column_names) | {c.pseudonymise for c in table.columns if c.pseudonymise}
    notices = [
        f"column {c!r} holds personal names: not stored" for c in staged if c in NAME_COLUMNS
    ]
    notices += [
        f"column {c!r} is not part of {table.name}: ignored"
        for c in staged
        if c not in known and c not in NAME_COLUMNS
    ]
    return notices + [f"column {c!r} is absent: left empty" for c in plan.missing_optional]


def _find_errors(
    wh: Warehouse, plan: CheckPlan, reader_rejects: list[RowError], duplicate_keys: bool = True
) -> int:
    """Fill temp table `errs` (one row per broken rule) and define view `acc`; rows skipped."""
    con = wh.duck
    # file row numbers: the reader skipped rejected lines, so staged row k sits after them
    skipped = sorted({r.row_no for r in reader_rejects})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE yg_skip AS SELECT row_no - row_number() OVER "
        "(ORDER BY row_no) AS before FROM (SELECT unnest(?::BIGINT[]) AS row_no)",
        [skipped],
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO yg_row_no(r) AS r + 1 + "
        "(SELECT count(*) FROM yg_skip k WHERE k.before < r + 1)"
    )
    con.execute("DROP TABLE IF EXISTS chk")
    con.execute(f"CREATE TEMP TABLE chk AS {plan.failing_rows_sql()}")
    cells = "\nUNION ALL\n".join(
        [cell_error_query(plan), *cross_row_error_queries(plan, duplicate_keys)]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE errs AS SELECT _rowid, yg_row_no(_rowid) AS row_no, "
        f"field, value, reason FROM ({cells}) e(_rowid, field, value, reason)"
    )
    if reader_rejects:
        con.executemany(
            "INSERT INTO errs VALUES (NULL, ?, ?, NULL, ?)",
            [(r.row_no, r.field, r.reason) for r in reader_rejects],
        )
    con.execute(f"CREATE OR REPLACE TEMP VIEW acc AS {plan.accepted_sql()}")
    return len(skipped)


def _write(wh: Warehouse, table: Table, key: PseudonymKey | None) -> int:
    """Inside the open transaction: replace rows with the same key, insert `acc`; rows replaced."""
    tx = wh.duck
    if key is not None:
        tx.execute("DELETE FROM warehouse_meta WHERE key = 'pseudonym_key_fingerprint'")
        tx.execute(
            "INSERT INTO warehouse_meta VALUES ('pseudonym_key_fingerprint', ?)", [key.fingerprint]
        )
    replaced = 0
    if wh.count(table.name):
        keys = ", ".join(q(k) for k in table.key)
        tx.execute(f"CREATE OR REPLACE TEMP TABLE acc_keys AS SELECT {keys} FROM acc")
        on = " AND ".join(f"t.{q(k)} = a.{q(k)}" for k in table.key)
        replaced = tx.execute(
            f"SELECT count(*) FROM {q(table.name)} t WHERE EXISTS "
            f"(SELECT 1 FROM acc_keys a WHERE {on})"
        ).fetchone()[0]
        if replaced:
            tx.execute(
                f"DELETE FROM {q(table.name)} t WHERE EXISTS (SELECT 1 FROM acc_keys a WHERE {on})"
            )
    tx.execute(f"INSERT INTO {q(table.name)} SELECT * FROM acc")
    if table.children:
        rebuild_children(tx, table, "acc")
    return int(replaced)


def ingest_file(
    wh: Warehouse,
    path: str | Path,
    table: Table,
    key: PseudonymKey | None = None,
    run_id: str | None = None,
    profile: str | None = None,
    keep_pseudonyms: bool = False,
) -> IngestReport:
    """Validate `path` against `table` and load it; see the module docstring. A file in a
    national layout (`yigong.ingest.profiles`) is projected to canonical columns first
    (`profile` names its layout profile; default: detected from the header)."""
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    path = Path(path)
    if not path.exists():
        raise IngestError(str(path), "no such file")
    run_id = run_id or uuid.uuid4().hex[:12]
    hasher, digest = _sha256_in_thread(path)
    _check_key(wh, key, str(path))
    con = wh.duck
    for macro in MACROS:
        con.execute(macro)
    encoding = "utf-8"
    if path.suffix.lower() in (".csv", ".txt"):
        try:
            with as_utf8(path) as (readable, encoding):
                staged, reader_rejects = stage_file(wh, readable, table, shown=str(path))
        except EncodingError as exc:
            raise IngestError(str(path), str(exc)) from exc
    else:
        staged, reader_rejects = stage_file(wh, path, table)
    layout, staged = profiles.apply_layout(con, path, table.name, staged, profile)
    plan = _plan(wh, table, staged, key)
    skipped = _find_errors(wh, plan, reader_rejects)
    if layout is not None:  # errors named by the file's own columns, plus the profile's own
        profiles.finish(con, layout)
    rows_staged = wh.count("stg")
    bad_staged = con.execute("SELECT count(DISTINCT _rowid) FROM errs").fetchone()[0]
    rows_read, rows_accepted = rows_staged + skipped, rows_staged - bad_staged
    rows_rejected = bad_staged + skipped
    hasher.join()
    sha = digest[0]
    with wh.transaction() as tx:
        replaced = _write(wh, table, key)
        if os.environ.get(CRASH_ENV) == table.name:
            os._exit(99)  # simulate a kill inside the write (atomicity test)
        # the latest ingest of a file (same path, or same content) defines its quarantine
        tx.execute(
            "DELETE FROM quarantine WHERE table_name = ? AND (file = ? OR file_sha256 = ?)",
            [table.name, str(path), sha],
        )
        tx.execute(
            "INSERT INTO quarantine SELECT ?, ?, ?, ?, row_no, field, value, "
            "split_part(reason, ':', 1), reason FROM errs",
            [run_id, table.name, str(path), sha],
        )
        tx.execute(
            "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                table.name,
                str(path),
                sha,
                started_at,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                rows_read,
                rows_accepted,
                rows_rejected,
                replaced,
            ],
        )
    by_rule = dict(
        con.execute(
            "SELECT split_part(reason, ':', 1), count(*) FROM errs GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    )
    samples = [
        RowError(str(path), int(r), f, reason.split(":", 1)[0], reason, v)
        for r, f, v, reason in con.execute(
            "SELECT row_no, field, value, reason FROM errs ORDER BY row_no, field LIMIT 50"
        ).fetchall()
    ]
    if not keep_pseudonyms:  # a run of several files keeps them until its end (`ingest_paths`)
        forget_pseudonyms(wh, key)
    notices = _notices(table, staged, plan)
    if layout is not None:
        notices = profiles.notices(con, layout) + notices
        profiles.cleanup(con, layout)
    con.execute("DROP VIEW IF EXISTS acc")
    for tmp in ("stg", "chk", "errs", "acc_keys", "yg_skip", *(m for m, _ in plan.pseudonym_maps)):
        con.execute(f"DROP TABLE IF EXISTS {tmp}")
    return IngestReport(
        run_id=run_id,
        table=table.name,
        file=str(path),
        file_sha256=sha,
        rows_read=rows_read,
        rows_accepted=rows_accepted,
        rows_rejected=int(rows_rejected),
        rows_replaced=replaced,
        errors_by_rule=by_rule,
        samples=samples,
        notices=notices
        + ([f"read as {encoding.upper()} and transcoded to UTF-8"] if encoding != "utf-8" else []),
        profile=layout.profile.id if layout is not None else None,
        seconds=time.perf_counter() - started,
    )
