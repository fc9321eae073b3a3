"""Compile a canonical table's declared rules into set-based DuckDB validation.

The staged file (`stg`: every column text, one row per data row) is checked in one pass that
yields, per column, a typed value `<col>__v` and the first broken rule `<col>__e`
(``"rule: reason"``); rules that span rows or columns (national code lists inside code lists,
date order, list alignment, duplicate keys) are separate set-based queries. Every rule of
`yigong.schema` is here: required, type, code, minimum, maximum, reference, raw_id_number,
date_order, list_alignment, duplicate_key, missing_column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yigong.schema.codes import NATIONAL_CODE_LISTS, SMALL_CODE_SYSTEMS
from yigong.schema.model import Column, DType, Table
from yigong.warehouse.store import code_table_name

#: an 18-character resident identity number inside a longer text (GB 11643 shape).
ID_PATTERN = r"[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

MACROS = (
    "CREATE OR REPLACE TEMP MACRO yg_id18_ok(x) AS coalesce(upper(x[18]) = substr('10X98765432', "
    "1 + (("
    + " + ".join(f"TRY_CAST(x[{i + 1}] AS INTEGER) * {w}" for i, w in enumerate(_WEIGHTS))
    + ") % 11)::INTEGER, 1), false)",
    "CREATE OR REPLACE TEMP MACRO yg_has_id(s) AS (length(s) >= 18 AND "
    f"yg_id18_ok(regexp_extract(s, '(^|[^0-9])({ID_PATTERN})([^0-9]|$)', 2)))",
    f"CREATE OR REPLACE TEMP MACRO yg_mask(s) AS regexp_replace(s, '{ID_PATTERN}', '[ID removed]', 'g')",
)


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal."""
    return "'" + text.replace("'", "''") + "'"


def _in_list(codes: list[str]) -> str:
    return "(" + ", ".join(lit(c) for c in codes) + ")"


@dataclass
class CheckPlan:
    """The SQL that validates one staged file against one table."""

    table: Table
    select_exprs: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    source_of: dict[str, str | None] = field(default_factory=dict)  # column -> staged column
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)

    def checked_sql(self, stg: str, row_no_expr: str) -> str:
        cols = ",\n  ".join([f"{row_no_expr} AS row_no", *self.select_exprs])
        return f"SELECT\n  {cols}\nFROM {stg} s\n" + "\n".join(self.joins)


def _typed_and_type_error(col: Column, v: str) -> tuple[str, str | None]:
    """(typed expression, condition that the text is not of the column's type)."""
    match col.dtype:
        case DType.STRING:
            return v, None
        case DType.INT:
            return (f"TRY_CAST({v} AS BIGINT)",
                    f"(TRY_CAST({v} AS BIGINT) IS NULL OR strpos({v}, '.') > 0)")
        case DType.DECIMAL:
            return (f"TRY_CAST({v} AS DECIMAL(18,2))",
                    f"(TRY_CAST({v} AS DECIMAL(18,2)) IS NULL OR "
                    f"TRY_CAST({v} AS DECIMAL(38,10)) <> TRY_CAST({v} AS DECIMAL(18,2)))")
        case DType.FLOAT:
            return f"TRY_CAST({v} AS DOUBLE)", f"TRY_CAST({v} AS DOUBLE) IS NULL"
        case DType.DATE:
            return (f"TRY_CAST({v} AS DATE)",
                    f"(length({v}) <> 10 OR TRY_CAST({v} AS DATE) IS NULL)")
        case DType.TIMESTAMP:
            return f"TRY_CAST({v} AS TIMESTAMP)", f"TRY_CAST({v} AS TIMESTAMP) IS NULL"
        case DType.BOOL:
            return (f"(lower({v}) IN ('1', 'true', 'y', 'yes'))",
                    f"lower({v}) NOT IN ('1', '0', 'true', 'false', 'y', 'n', 'yes', 'no')")
        case DType.STRING_LIST:
            return f"string_split({v}, '|')", None
        case DType.INT_LIST:
            return (f"list_transform(string_split({v}, '|'), lambda x: TRY_CAST(x AS BIGINT))",
                    f"list_bool_or(list_transform(string_split({v}, '|'), "
                    f"lambda x: TRY_CAST(x AS BIGINT) IS NULL))")
    raise AssertionError(col.dtype)


