"""Ingest Parquet files into a Spark warehouse with the same rules and the same quarantine as
the DuckDB ingest (`warehouse/loader.py`).

One rule set, two places it runs:

* every rule of one row (required, type, code, minimum, maximum, reference, raw_id_number,
  pseudonym_key, date_order, list_alignment, missing_column) and the pseudonymisation run on
  each Spark partition of the file (``mapInArrow``) as the very SQL `validation.py` compiles
  from the table's declarations, in an in-memory DuckDB of that partition, with the national
  code lists and the referenced keys (institutions, divisions, communities) beside it;
* the one rule that needs the whole file, duplicate_key, runs in Spark over the partitions'
  key values (raw identifiers compared by a salted hash, never shipped in clear).

Rows are numbered as the DuckDB ingest numbers them (1-based data row of the file, from
Parquet's ``_metadata.row_index``); accepted + rejected = read. Accepted rows replace the rows
with the same natural key; the child tables (`discharge_diagnoses`, …) are rebuilt by
`children.rebuild_children` on each partition. Declared differences (see
`backend.SPARK_UNSUPPORTED`): CSV and Excel files are refused (Parquet only), and the CSV
reader's `malformed` rule cannot occur. Each table's dataset is replaced as a whole when
complete, but one file's table, children, quarantine and run record are four replacements,
not one transaction as in DuckDB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.report import IngestError, IngestReport, RowError
from yigong.schema.codes import NATIONAL_CODE_LISTS, national_code_file
from yigong.schema.model import Table
from yigong.schema.tables import BY_NAME
from yigong.warehouse.backend import unsupported
from yigong.warehouse.children import rebuild_children
from yigong.warehouse.loader import (
    _find_errors,
    _notices,
    _plan,
    _pseudonymise_sql,
    text_projection,
)
from yigong.warehouse.store import code_table_name
from yigong.warehouse.types import arrow_schema, sql_type
from yigong.warehouse.validation import MACROS, build_plan, lit, q

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from yigong.warehouse.spark import SparkWarehouse

ROW = "_yg_row"  # 0-based row of the file
ERRORS = "_yg_errors"
ERROR_TYPE = pa.list_(
    pa.struct([("field", pa.string()), ("value", pa.string()), ("reason", pa.string())])
)


class _PartitionDb:
    """The part of `Warehouse` the loader's check functions use, over an in-memory DuckDB."""

    def __init__(self) -> None:
        self.duck = duckdb.connect()

    def count(self, name: str) -> int:
        row = self.duck.execute(f"SELECT count(*) FROM {q(name)}").fetchone()
        return int(row[0]) if row else 0


@cache
def _code_list(system: str) -> pa.Table:
    with resources.as_file(national_code_file(system)) as path:
        return duckdb.execute(
            "SELECT code, name FROM read_csv(?, header = true, all_varchar = true)", [str(path)]
        ).to_arrow_table()


def _key_columns(table: Table) -> list[str]:
    return [f"_yg_k{i}" for i in range(len(table.key))]


def output_schema(table: Table) -> pa.Schema:
    """What each partition returns per staged row: its file row, its key values, its errors
    and (when it has none) its canonical values."""
    return pa.schema(
        [
            pa.field(ROW, pa.int64()),
            *(pa.field(k, pa.string()) for k in _key_columns(table)),
            pa.field(ERRORS, ERROR_TYPE),
            *arrow_schema(table),
        ]
    )


