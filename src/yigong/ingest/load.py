"""Load one file into one canonical table: stage, check row by row, quarantine, upsert.

The same steps on every backend, through the warehouse protocol only:

1. stage the file (`read.py`);
2. check every batch of staged rows against the table's rules (`check.BatchCheck`, run by
   `Warehouse.batch_map`: here on DuckDB, in the executors on Spark);
3. find duplicate natural keys across the whole file (Ibis over the checked rows) and against
   the files loaded before it in the same run (`RunKeys`), and for the tables that must agree
   with others the reconciliation (`reconcile.py`);
4. in one transaction: replace rows with the same natural key, add the accepted rows and their
   child rows, replace the file's quarantine (below) and record the run in `ingest_runs`. On
   DuckDB a crash before the commit leaves the warehouse as it was (on Spark, see the gap
   ``atomic_commit``).

Duplicate keys across the files of one run (`ingest_paths`: two extracts of a table, the part
files of a dataset): the first file in the run's order keeps the key — the order the run lists
its files in, dependency order then path, as the report shows it — and every row of a later
file carrying that key is rejected (rule ``duplicate_key``, naming the key, the first file and
its row), whether or not the first file's row was accepted: a key comes from one file of a
delivery, never from whichever happened to be loaded last. (Refusing the key in both files would
undo rows an earlier file's transaction has committed, and drop the valid row of two
overlapping extracts.) Within one file the first row keeps the key likewise.

Duplicate natural keys across runs: `row_origins` records, for every stored key, the file that
loaded it (masked path, resolved source, content hash). A later run's row with such a key that
would change the stored row is rejected (``duplicate_key``, naming that file) — duplicates are
refused, not silently replaced — unless it comes from the same file: the same source (a new
version of the file replaces its own rows) or the same content through another path (an
idempotent re-run); or unless the ingest is told to replace (``replace=True``, ``yigong ingest
--replace``), after which the key belongs to the new file. The very same row delivered again
by an overlapping extract changes nothing and is accepted. Keys stored before origins were
recorded, or by `load_rows`, have no origin and are replaced as before.

The quarantine lists the rows still to be fixed. A rejected row is identified by what it is,
not by the path string it was read through (`quarantine_keys`):

- a row with a readable natural key by its table and key: the quarantine holds, for each key,
  the rejections of its latest ingested version. Ingesting a file replaces the quarantine rows of
  every key the file carries — accepted keys leave the quarantine, rejected ones get the file's
  reasons — whatever the path, its spelling or the file's name; rows of keys the file does not
  carry stay (a new file at the same path does not erase the old file's rejects);
- a row with no readable key (a malformed line, a missing key) by its file: the content
  (SHA-256) and the logical source (table + the file's resolved path: ``./a/../a/x.csv``, a
  symlink, a relative and an absolute spelling are one source). A new version of a file replaces
  the keyless rejects of the versions before it: at the same source, or anywhere when it
  carries every natural key the earlier file carried (a fixed copy saved elsewhere; the keys
  of an earlier file are its quarantined keys and the keys `row_origins` holds from it). A
  file none of whose rows has a key cannot be recognised elsewhere.

Re-ingesting the same file changes nothing (its keys, content and source are the same); the
rows of the current run are never replaced by a later file of the same run (duplicates above).
Natural keys are stored as they are written, except a part that holds a run of digits an ID
number could be (`privacy.LONG_NUMBER`: a visit number such as ``MZ130423-2024-00000001``) or
that is a raw identifier (a person's ID number): that part is stored as a hash salted with a
secret derived from the pseudonymisation key (`check.row_key_sql`), never as the number. (Keys
were once stored masked, which made every visit number of a table one key ``MZ[ID removed]``;
`yigong warehouse upgrade` forgets such keys.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa

from yigong.ingest.check import (
    ERRORS,
    ROW,
    ROW_KEY,
    BatchCheck,
    key_columns,
    output_schema,
    pseudonymise_sql,
)
from yigong.ingest.children import children_batch
from yigong.ingest.plausibility import PlausibilityRules, builtin_rules
from yigong.ingest.privacy import LONG_NUMBER, MASK, mask
from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.read import (
    BATCH_ROWS,
    Staged,
    file_feature,
    finish_layout,
    staged_file,
)
from yigong.ingest.reconcile import reconcile_errors
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.ingest.rules import build_plan
from yigong.schema.bookkeeping import (
    INGEST_RUNS,
    KEY_FINGERPRINT,
    QUARANTINE,
    QUARANTINE_KEYS,
)
from yigong.schema.model import Table
from yigong.schema.tables import BY_NAME
from yigong.warehouse import BackendError, Data, Warehouse
from yigong.warehouse.types import arrow_schema

#: file columns that hold personal names: never stored, reported as dropped.
NAME_COLUMNS = frozenset({"name", "patient_name", "person_name", "staff_name", "姓名"})
CRASH_ENV = "YIGONG_TEST_CRASH_BEFORE_COMMIT"  # tests only: kill the process inside the write
SAMPLES = 50
#: how a duplicate_key reason across the files of a run ends
ACROSS_FILES = "which comes first in this run and keeps the key"
#: how a duplicate_key reason across runs ends
ACROSS_RUNS = (
    "in an earlier run: not replaced (ingest that file again to change its rows, or ingest "
    "with --replace to let this file's row replace it)"
)


@dataclass
class RunKeys:
    """The natural keys the files of one ingest run have carried so far, per table: one
    temporary table per file (its keys no earlier file carried, with the file and its first
    row), so that a later file's rows with such a key are rejected (`duplicate_key`). Made by
    `ingest_paths`, which drops the tables at the end of the run."""

    run_id: str
    salt: str  # salts raw identifiers alike in every file of the run (`row_salt`)
    tables: dict[str, list[str]] = field(default_factory=dict)

    def earlier(self, wh: Warehouse, table: Table) -> ibis.Table | None:
        names = self.tables.get(table.name, [])
        if not names:
            return None
        out = wh.table(names[0])
        for name in names[1:]:
            out = out.union(wh.table(name))
        return out

    def add(self, wh: Warehouse, table: Table, checked: ibis.Table, file: str) -> None:
        """Record the keys of a file's checked rows that no earlier file of the run carried."""
        keys = key_columns(table)
        rows = checked.filter(ibis.and_(*[checked[k].notnull() for k in keys]))
        first = rows.group_by(keys).aggregate(_yg_row=rows[ROW].min())
        earlier = self.earlier(wh, table)
        if earlier is not None:
            first = first.anti_join(earlier, [first[k] == earlier[k] for k in keys])
        first = first.select(*keys, "_yg_row", _yg_file=ibis.literal(mask(file)))
        name = f"_yg_seen_{self.run_id}_{sum(map(len, self.tables.values()))}"
        wh.create_table(name, first, temporary=True)
        self.tables.setdefault(table.name, []).append(name)

    def drop(self, wh: Warehouse) -> None:
        for names in self.tables.values():
            for name in names:
                wh.drop_table(name)
        self.tables.clear()


