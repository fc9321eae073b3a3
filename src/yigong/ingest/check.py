"""Check one batch of a staged file against its table's declared rules.

A batch is an Arrow table of staged rows: the file row (`ROW`, 0-based) and the file's columns
(as text, or typed where the CSV reader parsed them). `BatchCheck` loads it into an in-memory
DuckDB with the national code lists and the referenced keys beside it, runs the SQL that
`rules.py` compiles, and returns per staged row: its file row, its natural-key values (raw
identifiers as salted hashes: the number itself never leaves the batch), its broken rules and,
when it broke none, its canonical values. The same object runs in this process (DuckDB
backend) and in every Spark executor, so both backends apply the very same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources

import duckdb
import pyarrow as pa

from yigong.ingest.plausibility import PlausibilityRules, builtin_rules
from yigong.ingest.privacy import HASHED, KEY_SEPARATOR, LONG_NUMBER
from yigong.ingest.pseudonym import KEY_HEX_CHARS, PseudonymKey
from yigong.ingest.rules import (
    MACROS,
    CheckPlan,
    build_plan,
    cell_error_query,
    code_table_name,
    cross_row_error_queries,
    lit,
    plausibility_queries,
    q,
)
from yigong.schema.codes import NATIONAL_CODE_LISTS, national_code_file
from yigong.schema.model import Table
from yigong.schema.tables import BY_NAME
from yigong.warehouse.types import arrow_schema

ROW = "_yg_row"  # 0-based row of the file
ERRORS = "_yg_errors"
#: what identifies a row's natural key in `quarantine_keys` and `row_origins` (`row_key_sql`)
ROW_KEY = "_yg_row_key"
ERROR_TYPE = pa.list_(
    pa.struct([("field", pa.string()), ("value", pa.string()), ("reason", pa.string())])
)


def local_duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB of ingest's own (the rule engine's), quiet: no progress bar."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def key_columns(table: Table) -> list[str]:
    """The columns that carry each staged row's natural-key values (`_yg_k0`, …)."""
    return [f"_yg_k{i}" for i in range(len(table.key))]


def output_schema(table: Table) -> pa.Schema:
    """What a batch check returns per staged row: its file row, its key values, its errors and
    (when it has none) its canonical values."""
    return pa.schema(
        [
            pa.field(ROW, pa.int64()),
            *(pa.field(k, pa.string()) for k in key_columns(table)),
            pa.field(ROW_KEY, pa.string()),
            pa.field(ERRORS, ERROR_TYPE),
            *arrow_schema(table),
        ]
    )


def pseudonymise_sql(key: PseudonymKey | None) -> str | None:
    """HMAC-SHA256 of ``{v}`` under `key` as SQL (None: no key configured)."""
    if key is None:
        return None
    inner, outer = key.pads()
    return (
        f"substr(sha256(unhex('{outer.hex()}') || unhex(sha256(unhex('{inner.hex()}') "
        f"|| encode({{v}})))), 1, {KEY_HEX_CHARS})"
    )


def text_projection(described: list[tuple], typed: frozenset[str] = frozenset()) -> str:
    """Select list staging columns (DuckDB `DESCRIBE` rows) as text, lists joined by |; the
    `typed` columns (parsed by the CSV reader) stay as they are. Typed values of a Parquet
    file are written as a CSV file would write them, so that the same rules hold them: a
    timestamp at midnight as its date, any other with its time (a date column refuses it,
    never truncates it); binary as the UTF-8 text it holds, or U+FFFD when it is no UTF-8
    (the ``encoding`` rule refuses it, never stores escapes)."""
    return ", ".join(_as_text(n, t, n in typed) for n, t, *_ in described)


def _as_text(name: str, dtype: str, typed: bool) -> str:
    c = q(name)
    if typed:
        return c
    if dtype.endswith("[]"):
        return f"array_to_string({c}, '|') AS {c}"
    if dtype.startswith("TIMESTAMP"):
        return (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN CAST({c} AS TIME) = TIME '00:00:00' "
            f"THEN CAST(CAST({c} AS DATE) AS VARCHAR) "
            f"ELSE strftime(CAST({c} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') END AS {c}"
        )
    if dtype == "BLOB":
        return (
            f"CASE WHEN {c} IS NULL THEN NULL ELSE coalesce(try(decode({c})), '\ufffd') END AS {c}"
        )
    return f"CAST({c} AS VARCHAR) AS {c}"


@cache
def _code_list(system: str) -> pa.Table:
    with resources.as_file(national_code_file(system)) as path:
        con = local_duckdb()
        try:
            return con.execute(
                "SELECT code, name FROM read_csv(?, header = true, all_varchar = true)",
                [str(path)],
            ).to_arrow_table()
        finally:
            con.close()


def plan_checks(
    con: duckdb.DuckDBPyConnection, table: Table, staged: dict[str, bool], key: PseudonymKey | None
) -> CheckPlan:
    """Plan the checks over `stg`, and hash each distinct raw identifier of the batch once."""
    pseudonymise = pseudonymise_sql(key)
    # every text column is checked for identity numbers; the check first looks at the length
    # of each value (18+ characters), so no separate pass over the batch is needed to skip it
    plan = build_plan(table, staged, pseudonymise)
    for mapping, column in plan.pseudonym_maps:
        assert pseudonymise is not None
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {mapping} AS SELECT raw, "
            f"{pseudonymise.format(v='raw')} AS k FROM "
            f"(SELECT DISTINCT {q(column)} AS raw FROM stg WHERE {q(column)} IS NOT NULL)"
        )
    return plan