def check_partition(
    batch: pa.Table,
    table_name: str,
    key: PseudonymKey | None,
    references: dict[str, list[str]],
    salt: str,
) -> pa.Table:
    """Check one partition of a staged file: every rule but duplicate_key (see module doc)."""
    table = BY_NAME[table_name]
    rows = batch.column(ROW)
    raw = batch.drop_columns([ROW])
    db = _PartitionDb()
    con = db.duck
    for macro in MACROS:
        con.execute(macro)
    for system in {c.codes for c in table.columns if c.codes in NATIONAL_CODE_LISTS}:
        con.register("_codes", _code_list(system))
        con.execute(f"CREATE TABLE {code_table_name(system)} AS SELECT * FROM _codes")
        con.unregister("_codes")
    for ref, keys in references.items():
        ref_table, ref_col = ref.split(".")
        con.execute(f"CREATE TABLE IF NOT EXISTS {q(ref_table)} ({q(ref_col)} VARCHAR)")
        con.executemany(f"INSERT INTO {q(ref_table)} VALUES (?)", [[k] for k in keys])
    con.register("_raw", raw)
    described = con.execute("DESCRIBE SELECT * FROM _raw").fetchall()
    con.execute(f"CREATE TEMP TABLE stg AS SELECT {text_projection(described)} FROM _raw")
    con.unregister("_raw")
    staged = {n: False for n, *_ in described}
    plan = _plan(db, table, staged, key)  # type: ignore[arg-type]
    _find_errors(db, plan, [], duplicate_keys=False)  # type: ignore[arg-type]
    identities = []
    for column, name in zip(table.key, _key_columns(table), strict=True):
        k = plan.by_name(column)
        if k.source is None:
            expr = "CAST(NULL AS VARCHAR)"
        elif k.is_raw_identifier:  # compared by a salted hash: the raw number never leaves
            expr = f"sha256({lit(salt)} || {k.source_sql})"
        else:
            expr = f"CAST({k.typed} AS VARCHAR)"
        identities.append(f"{expr} AS {name}")
    canon = ", ".join(f"a.{q(c)}" for c in table.column_names)
    out = con.execute(
        f"WITH e AS (SELECT _rowid, list({{'field': field, 'value': value, 'reason': reason}} "
        f"ORDER BY field, reason) AS errors FROM errs GROUP BY _rowid), "
        f"a AS ({plan.accepted_sql(with_rowid=True)}), "
        f"k AS (SELECT s.rowid AS _rowid, {', '.join(identities)} FROM stg s) "
        f"SELECT k.* EXCLUDE (_rowid), e.errors AS {ERRORS}, {canon} FROM k "
        f"LEFT JOIN e ON e._rowid = k._rowid LEFT JOIN a ON a._yg_rowid = k._rowid "
        f"ORDER BY k._rowid"
    ).to_arrow_table()
    con.close()
    out = out.add_column(0, ROW, rows.cast(pa.int64()))
    return out


def children_partition(batch: pa.Table, table_name: str, child_name: str) -> pa.Table:
    """The child rows (`rebuild_children`) of one partition of accepted parent rows."""
    parent, child = BY_NAME[table_name], BY_NAME[child_name]
    con = duckdb.connect()
    for name in parent.children:  # rebuild_children fills every child table of the parent
        cols = ", ".join(f"{q(c.name)} {sql_type(c)}" for c in BY_NAME[name].columns)
        con.execute(f"CREATE TABLE {q(name)} ({cols})")
    con.register("_acc", batch)
    rebuild_children(con, parent, "_acc")
    out = con.execute(f"SELECT * FROM {q(child_name)}").to_arrow_table()
    con.close()
    return out.cast(arrow_schema(child))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _references(wh: SparkWarehouse, table: Table) -> dict[str, list[str]]:
    """The distinct keys every `ref` of the table points at, as the warehouse holds them now."""
    out = {}
    for col in table.columns:
        if col.ref and col.ref not in out:
            ref_table, ref_col = col.ref.split(".")
            out[col.ref] = [
                r[0] for r in wh.frame(ref_table).select(ref_col).distinct().dropna().collect()
            ]
    return out


def _upsert(wh: SparkWarehouse, table: Table, accepted: DataFrame) -> int:
    """Replace rows with the same natural key by `accepted`; returns rows replaced."""
    existing = wh.frame(table.name) if wh.dataset_path(table.name) else None
    replaced = 0
    merged = accepted
    keys = accepted.select(*table.key)
    if existing is not None:
        replaced = existing.join(keys, list(table.key), "left_semi").count()
        merged = existing.join(keys, list(table.key), "left_anti").unionByName(accepted)
    wh.write_frame(table.name, merged)
    return replaced


