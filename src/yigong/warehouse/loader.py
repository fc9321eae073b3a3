"""Load one file into one canonical table: stage, validate set-based, quarantine, upsert, atomically.

Stages: (1) stage the file as text columns (CSV through DuckDB's reader, which records malformed
lines instead of failing; Parquet cast to text; Excel through openpyxl); (2) validate every row
against the table's declared rules (`validation.py`); (3) in ONE transaction replace rows with the
same natural key, insert the accepted rows and their child rows, record the rejected rows in
`quarantine` and the run in `ingest_runs`. A crash before the commit leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa

from yigong.ingest.pseudonym import KEY_HEX_CHARS, PseudonymKey
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.schema.model import Table
from yigong.warehouse.children import rebuild_children
from yigong.warehouse.store import Warehouse
from yigong.warehouse.validation import (
    MACROS,
    build_plan,
    cell_error_query,
    cross_row_error_queries,
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


def _xlsx_to_arrow(path: Path) -> pa.Table:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    cols: list[list[str | None]] = [[] for _ in header]

    def text(v: object) -> str | None:
        if v is None:
            return None
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour, v.minute, v.second) != (0, 0, 0) \
                else v.date().isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    for row in rows:
        for i in range(len(header)):
            cols[i].append(text(row[i]) if i < len(row) else None)
    wb.close()
    return pa.table({h: pa.array(c, pa.string()) for h, c in zip(header, cols, strict=True)})


def stage_file(wh: Warehouse, path: Path) -> list[RowError]:
    """Create temp table `stg` (all text) from `path`; return malformed lines found by the reader."""
    con = wh.duck
    con.execute("DROP TABLE IF EXISTS stg")
    suffix = path.suffix.lower()
    malformed: list[RowError] = []
    try:
        if suffix in (".csv", ".txt"):
            con.execute(
                "CREATE TEMP TABLE stg AS SELECT * FROM read_csv(?, all_varchar = true, header = true,"
                " delim = ',', quote = '\"', escape = '\"', store_rejects = true,"
                " rejects_table = 'yg_rejects', rejects_scan = 'yg_rejects_scan')",
                [str(path)],
            )
            for line, column, message in con.execute(
                "SELECT line, first(column_name ORDER BY column_idx), "
                "arg_min(error_message, column_idx) FROM yg_rejects GROUP BY line ORDER BY line"
            ).fetchall():
                malformed.append(RowError(str(path), int(line) - 1, column or "", "malformed",
                                          f"malformed: {message}"))
        elif suffix == ".parquet":
            cols = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
            exprs = [
                f"array_to_string({q(n)}, '|') AS {q(n)}" if t.endswith("[]")
                else f"CAST({q(n)} AS VARCHAR) AS {q(n)}"
                for n, t, *_ in cols
            ]
            con.execute(f"CREATE TEMP TABLE stg AS SELECT {', '.join(exprs)} FROM read_parquet(?)",
                        [str(path)])
        elif suffix == ".xlsx":
            con.register("_xlsx", _xlsx_to_arrow(path))
            con.execute("CREATE TEMP TABLE stg AS SELECT * FROM _xlsx")
            con.unregister("_xlsx")
        else:
            raise IngestError(str(path), f"unsupported file type {suffix!r} (csv, parquet, xlsx)")
    except IngestError:
        raise
    except Exception as exc:  # the reader's own words name the problem (encoding, quoting…)
        raise IngestError(str(path), f"cannot read the file: {exc}") from exc
    return malformed


def _pseudonymise_sql(key: PseudonymKey | None) -> str | None:
    if key is None:
        return None
    inner, outer = key.pads()
    return (f"substr(sha256(unhex('{outer.hex()}') || unhex(sha256(unhex('{inner.hex()}') "
            f"|| encode({{v}})))), 1, {KEY_HEX_CHARS})")


def _check_key(wh: Warehouse, key: PseudonymKey | None, file: str) -> None:
    if key is None:
        return
    row = wh.duck.execute(
        "SELECT value FROM warehouse_meta WHERE key = 'pseudonym_key_fingerprint'").fetchone()
    if row and row[0] != key.fingerprint:
        raise IngestError(file, "this warehouse was built with another pseudonymisation key; "
                                "keys must not change or patients' rows would no longer link")


def ingest_file(wh: Warehouse, path: str | Path, table: Table,
                key: PseudonymKey | None = None, run_id: str | None = None) -> IngestReport:
    """Validate `path` against `table` and load it; see the module docstring."""
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
    malformed = stage_file(wh, path)
    staged = [r[0] for r in con.execute("DESCRIBE stg").fetchall()]
    plan = build_plan(table, set(staged), _pseudonymise_sql(key))
    known = set(table.column_names) | {c.pseudonymise for c in table.columns if c.pseudonymise}
    notices = [f"column {c!r} holds personal names: not stored" for c in staged if c in NAME_COLUMNS]
    notices += [f"column {c!r} is not part of {table.name}: ignored" for c in staged
                if c not in known and c not in NAME_COLUMNS]
    notices += [f"column {c!r} is absent: left empty" for c in plan.missing_optional]

    if malformed:  # the reader skipped malformed lines: map staged rows back to file rows
        con.execute("CREATE OR REPLACE TEMP TABLE yg_skip AS SELECT row_no - row_number() OVER "
                    "(ORDER BY row_no) AS before FROM (SELECT unnest(?) AS row_no)",
                    [[m.row_no for m in malformed]])
        row_no = "s.rowid + 1 + (SELECT count(*) FROM yg_skip k WHERE k.before < s.rowid + 1)"
    else:
        row_no = "s.rowid + 1"
    con.execute("DROP TABLE IF EXISTS chk")
    con.execute(f"CREATE TEMP TABLE chk AS {plan.checked_sql('stg', row_no)}")
    error_sql = "\nUNION ALL\n".join(
        [cell_error_query(table, "chk"), *cross_row_error_queries(table, "chk", plan)])
    con.execute(f"CREATE OR REPLACE TEMP TABLE errs AS {error_sql}")
    if malformed:
        con.executemany("INSERT INTO errs VALUES (?, ?, NULL, ?)",
                        [(m.row_no, m.field, m.reason) for m in malformed])
    typed = ", ".join(f"{q(c.name + '__v')} AS {q(c.name)}" for c in table.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE acc AS SELECT {typed} FROM chk "
                "WHERE row_no NOT IN (SELECT row_no FROM errs)")

    rows_staged = wh.count("stg")
    rows_read = rows_staged + len(malformed)
    rows_accepted = wh.count("acc")
    rows_rejected = con.execute("SELECT count(DISTINCT row_no) FROM errs").fetchone()[0]
    hasher.join()
    sha = digest[0]
    replaced = 0
    with wh.transaction() as tx:
        if key is not None:
            tx.execute("DELETE FROM warehouse_meta WHERE key = 'pseudonym_key_fingerprint'")
            tx.execute("INSERT INTO warehouse_meta VALUES ('pseudonym_key_fingerprint', ?)",
                       [key.fingerprint])
        on = " AND ".join(f"t.{q(k)} = a.{q(k)}" for k in table.key)
        replaced = tx.execute(
            f"SELECT count(*) FROM {q(table.name)} t WHERE EXISTS (SELECT 1 FROM acc a WHERE {on})"
        ).fetchone()[0]
        if replaced:
            tx.execute(f"DELETE FROM {q(table.name)} t WHERE EXISTS (SELECT 1 FROM acc a WHERE {on})")
        tx.execute(f"INSERT INTO {q(table.name)} SELECT * FROM acc")
        if table.children:
            rebuild_children(tx, table, "acc")
        if os.environ.get(CRASH_ENV) == table.name:
            os._exit(99)  # simulate a kill inside the write (atomicity test)
        # the latest ingest of a file (same path, or same content) defines its quarantine
        tx.execute("DELETE FROM quarantine WHERE table_name = ? AND (file = ? OR file_sha256 = ?)",
                   [table.name, str(path), sha])
        tx.execute(
            "INSERT INTO quarantine SELECT ?, ?, ?, ?, row_no, field, value, "
            "split_part(reason, ':', 1), reason FROM errs",
            [run_id, table.name, str(path), sha])
        tx.execute("INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [run_id, table.name, str(path), sha, started_at,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    rows_read, rows_accepted, rows_rejected, replaced])

    by_rule = dict(con.execute(
        "SELECT split_part(reason, ':', 1), count(*) FROM errs GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall())
    samples = [RowError(str(path), int(r), f, reason.split(":", 1)[0], reason, v)
               for r, f, v, reason in con.execute(
                   "SELECT row_no, field, value, reason FROM errs ORDER BY row_no, field LIMIT 50"
               ).fetchall()]
    for tmp in ("stg", "chk", "errs", "acc"):
        con.execute(f"DROP TABLE IF EXISTS {tmp}")
    return IngestReport(
        run_id=run_id, table=table.name, file=str(path), file_sha256=sha, rows_read=rows_read,
        rows_accepted=rows_accepted, rows_rejected=int(rows_rejected), rows_replaced=int(replaced),
        errors_by_rule=by_rule, samples=samples, notices=notices,
        seconds=time.perf_counter() - started)