def row_key_sql(parts: list[tuple[str, bool]], salt: str, keyed: bool) -> str:
    """SQL of what identifies a row's natural key (`ROW_KEY`): its parts (SQL, made from a raw
    identifier) joined by `KEY_SEPARATOR`, NULL when a part is missing. A part made from a raw
    identifier is its salted hash already (NULL without a pseudonymisation key: such rows are
    all rejected); any other part that holds a run of digits that could be an ID number
    (`privacy.LONG_NUMBER`: a visit number ``MZ130423-2024-00000001`` does) is its salted hash
    too (`privacy.key_part`), so that the key is never stored and two keys never become one,
    as they would by masking. The hash is never masked (`report.RowError` leaves such parts alone)."""
    out = []
    for expr, raw in parts:
        if raw and not keyed:
            return "CAST(NULL AS VARCHAR)"
        if raw:
            out.append(expr)
        else:
            out.append(
                f"CASE WHEN regexp_matches({expr}, '{LONG_NUMBER}') "
                f"THEN '{HASHED}' || sha256({lit(salt)} || {expr}) ELSE {expr} END"
            )
    return f" || {lit(KEY_SEPARATOR)} || ".join(out)  # NULL when any part is NULL


def reference_date() -> date:
    """The ingest's reference date: today (UTC); the date window's "not after" is this date plus
    the pack's days of grace."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class BatchCheck:
    """The check of one file's batches: what `Warehouse.batch_map` runs on each of them. Its
    rows come in no particular order, each with its file row (`ROW`).

    `plausibility` and `reference` are fixed where the check is made (in this process), so
    every batch of a file, wherever it runs, applies the same pack against the same date.
    """

    table_name: str
    key: PseudonymKey | None
    references: dict[str, list[str]]  # "table.column" -> the keys the warehouse holds
    salt: str  # salts the hashes of raw identifiers compared across batches
    typed: frozenset[str] = frozenset()  # staged columns the CSV reader parsed
    plausibility: PlausibilityRules = field(default_factory=builtin_rules)
    reference: date = field(default_factory=reference_date)

    def _load(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        for macro in MACROS:
            con.execute(macro)
        for system in {c.codes for c in table.columns if c.codes in NATIONAL_CODE_LISTS}:
            con.register(code_table_name(system), _code_list(system))
        for ref, keys in self.references.items():
            ref_table, ref_col = ref.split(".")
            con.register(ref_table, pa.table({ref_col: pa.array(keys, pa.string())}))

    def __call__(self, batch: pa.Table) -> pa.Table:
        table = BY_NAME[self.table_name]
        con = local_duckdb()
        try:
            self._load(con, table)
            con.register("_raw", batch)
            described = con.execute(f"DESCRIBE SELECT * EXCLUDE ({ROW}) FROM _raw").fetchall()
            projection = text_projection(described, self.typed)
            con.execute(
                f"CREATE TEMP TABLE stg AS SELECT CAST({ROW} AS BIGINT) AS {ROW}"
                f"{', ' if projection else ''}{projection} FROM _raw"
            )
            con.unregister("_raw")
            plan = plan_checks(con, table, {n: n in self.typed for n, *_ in described}, self.key)
            con.execute(f"CREATE TEMP TABLE chk AS {plan.failing_rows_sql()}")
            cells = "\nUNION ALL\n".join(
                [
                    cell_error_query(plan),
                    *cross_row_error_queries(plan),
                    *plausibility_queries(plan, self.plausibility, self.reference),
                ]
            )
            con.execute(
                # every text about a rejected value is masked: a rule that fires before the
                # raw-ID rule (a list rule, a reference) may quote an identity number
                f"CREATE TEMP TABLE errs AS SELECT _rowid, field, yg_mask(value) AS value, "
                f"yg_mask(reason) AS reason FROM ({cells}) e(_rowid, field, value, reason)"
            )
            identities, parts = [], []
            for column, name in zip(table.key, key_columns(table), strict=True):
                k = plan.by_name(column)
                if k.source is None:
                    expr = "CAST(NULL AS VARCHAR)"
                elif k.is_raw_identifier:  # compared by a salted hash: the number never leaves
                    expr = f"sha256({lit(self.salt)} || {k.source_sql})"
                else:
                    expr = f"CAST({k.typed} AS VARCHAR)"
                identities.append(f"{expr} AS {name}")
                parts.append((expr, k.is_raw_identifier))
            identities.append(f"{row_key_sql(parts, self.salt, self.key is not None)} AS {ROW_KEY}")
            # one pass over the batch: every row with its key and errors, and the canonical
            # values of the rows without errors (a row's file row travels with it: no sort)
            out = con.execute(
                "WITH e AS (SELECT _rowid, list({'field': field, 'value': value, "
                "'reason': reason} ORDER BY field, reason) AS errors FROM errs GROUP BY _rowid) "
                f"SELECT s.{ROW}, {', '.join(identities)}, e.errors AS {ERRORS}, "
                f"{plan.accepted_columns_sql('e.errors IS NULL')} FROM stg s "
                f"LEFT JOIN e ON e._rowid = s.rowid {' '.join(plan.value_joins)}"
            ).to_arrow_table()
        finally:
            con.close()
        return out