_TYPE_WORDS = {
    DType.INT: "a whole number", DType.DECIMAL: "an amount in yuan with at most 2 decimals",
    DType.FLOAT: "a number", DType.DATE: "a date YYYY-MM-DD",
    DType.TIMESTAMP: "a timestamp YYYY-MM-DD HH:MM:SS", DType.BOOL: "1 or 0",
    DType.INT_LIST: "whole numbers separated by |",
}


def build_plan(table: Table, staged_columns: set[str], pseudonymise_sql: str | None) -> CheckPlan:
    """Plan the per-column checks of `table` over a staged file with `staged_columns`.

    `pseudonymise_sql` is a SQL template with ``{v}`` that turns a raw identifier into its
    key, or None when no key is configured (raw identifiers are then refused).
    """
    plan = CheckPlan(table)
    for n, col in enumerate(table.columns):
        raw_name: str | None
        if col.pseudonymise and col.pseudonymise in staged_columns:
            raw_name = col.pseudonymise
        elif col.name in staged_columns:
            raw_name = col.name
        else:
            raw_name = None
        plan.source_of[col.name] = raw_name
        if raw_name is None:
            (plan.missing_required if col.required else plan.missing_optional).append(col.name)
            v = "CAST(NULL AS VARCHAR)"
        else:
            v = f"nullif(trim(s.{q(raw_name)}), '')"
        typed, bad_type = _typed_and_type_error(col, v)
        is_raw_identifier = raw_name is not None and raw_name == col.pseudonymise != col.name
        if is_raw_identifier:
            typed = pseudonymise_sql.format(v=v) if pseudonymise_sql else "CAST(NULL AS VARCHAR)"
        cases: list[tuple[str, str]] = []
        if raw_name is None and col.required:
            cases.append(("true", lit(f"missing_column: the file has no column {col.name}")))
        if col.required:
            cases.append((f"{v} IS NULL", lit("required: value missing")))
        if is_raw_identifier and not pseudonymise_sql:
            cases.append((f"{v} IS NOT NULL", lit(
                f"pseudonym_key: {raw_name} holds raw identifiers but no pseudonymisation key is "
                "configured (set YIGONG_PSEUDONYM_KEY)")))
        if bad_type:
            cases.append((f"{v} IS NOT NULL AND {bad_type}",
                          f"'type: ' || {v} || ' is not {_TYPE_WORDS[col.dtype]}'"))
        if col.codes in SMALL_CODE_SYSTEMS:
            codes = _in_list(list(SMALL_CODE_SYSTEMS[col.codes]))
            if col.is_list:
                bad = f"list_filter(string_split({v}, '|'), lambda x: x NOT IN {codes})"
                cases.append((f"{v} IS NOT NULL AND len({bad}) > 0",
                              f"'code: ' || array_to_string({bad}, ',') || "
                              f"{lit(f' not in code system {col.codes}')}"))
            else:
                cases.append((f"{v} IS NOT NULL AND {v} NOT IN {codes}",
                              f"'code: ' || {v} || {lit(f' is not in code system {col.codes}')}"))
        elif col.codes in NATIONAL_CODE_LISTS and not col.is_list:
            alias = f"c{n}"
            plan.joins.append(f"LEFT JOIN {code_table_name(col.codes)} {alias} ON {alias}.code = {v}")
            cases.append((f"{v} IS NOT NULL AND {alias}.code IS NULL",
                          f"'code: ' || {v} || {lit(f' is not in {NATIONAL_CODE_LISTS[col.codes][1]}')}"))
        if col.minimum is not None:
            cases.append((f"{typed} < {col.minimum}",
                          f"'minimum: ' || {v} || {lit(f' is below {col.minimum:g}')}"))
        if col.maximum is not None:
            cases.append((f"{typed} > {col.maximum}",
                          f"'maximum: ' || {v} || {lit(f' is above {col.maximum:g}')}"))
        if col.ref and raw_name is not None:
            ref_table, ref_col = col.ref.split(".")
            alias = f"r{n}"
            plan.joins.append(
                f"LEFT JOIN (SELECT DISTINCT {q(ref_col)} AS k FROM {q(ref_table)}) {alias} "
                f"ON {alias}.k = {v}")
            cases.append((f"{v} IS NOT NULL AND {alias}.k IS NULL",
                          f"'reference: ' || {v} || {lit(f' is not a known {ref_table}.{ref_col}')}"))
        if col.dtype is DType.STRING or col.dtype is DType.STRING_LIST:
            if not is_raw_identifier and raw_name is not None:
                cases.append((f"yg_has_id({v})", lit(
                    "raw_id_number: the field holds a resident ID number; identifiers belong only "
                    "in the *_id_number columns, which are pseudonymised")))
        error = ("CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in cases) + " END") if cases \
            else "CAST(NULL AS VARCHAR)"
        shown = "'[pseudonymised identifier]'" if is_raw_identifier else f"yg_mask({v})"
        plan.select_exprs += [f"{typed} AS {q(col.name + '__v')}",
                              f"{error} AS {q(col.name + '__e')}",
                              f"{shown} AS {q(col.name + '__raw')}"]
    return plan


def cross_row_error_queries(table: Table, chk: str, plan: CheckPlan) -> list[str]:
    """Queries yielding (row_no, field, value, reason) for rules beyond one cell."""
    out: list[str] = []
    for col in table.columns:
        if col.is_list and col.codes in NATIONAL_CODE_LISTS and plan.source_of[col.name]:
            ref = code_table_name(col.codes)
            title = NATIONAL_CODE_LISTS[col.codes][1]
            out.append(
                f"SELECT row_no, {lit(col.name)} AS field, string_agg(code, ',') AS value, "
                f"'code: ' || string_agg(code, ',') || {lit(f' not in {title}')} AS reason "
                f"FROM (SELECT row_no, unnest({q(col.name + '__v')}) AS code FROM {chk} "
                f"WHERE {q(col.name + '__e')} IS NULL) u "
                f"WHERE NOT EXISTS (SELECT 1 FROM {ref} r WHERE r.code = u.code) GROUP BY row_no")
        if col.aligned_with and plan.source_of[col.name]:
            a, b = q(col.name + "__v"), q(col.aligned_with + "__v")
            out.append(
                f"SELECT row_no, {lit(col.name)}, array_to_string({a}, '|'), "
                f"'list_alignment: ' || len({a}) || ' values but ' || coalesce(len({b}), 0) || "
                f"{lit(f' in {col.aligned_with}')} FROM {chk} WHERE {a} IS NOT NULL "
                f"AND len({a}) <> coalesce(len({b}), 0)")
    for order in table.date_orders:
        e, l_ = q(order.earlier + "__v"), q(order.later + "__v")
        out.append(
            f"SELECT row_no, {lit(order.later)}, CAST({l_} AS VARCHAR), "
            f"'date_order: {order.later} ' || CAST({l_} AS VARCHAR) || ' is before "
            f"{order.earlier} ' || CAST({e} AS VARCHAR) FROM {chk} WHERE {e} > {l_}")
    keys = [q(k + "__v") for k in table.key]
    out.append(
        f"SELECT row_no, {lit(table.key[0])}, NULL, 'duplicate_key: same "
        f"{'+'.join(table.key)} as row ' || first_row FROM (SELECT row_no, "
        f"min(row_no) OVER (PARTITION BY {', '.join(keys)}) AS first_row FROM {chk} "
        f"WHERE {' AND '.join(k + ' IS NOT NULL' for k in keys)}) d "
        f"WHERE row_no <> first_row")
    return out


def cell_error_query(table: Table, chk: str) -> str:
    """(row_no, field, value, reason) for every failing cell, one query over `chk`."""
    parts = [
        f"SELECT row_no, {lit(c.name)} AS field, {q(c.name + '__raw')} AS value, "
        f"{q(c.name + '__e')} AS reason FROM {chk} WHERE {q(c.name + '__e')} IS NOT NULL"
        for c in table.columns
    ]
    return "\nUNION ALL\n".join(parts)