def row_salt(key: PseudonymKey | None, run_id: str) -> str:
    """What salts the hashes of raw identifiers that stand for natural keys: derived from the
    pseudonymisation key, so that a person's row is recognised again in a later run (and the
    hash cannot be reversed without the key); without a key (such rows are all rejected), one
    per run."""
    secret = key.secret if key is not None else run_id.encode()
    return hmac.new(secret, b"yigong-row-key", hashlib.sha256).hexdigest()[:32]


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


def _shown_key(table: Table, t: ibis.Table) -> ibis.Value:
    """The natural key of each row as a person may read it: masked, None for a key made from a
    raw identifier."""
    if any(table.column(c).pseudonymise for c in table.key):
        return ibis.null(str)
    parts = [t[k].re_replace(LONG_NUMBER, MASK) for k in key_columns(table)]
    return parts[0] if len(parts) == 1 else ibis.literal(" / ").join(parts)


def _row_key(t: ibis.Table) -> ibis.Value:
    """What identifies each row's natural key in `quarantine_keys` and `row_origins` (None: no
    readable key), as the batch check made it (`check.row_key_sql`)."""
    return t[ROW_KEY]


def _errors(
    wh: Warehouse,
    table: Table,
    checked: ibis.Table,
    earlier: ibis.Table | None = None,
    loaded: ibis.Table | None = None,
) -> ibis.Table:
    """One row per broken rule of a staged row: the batches' findings, duplicate keys (within
    the file, against the `earlier` files of the run, and against the keys another file
    `loaded` in an earlier run: `_loaded_elsewhere`) and the whole-file reconciliation of
    tables that must agree with others (`reconcile.py`)."""
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
    if earlier is not None:
        other = checked.join(earlier, [checked[k] == earlier[k] for k in keys])
        shown = _shown_key(table, other)
        named = ibis.ifelse(shown.isnull(), ibis.literal(""), ibis.literal(" ") + shown)
        out = out.union(
            other.select(
                ROW,
                field=ibis.literal(field),
                value=shown,
                reason=ibis.literal(f"duplicate_key: {field}")
                + named
                + ibis.literal(" is also in row ")
                + (other._yg_row + 1).cast(str)
                + ibis.literal(" of ")
                + other._yg_file
                + ibis.literal(f", {ACROSS_FILES}"),
            )
        )
    if loaded is not None:  # a row that would change a row another file loaded
        keyed = checked.mutate(_yg_key=_row_key(checked))
        other = keyed.join(loaded, keyed._yg_key == loaded.row_key)
        stored = wh.table(table.name)
        stored = stored.select(**{f"_yg_s{i}": stored[c] for i, c in enumerate(table.column_names)})
        at = {c: f"_yg_s{i}" for i, c in enumerate(table.column_names)}
        other = other.join(stored, [other[c] == stored[at[c]] for c in table.key])
        other = other.filter(
            ibis.or_(*[~other[c].identical_to(other[at[c]]) for c in table.column_names])
        )
        out = out.union(
            other.select(
                ROW,
                field=ibis.literal(field),
                value=ibis.null(str),
                reason=ibis.literal(f"duplicate_key: {field} was loaded from ")
                + other.file
                + ibis.literal(f" {ACROSS_RUNS}"),
            )
        )
    found = reconcile_errors(table.name, checked, wh)
    return out if found is None else out.union(found)