def _children(wh: SparkWarehouse, table: Table, accepted: DataFrame) -> None:
    (key,) = table.key
    for child_name in table.children:
        child = BY_NAME[child_name]
        rows = wh.map_arrow(
            accepted, _bind(children_partition, table.name, child_name), arrow_schema(child)
        )
        if wh.dataset_path(child_name):
            kept = wh.frame(child_name).join(accepted.select(key), [key], "left_anti")
            rows = kept.unionByName(rows)
        wh.write_frame(child_name, rows)


def _bind(fn: Callable[..., pa.Table], *args: Any) -> Callable[[pa.Table], pa.Table]:
    def run(batch: pa.Table) -> pa.Table:
        return fn(batch, *args)

    return run


def _append(
    wh: SparkWarehouse,
    name: str,
    new: DataFrame,
    drop: Callable[[DataFrame], DataFrame] | None = None,
) -> None:
    if wh.dataset_path(name):
        old = wh.frame(name)
        new = (drop(old) if drop else old).unionByName(new)
    wh.write_frame(name, new)


def ingest_parquet(
    wh: SparkWarehouse,
    path: str | Path,
    table: Table,
    key: PseudonymKey | None = None,
    run_id: str | None = None,
) -> IngestReport:
    """Validate one Parquet file against `table` and load it into the Spark warehouse."""
    from pyspark.sql import functions as F  # noqa: N812

    from yigong.warehouse.spark import spark_schema

    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    path = Path(path)
    if not path.exists():
        raise IngestError(str(path), "no such file")
    suffix = path.suffix.lower()
    if suffix != ".parquet":
        feature = "ingest:xlsx" if suffix == ".xlsx" else "ingest:csv"
        raise IngestError(str(path), str(unsupported(feature, "spark")))
    if key is not None and wh.key_fingerprint not in (None, key.fingerprint):
        raise IngestError(
            str(path),
            "this warehouse was built with another pseudonymisation key; "
            "keys must not change or patients' rows would no longer link",
        )
    run_id = run_id or uuid.uuid4().hex[:12]
    sha = _sha256(path)
    session = wh.session
    try:
        df = session.read.parquet(str(path))
    except Exception as exc:  # Spark's own words name the problem
        raise IngestError(str(path), f"cannot read the file: {exc}") from exc
    staged = {c: False for c in df.columns}
    notices = _notices(table, staged, build_plan(table, staged, _pseudonymise_sql(key)))
    df = df.select(F.col("_metadata.row_index").alias(ROW), *[F.col(f"`{c}`") for c in df.columns])
    fn = _bind(check_partition, table.name, key, _references(wh, table), secrets.token_hex(16))
    checked_path = wh.root / f".ingest-{run_id}-{table.name}"
    wh.map_arrow(df, fn, output_schema(table)).write.mode("overwrite").parquet(str(checked_path))
    try:
        report = _load_checked(
            wh,
            session.read.parquet(str(checked_path)),
            path,
            table,
            key,
            run_id,
            sha,
            started_at,
            spark_schema,
        )
    finally:
        import shutil

        shutil.rmtree(checked_path, ignore_errors=True)
    report.notices = notices
    report.seconds = time.perf_counter() - started
    return report


