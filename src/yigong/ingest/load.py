"""Load one file into one canonical table: stage, check row by row, quarantine, upsert.

The same steps on every backend, through the warehouse protocol only:

1. stage the file (`read.py`);
2. check every batch of staged rows against the table's rules (`check.BatchCheck`, run by
   `Warehouse.batch_map`: here on DuckDB, in the executors on Spark);
3. find duplicate natural keys across the whole file (Ibis over the checked rows), and for the
   tables that must agree with others the reconciliation (`reconcile.py`);
4. in one transaction: replace rows with the same natural key, add the accepted rows and their
   child rows, record the rejected rows in `quarantine` and the run in `ingest_runs`. On DuckDB a
   crash before the commit leaves the warehouse as it was (on Spark, see the gap
   ``atomic_commit``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
import time
import uuid
from pathlib import Path

import ibis
import pyarrow as pa

from yigong.ingest.check import (
    ERRORS,
    ROW,
    BatchCheck,
    key_columns,
    output_schema,
    pseudonymise_sql,
)
from yigong.ingest.children import children_batch
from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.read import BATCH_ROWS, Staged, file_feature, finish_layout, staged_file
from yigong.ingest.reconcile import reconcile_errors
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.ingest.rules import build_plan
from yigong.schema.bookkeeping import INGEST_RUNS, KEY_FINGERPRINT, QUARANTINE
from yigong.schema.model import Table
from yigong.schema.tables import BY_NAME
from yigong.warehouse import BackendError, Data, Warehouse
from yigong.warehouse.types import arrow_schema

#: file columns that hold personal names: never stored, reported as dropped.
NAME_COLUMNS = frozenset({"name", "patient_name", "person_name", "staff_name", "姓名"})
CRASH_ENV = "YIGONG_TEST_CRASH_BEFORE_COMMIT"  # tests only: kill the process inside the write
SAMPLES = 50


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


def _notices(table: Table, staged: Staged, key: PseudonymKey | None) -> list[str]:
    known = set(table.column_names) | {c.pseudonymise for c in table.columns if c.pseudonymise}
    columns = staged.columns
    plan = build_plan(table, columns, pseudonymise_sql(key))
    notices = [
        f"column {c!r} holds personal names: not stored" for c in columns if c in NAME_COLUMNS
    ]
    notices += [
        f"column {c!r} is not part of {table.name}: ignored"
        for c in columns
        if c not in known and c not in NAME_COLUMNS
    ]
    return notices + [f"column {c!r} is absent: left empty" for c in plan.missing_optional]


def _references(wh: Warehouse, table: Table) -> dict[str, list[str]]:
    """The distinct keys every `ref` of the table points at, as the warehouse holds them now."""
    out = {}
    for col in table.columns:
        if col.ref and col.ref not in out:
            ref_table, ref_col = col.ref.split(".")
            t = wh.table(ref_table)
            keys = t.filter(t[ref_col].notnull()).select(ref_col).distinct()
            out[col.ref] = [str(k) for k in wh.to_arrow(keys).column(ref_col).to_pylist()]
    return out


def _errors(wh: Warehouse, table: Table, checked: ibis.Table) -> ibis.Table:
    """One row per broken rule of a staged row: the batches' findings, duplicate keys and the
    whole-file reconciliation of tables that must agree with others (`reconcile.py`)."""
    cells = checked.filter(checked[ERRORS].notnull()).select(ROW, e=checked[ERRORS].unnest())
    cells = cells.select(
        ROW, field=cells.e["field"], value=cells.e["value"], reason=cells.e["reason"]
    )
    keys = key_columns(table)
    field = "+".join(table.key)
    first = checked.group_by(keys).aggregate(_yg_first=checked[ROW].min(), _yg_n=checked.count())
    first = first.filter(first._yg_n > 1).select(
        _yg_first=first._yg_first, **{f"_yg_d{i}": first[k] for i, k in enumerate(keys)}
    )
    dup = checked.join(first, [checked[k] == first[f"_yg_d{i}"] for i, k in enumerate(keys)])
    dup = dup.filter(dup[ROW] != dup._yg_first).select(
        ROW,
        field=ibis.literal(field),
        value=ibis.null(str),
        reason=ibis.literal(f"duplicate_key: same {field} as row ") + (dup._yg_first + 1).cast(str),
    )
    out = cells.union(dup)
    found = reconcile_errors(table.name, checked, wh)
    return out if found is None else out.union(found)


def _quarantine(errors: ibis.Table, run: dict[str, str]) -> ibis.Table:
    return errors.select(
        run_id=ibis.literal(run["run_id"]),
        table_name=ibis.literal(run["table_name"]),
        file=ibis.literal(run["file"]),
        file_sha256=ibis.literal(run["file_sha256"]),
        row_no=(errors[ROW] + 1).cast("int64"),
        field=errors.field,
        value=errors.value,
        rule=errors.reason.split(":")[0],
        reason=errors.reason,
    )


def _rejected_lines(rejects: list[RowError], run: dict[str, str]) -> pa.Table:
    """The lines the CSV reader could not read, as quarantine rows."""
    return pa.table(
        {
            **{k: [run[k]] * len(rejects) for k in ("run_id", "table_name", "file", "file_sha256")},
            "row_no": [r.row_no for r in rejects],
            "field": [r.field for r in rejects],
            "value": [None] * len(rejects),
            "rule": [r.rule for r in rejects],
            "reason": [r.reason for r in rejects],
        },
        schema=QUARANTINE,
    )


def _children(wh: Warehouse, table: Table, accepted: ibis.Table, tag: str) -> dict[str, ibis.Table]:
    """The child rows of the accepted rows, one temporary table per child table
    (``_yg_<child>_<tag>``)."""
    return {
        child: wh.batch_map(
            accepted,
            _ChildRows(table.name, child),
            arrow_schema(BY_NAME[child]),
            name=f"_yg_{child}_{tag}",
        )
        for child in table.children
    }


class _ChildRows:
    """`children_batch` bound to one parent and child table (picklable for Spark)."""

    def __init__(self, table_name: str, child_name: str) -> None:
        self.table_name, self.child_name = table_name, child_name

    def __call__(self, batch: pa.Table) -> pa.Table:
        return children_batch(batch, self.table_name, self.child_name)


def _check_key(wh: Warehouse, key: PseudonymKey | None, file: str) -> None:
    if key is None:
        return
    known = wh.meta(KEY_FINGERPRINT)
    if known is not None and known != key.fingerprint:
        raise IngestError(
            file,
            "this warehouse was built with another pseudonymisation key; "
            "keys must not change or patients' rows would no longer link",
        )


def ingest_file(
    wh: Warehouse,
    path: str | Path,
    table: Table,
    key: PseudonymKey | None = None,
    run_id: str | None = None,
    profile: str | None = None,
) -> IngestReport:
    """Validate `path` against `table` and load it; see the module docstring. A file in a
    national layout (`yigong.ingest.profiles`) is projected to canonical columns first
    (`profile` names its layout profile; default: detected from the header)."""
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    path = Path(path)
    if not path.exists():
        raise IngestError(str(path), "no such file")
    try:
        wh.require(file_feature(path))
    except BackendError as exc:
        raise IngestError(str(path), str(exc)) from exc
    _check_key(wh, key, str(path))
    run_id = run_id or uuid.uuid4().hex[:12]
    hasher, digest = _sha256_in_thread(path)
    checked_name, errors_name = f"_yg_checked_{run_id}", f"_yg_errors_{run_id}"
    temporary: list[str] = []
    try:
        with staged_file(wh, path, table, profile) as staged:
            check = BatchCheck(
                table.name, key, _references(wh, table), secrets.token_hex(16), staged.typed
            )
            try:
                checked = wh.batch_map(
                    staged.source,
                    check,
                    output_schema(table),
                    batch_rows=BATCH_ROWS,
                    name=checked_name,
                )
            except Exception as exc:  # a file whose rows cannot be read to the end
                raise IngestError(str(path), f"cannot read the file: {exc}") from exc
            temporary.append(checked_name)
            wh.create_table(errors_name, _errors(wh, table, checked), temporary=True)
            temporary.append(errors_name)
            if staged.layout is not None:  # errors named by the file's own columns
                found = finish_layout(staged, wh.to_arrow(errors_name))
                wh.create_table(errors_name, found, temporary=True)
            notices = staged.layout_notices + _notices(table, staged, key) + staged.notices
            used = staged.layout.profile.id if staged.layout is not None else None
            rejects = staged.rejects
        errors = wh.table(errors_name)
        bad = errors.select(ROW).distinct()
        accepted = checked.filter(checked[ERRORS].isnull())
        accepted = accepted.anti_join(bad, accepted[ROW] == bad[ROW]).select(*table.column_names)
        children = _children(wh, table, accepted, run_id)
        temporary += [f"_yg_{child}_{run_id}" for child in children]
        rows_staged = int(checked.count().to_pyarrow().as_py())
        bad_staged = int(bad.count().to_pyarrow().as_py())
        hasher.join()
        run = {
            "run_id": run_id,
            "table_name": table.name,
            "file": str(path),
            "file_sha256": digest[0],
        }
        rows_read = rows_staged + len(rejects)
        rows_rejected = bad_staged + len(rejects)
        with wh.transaction():
            replaced = _write(wh, table, accepted, children, key)
            if os.environ.get(CRASH_ENV) == table.name:
                os._exit(99)  # simulate a kill inside the write (atomicity test)
            # the latest ingest of a file (same path, or same content) defines its quarantine
            wh.replace_rows(
                "quarantine",
                _quarantine(errors, run),
                lambda t: (
                    (t.table_name == table.name)
                    & ((t.file == run["file"]) | (t.file_sha256 == run["file_sha256"]))
                ),
            )
            if rejects:
                wh.replace_rows("quarantine", _rejected_lines(rejects, run))
            wh.replace_rows(
                "ingest_runs",
                pa.table(
                    {
                        **{k: [v] for k, v in run.items()},
                        "started_at": [started_at],
                        "finished_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
                        "rows_read": [rows_read],
                        "rows_accepted": [rows_read - rows_rejected],
                        "rows_rejected": [rows_rejected],
                        "rows_replaced": [replaced],
                    },
                    schema=INGEST_RUNS,
                ),
            )
        by_rule, samples = _summary(wh, errors, rejects, str(path))
    finally:
        for name in temporary:
            wh.drop_table(name)
    return IngestReport(
        run_id=run_id,
        table=table.name,
        file=str(path),
        file_sha256=run["file_sha256"],
        rows_read=rows_read,
        rows_accepted=rows_read - rows_rejected,
        rows_rejected=rows_rejected,
        rows_replaced=replaced,
        errors_by_rule=by_rule,
        samples=samples,
        notices=notices,
        seconds=time.perf_counter() - started,
        profile=used,
    )


def _write(
    wh: Warehouse,
    table: Table,
    accepted: ibis.Table,
    children: dict[str, ibis.Table],
    key: PseudonymKey | None,
) -> int:
    """Inside the open transaction: the accepted rows and their children; rows replaced."""
    if key is not None:
        wh.set_meta(KEY_FINGERPRINT, key.fingerprint)
    replaced = wh.upsert(table.name, accepted, table.key)
    for child, rows in children.items():
        (parent_key,) = table.key
        wh.upsert(child, rows, [parent_key], delete_keys=accepted.select(parent_key))
    return replaced


def _summary(
    wh: Warehouse, errors: ibis.Table, rejects: list[RowError], file: str
) -> tuple[dict[str, int], list[RowError]]:
    """Errors per rule (most frequent first) and the first rejected rows, for the report."""
    rule = errors.reason.split(":")[0]
    counted = errors.group_by(rule=rule).aggregate(n=errors.count())
    counts: dict[str, int] = {}
    for r in wh.to_arrow(counted).to_pylist():
        counts[r["rule"]] = counts.get(r["rule"], 0) + int(r["n"])
    for r in rejects:
        counts[r.rule] = counts.get(r.rule, 0) + 1
    by_rule = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    first = errors.order_by([ROW, "field", "reason"]).limit(SAMPLES)
    samples = [
        RowError(
            file, int(r[ROW]) + 1, r["field"], r["reason"].split(":", 1)[0], r["reason"], r["value"]
        )
        for r in wh.to_arrow(first).to_pylist()
    ]
    samples = sorted([*samples, *rejects[:SAMPLES]], key=lambda e: (e.row_no, e.field))[:SAMPLES]
    return by_rule, samples


def load_rows(wh: Warehouse, name: str, data: Data) -> int:
    """Upsert canonical rows that are already checked (tests, engines producing canonical
    rows) by natural key, with their child rows; returns rows written. Files go through
    `ingest_file`, with every rule."""
    table = BY_NAME[name]
    if isinstance(data, pa.Table | pa.RecordBatchReader):
        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
        data = data.select(list(table.column_names)).cast(arrow_schema(table))
        rows = data.num_rows
        temp = f"_yg_rows_{uuid.uuid4().hex[:8]}"
        wh.create_table(temp, data, temporary=True)
        source = wh.table(temp)
    else:
        temp, source = None, data
        rows = int(data.count().to_pyarrow().as_py())
    tag = uuid.uuid4().hex[:8]
    try:
        children = _children(wh, table, source, tag)
        with wh.transaction():
            _write(wh, table, source, children, None)
    finally:
        for child in table.children:
            wh.drop_table(f"_yg_{child}_{tag}")
        if temp:
            wh.drop_table(temp)
    return rows