def _loaded_elsewhere(wh: Warehouse, table: Table, run: dict[str, str]) -> ibis.Table:
    """The natural keys of `table` another file loaded in an earlier run: neither this file's
    source (a new version of the same file replaces its own rows) nor its content (the same
    file re-ingested through another path is idempotent). A row of such a key is rejected
    only when it differs from the stored row (`_errors`): delivering the same row again
    changes nothing. Keys loaded before origins were recorded (or by `load_rows`) have none
    and are replaced as before."""
    o = wh.table("row_origins")
    o = o.filter(
        (o.table_name == table.name)
        & (o.run_id != run["run_id"])
        & (o.source != run["source"])
        & (o.file_sha256 != run["file_sha256"])
    )
    return o.select("row_key", file=o.file.re_extract(r"[^/\\]*$", 0))


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


def _quarantine_keys(errors: ibis.Table, checked: ibis.Table, run: dict[str, str]) -> ibis.Table:
    """One row per rejected staged row: what identifies it (`quarantine_keys`)."""
    bad = errors.select(ROW).distinct()
    rows = bad.left_join(checked, bad[ROW] == checked[ROW])
    return rows.select(
        run_id=ibis.literal(run["run_id"]),
        table_name=ibis.literal(run["table_name"]),
        file_sha256=ibis.literal(run["file_sha256"]),
        row_no=(bad[ROW] + 1).cast("int64"),
        row_key=_row_key(rows),
        source=ibis.literal(run["source"]),
    )


def _record_origins(wh: Warehouse, table: Table, run: dict[str, str], accepted: str) -> None:
    """Inside the open transaction: the file this run loaded each accepted key from
    (`row_origins`), replacing the key's earlier origin."""
    keys = wh.table(accepted)
    rows = keys.select(
        table_name=ibis.literal(table.name),
        row_key=keys.row_key,
        **{k: ibis.literal(run[k]) for k in ("run_id", "file", "file_sha256", "source")},
    )
    wh.replace_rows(
        "row_origins",
        rows,
        lambda t: (t.table_name == table.name) & t.row_key.isin(keys.row_key),
    )