def _load_checked(
    wh: SparkWarehouse,
    checked: DataFrame,
    path: Path,
    table: Table,
    key: PseudonymKey | None,
    run_id: str,
    sha: str,
    started_at: dt.datetime,
    spark_schema: Callable[[pa.Schema], Any],
) -> IngestReport:
    from pyspark.sql import functions as F  # noqa: N812

    keys = _key_columns(table)
    field = "+".join(table.key)
    first = (
        checked.groupBy(*keys)
        .agg(F.min(ROW).alias("_yg_first"), F.count(F.lit(1)).alias("_yg_n"))
        .filter(F.col("_yg_n") > 1)
    )
    dup = (
        checked.alias("c")
        .join(first.alias("d"), [F.col(f"c.{k}") == F.col(f"d.{k}") for k in keys])
        .filter(F.col(f"c.{ROW}") != F.col("d._yg_first"))
        .select(
            F.col(f"c.{ROW}").alias(ROW),
            F.lit(field).alias("field"),
            F.lit(None).cast("string").alias("value"),
            F.concat(
                F.lit(f"duplicate_key: same {field} as row "),
                (F.col("d._yg_first") + 1).cast("string"),
            ).alias("reason"),
        )
    )
    cells = (
        checked.filter(F.col(ERRORS).isNotNull())
        .select(ROW, F.explode(ERRORS).alias("e"))
        .select(ROW, "e.field", "e.value", "e.reason")
    )
    errors = cells.unionByName(dup).cache()
    bad = errors.select(ROW).distinct()
    rows_read = checked.count()
    rows_rejected = bad.count()
    accepted = (
        checked.filter(F.col(ERRORS).isNull())
        .join(bad, [ROW], "left_anti")
        .select(*table.column_names)
    )
    replaced = _upsert(wh, table, accepted)
    if table.children:
        _children(wh, table, accepted)
    if key is not None:
        wh.set_key_fingerprint(key.fingerprint)
    quarantine = errors.select(
        F.lit(run_id).alias("run_id"),
        F.lit(table.name).alias("table_name"),
        F.lit(str(path)).alias("file"),
        F.lit(sha).alias("file_sha256"),
        (F.col(ROW) + 1).cast("long").alias("row_no"),
        "field",
        "value",
        F.split(F.col("reason"), ":").getItem(0).alias("rule"),
        "reason",
    )
    # the latest ingest of a file (same path, or same content) defines its quarantine
    _append(
        wh,
        "quarantine",
        quarantine,
        lambda old: old.filter(
            ~(
                (F.col("table_name") == table.name)
                & ((F.col("file") == str(path)) | (F.col("file_sha256") == sha))
            )
        ),
    )
    by_rule = {
        r["rule"]: int(r["n"])
        for r in quarantine.groupBy("rule")
        .agg(F.count(F.lit(1)).alias("n"))
        .orderBy(F.desc("n"))
        .collect()
    }
    samples = [
        RowError(str(path), int(r["row_no"]), r["field"], r["rule"], r["reason"], r["value"])
        for r in quarantine.orderBy("row_no", "field").limit(50).collect()
    ]
    errors.unpersist()
    from yigong.warehouse.spark import BOOKKEEPING_SCHEMAS

    run = pa.table(
        {
            "run_id": [run_id],
            "table_name": [table.name],
            "file": [str(path)],
            "file_sha256": [sha],
            "started_at": [started_at],
            "finished_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            "rows_read": [rows_read],
            "rows_accepted": [rows_read - rows_rejected],
            "rows_rejected": [rows_rejected],
            "rows_replaced": [replaced],
        },
        schema=BOOKKEEPING_SCHEMAS["ingest_runs"],
    )
    _append(wh, "ingest_runs", wh.session.createDataFrame(run, schema=spark_schema(run.schema)))
    return IngestReport(
        run_id=run_id,
        table=table.name,
        file=str(path),
        file_sha256=sha,
        rows_read=rows_read,
        rows_accepted=rows_read - rows_rejected,
        rows_rejected=rows_rejected,
        rows_replaced=replaced,
        errors_by_rule=by_rule,
        samples=samples,
        notices=[],
        seconds=0.0,
    )


def ingest_paths_spark(
    wh: SparkWarehouse,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key: PseudonymKey | None = None,
    progress: Callable[[str, Path], None] | None = None,
) -> list[IngestReport]:
    """`ingest.ingest_paths` on a Spark warehouse: every file in dependency order."""
    from yigong.ingest.run import ingest_each

    return ingest_each(
        paths,
        lambda path, t, run_id: ingest_parquet(wh, path, t, key=key, run_id=run_id),
        table=table,
        progress=progress,
    )