def _superseded(wh: Warehouse, table: Table, carried: ibis.Table) -> ibis.Table:
    """The earlier file contents (``file_sha256``) with keyless rejects whose every natural key
    this file carries: this file is a new version of that one (a fixed copy saved elsewhere),
    so their keyless rejects are replaced too. A file whose rows all lack a key cannot be
    recognised in another file."""
    k = wh.table("quarantine_keys")
    k = k.filter(k.table_name == table.name)
    with_keyless = k.filter(k.row_key.isnull()).select("file_sha256").distinct()
    o = wh.table("row_origins")
    o = o.filter(o.table_name == table.name).select("file_sha256", "row_key")
    keys = k.filter(k.row_key.notnull()).select("file_sha256", "row_key").union(o)
    keys = keys.semi_join(with_keyless, keys.file_sha256 == with_keyless.file_sha256)
    lacking = keys.anti_join(carried, keys.row_key == carried.row_key).select("file_sha256")
    shas = keys.select("file_sha256").distinct()
    return shas.anti_join(lacking, shas.file_sha256 == lacking.file_sha256)


def _stale(wh: Warehouse, table: Table, run: dict[str, str], carried: ibis.Table) -> ibis.Table:
    """The quarantined rows (``file_sha256:row_no``) this file's ingest replaces: earlier runs'
    rows of a key the file carries, of the same content, or keyless rows of the same source
    or of an earlier file this one supersedes (`_superseded`)."""
    k = wh.table("quarantine_keys")
    superseded = _superseded(wh, table, carried)
    stale = k.filter(
        (k.table_name == table.name)
        & (k.run_id != run["run_id"])
        & (
            (k.file_sha256 == run["file_sha256"])
            | k.row_key.isin(carried.row_key)
            | (k.row_key.isnull() & (k.source == run["source"]))
            | (k.row_key.isnull() & k.file_sha256.isin(superseded.file_sha256))
        )
    )
    return stale.select(_yg_id=stale.file_sha256 + ":" + stale.row_no.cast(str))


def _replace_quarantine(
    wh: Warehouse,
    table: Table,
    run: dict[str, str],
    stale: str,
    rows: ibis.Table,
    keys: ibis.Table,
    rejects: list[RowError],
) -> None:
    """Inside the open transaction: the `stale` quarantined rows out, this file's rejects in."""
    gone = wh.table(stale)
    known = wh.table("quarantine_keys")
    known = known.filter(known.table_name == table.name)
    known = known.select(_yg_id=known.file_sha256 + ":" + known.row_no.cast(str))

    def replaced(t: ibis.Table) -> ibis.BooleanValue:
        same = (t.table_name == table.name) & (t.run_id != run["run_id"])
        ident = t.file_sha256 + ":" + t.row_no.cast(str)
        return same & ((t.file_sha256 == run["file_sha256"]) | ident.isin(gone._yg_id))

    def replaced_or_legacy(t: ibis.Table) -> ibis.BooleanValue:
        # a row quarantined before rows were identified (no `quarantine_keys` row): by the
        # path string, as it was then
        ident = t.file_sha256 + ":" + t.row_no.cast(str)
        legacy = (t.table_name == table.name) & (t.run_id != run["run_id"])
        legacy = legacy & (t.file == run["file"]) & ~ident.isin(known._yg_id)
        return replaced(t) | legacy

    wh.replace_rows("quarantine", rows, replaced_or_legacy)
    wh.replace_rows("quarantine_keys", keys, replaced)
    if rejects:
        wh.replace_rows("quarantine", _rejected_lines(rejects, run))
        wh.replace_rows("quarantine_keys", _rejected_keys(rejects, run))


def _rejected_keys(rejects: list[RowError], run: dict[str, str]) -> pa.Table:
    """The lines the reader could not read, as `quarantine_keys` rows (one per line)."""
    rows = {r.row_no: r.key for r in reversed(rejects)}
    return pa.table(
        {
            **{k: [run[k]] * len(rows) for k in ("run_id", "table_name", "file_sha256")},
            "row_no": list(rows),
            "row_key": list(rows.values()),
            "source": [run["source"]] * len(rows),
        },
        schema=QUARANTINE_KEYS,
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
    run_keys: RunKeys | None = None,
    plausibility: PlausibilityRules | None = None,
    replace: bool = False,
) -> IngestReport:
    """Validate `path` against `table` and load it; see the module docstring. A file in a
    national layout (`yigong.ingest.profiles`) is projected to canonical columns first
    (`profile` names its layout profile; default: detected from the header). `run_keys` holds
    the keys of the files loaded before this one in the same run (`ingest_paths`);
    `plausibility` the plausibility rules (default: the built-in pack, `builtin_rules`)."""
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
    salt = run_keys.salt if run_keys is not None else row_salt(key, run_id)
    hasher, digest = _sha256_in_thread(path)
    checked_name, errors_name = f"_yg_checked_{run_id}", f"_yg_errors_{run_id}"
    carried_name, stale_name = f"_yg_carried_{run_id}", f"_yg_stale_{run_id}"
    rejects_name = f"_yg_rejected_keys_{run_id}"
    origins_name = f"_yg_origins_{run_id}"
    temporary: list[str] = []
    try:
        with staged_file(wh, path, table, profile, salt=salt) as staged:
            check = BatchCheck(
                table.name,
                key,
                _references(wh, table),
                salt,
                staged.typed,
                plausibility if plausibility is not None else builtin_rules(),
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
            earlier = run_keys.earlier(wh, table) if run_keys is not None else None
            hasher.join()
            run = {  # paths masked: a folder or file may be named after a person's ID number
                "run_id": run_id,
                "table_name": table.name,
                "file": mask(str(path)) or "",
                "file_sha256": digest[0],
                "source": mask(str(path.resolve())) or "",
            }
            loaded = None if replace else _loaded_elsewhere(wh, table, run)
            wh.create_table(
                errors_name, _errors(wh, table, checked, earlier, loaded), temporary=True
            )
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
        accepted = accepted.anti_join(bad, accepted[ROW] == bad[ROW])
        origins = accepted.select(row_key=_row_key(accepted))
        accepted = accepted.select(*table.column_names)
        children = _children(wh, table, accepted, run_id)
        temporary += [f"_yg_{child}_{run_id}" for child in children]
        rows_staged = int(checked.count().to_pyarrow().as_py())
        bad_staged = int(bad.count().to_pyarrow().as_py())
        # every natural key the file carries (its rows and the lines the reader rejected)
        carried = checked.select(row_key=_row_key(checked))
        wh.create_table(
            rejects_name,
            pa.table({"row_key": pa.array([r.key for r in rejects], pa.string())}),
            temporary=True,
        )
        temporary.append(rejects_name)
        carried = carried.union(wh.table(rejects_name))
        carried = carried.filter(carried.row_key.notnull()).distinct()
        wh.create_table(carried_name, carried, temporary=True)
        temporary.append(carried_name)
        wh.create_table(stale_name, _stale(wh, table, run, wh.table(carried_name)), temporary=True)
        temporary.append(stale_name)
        origins = origins.filter(origins.row_key.notnull()).distinct()
        wh.create_table(origins_name, origins, temporary=True)
        temporary.append(origins_name)
        rows_read = rows_staged + len({r.row_no for r in rejects})
        rows_rejected = bad_staged + len({r.row_no for r in rejects})
        run_record = {k: v for k, v in run.items() if k != "source"}
        with wh.transaction():
            replaced = _write(wh, table, accepted, children, key)
            _record_origins(wh, table, run, origins_name)
            if os.environ.get(CRASH_ENV) == table.name:
                os._exit(99)  # simulate a kill inside the write (atomicity test)
            _replace_quarantine(
                wh,
                table,
                run,
                stale_name,
                _quarantine(errors, run),
                _quarantine_keys(errors, checked, run),
                rejects,
            )
            wh.replace_rows(
                "ingest_runs",
                pa.table(
                    {
                        **{k: [v] for k, v in run_record.items()},
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
        if run_keys is not None:
            if earlier is not None:
                across = errors.filter(errors.reason.contains(ACROSS_FILES)).count()
                if n := int(across.to_pyarrow().as_py()):
                    notices.append(
                        f"{n:,} row(s) carry a natural key an earlier file of this run carries: "
                        "the first file keeps the key (in the order this report lists the "
                        "files), these rows are rejected (duplicate_key, naming that file)"
                    )
            run_keys.add(wh, table, checked, str(path))
        by_rule, samples = _summary(wh, errors, rejects, run["file"])
        # a column may be named by an ID number, a reader's message may quote a line
        notices = [mask(n) or "" for n in notices]
    finally:
        for name in temporary:
            wh.drop_table(name)
    return IngestReport(
        run_id=run_id,
        table=table.name,
        file=run["file"],
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
    shown = [dataclasses.replace(r, file=file) for r in rejects[:SAMPLES]]  # the masked path
    samples = sorted([*samples, *shown], key=lambda e: (e.row_no, e.field))[:SAMPLES]
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
