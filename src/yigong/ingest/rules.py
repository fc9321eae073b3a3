"""Compile a canonical table's declared row rules into set-based SQL (ingest's rule engine).

The rules run in an in-memory DuckDB of ingest's own, on one batch of a staged file at a time
(`check.py`), wherever the warehouse lives: the same SQL on the DuckDB backend and in every
Spark executor. The batch is the table `stg`, one row per data row. A column is staged either
*typed* (the CSV reader already parsed dates, timestamps, booleans and floats, and recorded
the cells it could not parse) or as *text* (everything else, and every column of Parquet and
Excel files). From the declarations this module builds:

* per column, the expression of its canonical value (`typed`) and the ordered rule checks
  (`cases`), the first failing one giving ``"rule: reason"``;
* one query that keeps only the rows with at least one failing cell (`chk`), so the cost of a
  clean row is the cost of evaluating the checks, not of storing anything;
* queries for rules that look beyond one cell: national codes inside code lists, list
  alignment, date order (duplicate natural keys are found across batches, in `load.py`);
* the projection of accepted rows into the canonical table.

Rules: required, type, code, minimum, maximum, reference, raw_id_number, date_order,
list_alignment, duplicate_key, missing_column (and malformed, from the reader); the
plausibility rules of a rule pack (`ingest/plausibility/`): date_window, los_bound, los_dates,
part_total, parts_sum; and for the tables that must agree with others, reconciliation
(`reconcile.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from yigong.ingest.plausibility.spec import PlausibilityRules
from yigong.ingest.privacy import (
    DIGIT,
    FULL_WIDTH,
    HALF_WIDTH,
    LONG_NUMBER,
    MASK,
    SEPARATOR_CHARS,
    SEPARATORS,
)
from yigong.schema.codes import NATIONAL_CODE_LISTS, SMALL_CODE_SYSTEMS
from yigong.schema.model import Column, DType, Table
from yigong.warehouse.types import sql_type

#: an 18-character resident identity number inside a longer text (GB 11643 shape).
ID_PATTERN = (
    r"[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
)
#: the older 15-digit identity number (no century, no check character): 6 + yymmdd + 3.
ID15_PATTERN = r"[1-9][0-9]{5}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

#: an ID number inside a text, after `yg_id_norm` (the capture group 2 is the number)
_ID_IN_TEXT = f"(^|[^0-9])({ID_PATTERN})([^0-9]|$)"
#: the older 15-digit number inside a text, after `yg_id_norm`, not glued to a Latin letter:
#: a record number such as the settlement number ``JS130423000122881`` (county code and a
#: 9-digit serial) has that shape, with no check character to tell them apart, and is no ID
#: (one settlement in four of a county's list was refused as one)
_ID15_IN_TEXT = f"(^|[^0-9A-Za-z])({ID15_PATTERN})([^0-9Xx]|$)"
#: a necessary condition, cheap to test on the raw text: 15 digits (half or full width) with
#: only separators between them (what `yg_id_norm` turns into 15 digits in a row)
_FIFTEEN_DIGITS = f"[{DIGIT}](?:[{SEPARATORS}]*[{DIGIT}]){{14}}"


def _check_character_ok(v: str) -> str:
    """SQL: the 18th character of `v` (a text `ID_PATTERN` matched) is the GB 11643 check
    character of its first 17 digits. The weighted sum takes each digit from those 17 read as
    one whole number (integer division and remainder), not from 17 substrings each cast to a
    number: a fraction of the cost. `v` is named 18 times: a bound value or a column."""
    number = f"TRY_CAST({v}[1:17] AS BIGINT)"
    total = " + ".join(f"({number} // {10 ** (16 - i)} % 10) * {w}" for i, w in enumerate(_WEIGHTS))
    return (
        f"coalesce(upper({v}[18]) = substr('10X98765432', 1 + (({total}) % 11)::INTEGER, 1), false)"
    )


# A macro's argument is substituted wherever the body names it, and evaluated there each time:
# `yg_id18_ok(regexp_extract(...))` named as `x` 18 times ran the extraction 18 times per row.
# So the bodies bind an expensive argument once, as the one element of a list given to a
# lambda (`list_transform([arg], lambda y: …)[1]`), and name the bound value instead.
MACROS = (
    "CREATE OR REPLACE TEMP MACRO yg_id18_ok(x) AS list_transform([x], lambda y: "
    f"{_check_character_ok('y')})[1]",
    # an ID number as people write it: full-width digits, spaces or hyphens between the groups.
    # A run of digits glued to a Latin letter is a record number's tail (MZ130423-2021-01010007,
    # a visit number): its first separator is kept (as '/'), so that the groups of a record
    # number are not joined into an ID-shaped number (1 in 11 of them would pass the check).
    # (`translate` only where there is a full-width character, and the separators removed by
    # `replace`: both cost a fraction of a regular expression over every value)
    "CREATE OR REPLACE TEMP MACRO yg_id_norm(s) AS "
    + "replace(" * len(SEPARATOR_CHARS)
    + f"regexp_replace(CASE WHEN regexp_matches(s, '[{FULL_WIDTH}]') THEN translate(s, "
    f"'{FULL_WIDTH}', '{HALF_WIDTH}') ELSE s END, "
    f"'([A-Za-z][{SEPARATORS}]*[0-9]+)[{SEPARATORS}]', '\\1/', 'g')"
    + "".join(f", '{c}', '')" for c in SEPARATOR_CHARS),
    # CASE, not AND: DuckDB evaluates CASE branches only for the rows that reach them
    # (an 18-character number with its check character, or the older 15-digit form). The
    # one pattern of either form is the cheap test most values stop at: only a value that
    # holds one is looked at again, inside the list that binds its normal form once.
    "CREATE OR REPLACE TEMP MACRO yg_has_id(s) AS CASE WHEN coalesce(length(s), 0) < 15 THEN false "
    f"WHEN NOT regexp_matches(s, '{_FIFTEEN_DIGITS}') THEN false ELSE "
    "list_transform([yg_id_norm(s)], lambda n: CASE WHEN NOT "
    f"regexp_matches(n, '({_ID_IN_TEXT})|({_ID15_IN_TEXT})') THEN false ELSE (CASE WHEN "
    f"regexp_matches(n, '{_ID_IN_TEXT}') THEN yg_id18_ok(regexp_extract(n, '{_ID_IN_TEXT}', 2)) "
    f"ELSE false END) OR regexp_matches(n, '{_ID15_IN_TEXT}') END)[1] END",
    # every text about a rejected value is masked (`privacy.mask` is the same pattern)
    f"CREATE OR REPLACE TEMP MACRO yg_mask(s) AS regexp_replace(s, '{LONG_NUMBER}', '{MASK}', 'g')",
    # the whole value is one GB 11643 identity number (an identifier column). Its argument is
    # a column (`s."patient_id_number"`), cheap to name again: the check character is computed
    # without binding it (twice as fast as through `yg_id18_ok`, on every row of a visit list)
    f"CREATE OR REPLACE TEMP MACRO yg_is_id(s) AS CASE WHEN NOT regexp_full_match(s, "
    f"'{ID_PATTERN}') THEN false ELSE {_check_character_ok('s')} END",
)

#: types the CSV reader parses itself (its parse errors become `type` errors). Whole numbers
#: and money stay text: the reader would round "7.5" to 8 and "12.345" to 12.35 silently.
#: Booleans too: the reader would take "yes" and "Y", and the files' convention is 1/0. Floats
#: too: an identity number in a float column would be parsed to 1.3042320200716002e+17, past
#: the raw-ID rule (as text it is caught).
READER_TYPES: dict[DType, str] = {
    DType.DATE: "DATE",
    DType.TIMESTAMP: "TIMESTAMP",
}


_TEXT_TYPES = (DType.STRING, DType.STRING_LIST)


def code_table_name(system: str) -> str:
    """The table a national code list is loaded as (beside the batch)."""
    return f"ref_{system}"


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal."""
    return "'" + text.replace("'", "''") + "'"


def _in_list(codes: list[str]) -> str:
    return "(" + ", ".join(lit(c) for c in codes) + ")"


_TYPE_WORDS = {
    DType.INT: "a whole number",
    DType.DECIMAL: "an amount in yuan with at most 2 decimals",
    DType.FLOAT: "a number",
    DType.DATE: "a date YYYY-MM-DD",
    DType.TIMESTAMP: "a timestamp YYYY-MM-DD HH:MM:SS",
    DType.BOOL: "1 or 0",
    DType.INT_LIST: "whole numbers separated by |",
}


_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIMESTAMP = _DATE + "([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?)?"
_TRUE = "('1', 'true', 'TRUE', 'True')"
_BOOLEANS = "('1', '0', 'true', 'false', 'TRUE', 'FALSE', 'True', 'False')"


def _from_text(col: Column, v: str) -> tuple[str, str | None]:
    """(typed expression, condition that the text `v` is not of the column's type)."""
    match col.dtype:
        case DType.STRING:
            return v, None
        case DType.INT:
            return (f"TRY_CAST({v} AS BIGINT)", f"NOT regexp_full_match({v}, '-?[0-9]{{1,15}}')")
        case DType.DECIMAL:
            # at most two decimals: a cast to DECIMAL(18,2) would round a third one away
            return (
                f"TRY_CAST({v} AS DECIMAL(18,2))",
                f"NOT regexp_full_match({v}, '-?[0-9]{{1,13}}(\\.[0-9]{{0,2}})?')",
            )
        case DType.FLOAT:  # NaN and infinity are no measurement
            return (
                f"TRY_CAST({v} AS DOUBLE)",
                f"NOT coalesce(isfinite(TRY_CAST({v} AS DOUBLE)), false)",
            )
        case DType.DATE:  # YYYY-MM-DD only: a cast alone takes "24-03-01" as the year 24,
            # "inf" as 9999-12-31 and drops the time of "2024-03-01 14:30"
            return (
                f"CASE WHEN regexp_full_match({v}, '{_DATE}') THEN TRY_CAST({v} AS DATE) END",
                f"NOT regexp_full_match({v}, '{_DATE}') OR TRY_CAST({v} AS DATE) IS NULL",
            )
        case DType.TIMESTAMP:
            return (
                f"CASE WHEN regexp_full_match({v}, '{_TIMESTAMP}') "
                f"THEN TRY_CAST({v} AS TIMESTAMP) END",
                f"NOT regexp_full_match({v}, '{_TIMESTAMP}') OR TRY_CAST({v} AS TIMESTAMP) IS NULL",
            )
        case DType.BOOL:
            return (f"({v} IN {_TRUE})", f"{v} NOT IN {_BOOLEANS}")
        case DType.STRING_LIST:
            return f"string_split({v}, '|')", None
        case DType.INT_LIST:
            return (
                f"list_transform(string_split({v}, '|'), lambda x: TRY_CAST(x AS BIGINT))",
                f"list_bool_or(list_transform(string_split({v}, '|'), "
                f"lambda x: TRY_CAST(x AS BIGINT) IS NULL))",
            )
    raise AssertionError(col.dtype)


@dataclass
class ColumnPlan:
    column: Column
    source: str | None  # staged column it comes from
    raw: str  # SQL of the staged value (text or reader-typed)
    typed: str  # SQL of the canonical value
    cases: list[tuple[str, str]]  # (condition, message SQL), in order
    is_raw_identifier: bool
    source_sql: str = ""  # the staged value as read (for raw identifiers: the identifier)

    @property
    def identity(self) -> str:
        """What makes two values equal: the raw identifier itself, not its key (no join needed)."""
        return self.source_sql if self.is_raw_identifier else self.typed

    @property
    def error(self) -> str:
        if not self.cases:
            return "CAST(NULL AS VARCHAR)"
        return "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in self.cases) + " END"


@dataclass
class CheckPlan:
    """The SQL that validates one staged file against one table."""

    table: Table
    columns: list[ColumnPlan] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    pseudonym_maps: list[tuple[str, str]] = field(default_factory=list)  # (map table, column)
    value_joins: list[str] = field(default_factory=list)  # joins the canonical values need

    def by_name(self, name: str) -> ColumnPlan:
        return next(c for c in self.columns if c.column.name == name)

    def failing_rows_sql(self) -> str:
        """Rows with at least one failing cell: `_rowid` and one `<col>__e` per column."""
        errors = ",\n  ".join(f"{c.error} AS {q(c.column.name + '__e')}" for c in self.columns)
        any_error = " OR ".join(
            f"{q(c.column.name + '__e')} IS NOT NULL" for c in self.columns if c.cases
        )
        return (
            f"SELECT * FROM (SELECT s.rowid AS _rowid,\n  {errors}\nFROM stg s\n"
            + "\n".join(self.joins)
            + f") e WHERE {any_error or 'false'}"
        )

    def accepted_columns_sql(self, accepted: str) -> str:
        """The canonical values of a staged row `s` (with the `value_joins`) where `accepted`
        holds, NULL elsewhere: a row with an error has no canonical values."""
        return ", ".join(
            f"CASE WHEN {accepted} THEN {c.typed} END AS {q(c.column.name)}" for c in self.columns
        )


def build_plan(
    table: Table,
    staged: dict[str, bool],
    pseudonymise_sql: str | None,
) -> CheckPlan:
    """Plan the checks of `table` over `stg`; `staged` maps a staged column to "typed by reader".

    `pseudonymise_sql` is a SQL template with ``{v}`` that turns a raw identifier into its
    key, or None when no key is configured (raw identifiers are then refused). Every column
    but the raw identifier itself is checked for an identity number first (`raw_id_number`).
    """
    plan = CheckPlan(table)
    for n, col in enumerate(table.columns):
        if col.pseudonymise and col.pseudonymise in staged:
            source: str | None = col.pseudonymise
        elif col.name in staged:
            source = col.name
        else:
            source = None
        cases: list[tuple[str, str]] = []
        if source is None:
            # typed, so that a batch's result has the table's types even when it lacks columns
            v, typed, bad_type = "CAST(NULL AS VARCHAR)", f"CAST(NULL AS {sql_type(col)})", None
            if col.required:
                cases.append(("true", lit(f"missing_column: the file has no column {col.name}")))
            else:
                plan.missing_optional.append(col.name)
        elif staged[source]:  # parsed by the reader: parse errors were recorded there
            v = f"s.{q(source)}"
            typed, bad_type = v, None
        else:
            v = f"s.{q(source)}"
            typed, bad_type = _from_text(col, v)
        is_raw_identifier = source is not None and source == col.pseudonymise != col.name
        if is_raw_identifier and pseudonymise_sql and source is not None:
            # hash each distinct identifier once (patients recur), then join the keys in
            alias, mapping = f"p{n}", f"yg_pseudo_{n}"
            plan.pseudonym_maps.append((mapping, source))
            plan.value_joins.append(f"LEFT JOIN {mapping} {alias} ON {alias}.raw = {v}")
            typed = f"{alias}.k"
        elif is_raw_identifier:
            typed = "CAST(NULL AS VARCHAR)"
        text = v if source is None or not staged[source] else f"CAST({v} AS VARCHAR)"
        if source is not None and not is_raw_identifier and not staged[source]:
            # first, so that no other rule's reason repeats the number (a whole number column,
            # a code, a reference: any column can be where an extract put an ID number)
            cases.append(
                (
                    f"length({v}) >= 15 AND yg_has_id({v})",
                    lit(
                        "raw_id_number: the field holds a resident ID number; identifiers belong "
                        "only in the *_id_number columns, which are pseudonymised"
                    ),
                )
            )
        if source is not None and not staged[source] and col.dtype in _TEXT_TYPES:
            # text no file means to hold: control characters (a NUL from a C program, a bell
            # from a terminal, a tab or line break pasted into a cell), invisible format
            # characters (a zero-width space that makes two equal keys differ) and private-use
            # characters (what mis-decoded bytes become)
            control = (
                "\\x00-\\x1F\\x7F\\x{200B}-\\x{200F}\\x{2028}-\\x{202E}\\x{2060}-\\x{2064}\\x{FEFF}"
            )
            cases.append(  # one pattern for a clean cell; the reason picked for a bad one
                (
                    f"regexp_matches({v}, '[{control}\\x{{E000}}-\\x{{F8FF}}\\x{{FFFD}}]')",
                    f"CASE WHEN regexp_matches({v}, '[{control}]') THEN "
                    + lit("control_character: the field holds a control character")
                    + " ELSE "
                    + lit(
                        "encoding: the field holds a private-use or replacement character (text "
                        "decoded in the wrong encoding?)"
                    )
                    + " END",
                )
            )
        if source is not None and col.name in table.key and col.dtype is DType.STRING:
            cases.append(
                (
                    f"{v} <> trim({v}) AND trim({v}) <> ''",
                    lit("padded_key: the key has leading or trailing blanks"),
                )
            )
        if is_raw_identifier:
            cases.append(
                (
                    f"{v} IS NOT NULL AND trim({v}) <> '' AND NOT yg_is_id({v})",
                    lit(
                        f"id_number: {source} is not a GB 11643 resident ID number (18 "
                        "characters, text, valid check digit)"
                    ),
                )
            )
        if (
            col.required and source is not None
        ):  # empty, or blanks only (trim only if it starts blank)
            cases.append(
                (
                    f"CASE WHEN {v} IS NULL THEN true WHEN ascii({text}) NOT IN (0, 9, 32) "
                    f"THEN false ELSE trim({text}) = '' END",
                    lit("required: value missing"),
                )
            )
        if is_raw_identifier and not pseudonymise_sql:
            cases.append(
                (
                    f"{v} IS NOT NULL",
                    lit(
                        f"pseudonym_key: {source} holds raw identifiers but no pseudonymisation key is "
                        "configured (set YIGONG_PSEUDONYM_KEY)"
                    ),
                )
            )
        if bad_type:
            cases.append(
                (
                    f"{v} IS NOT NULL AND {bad_type}",
                    f"'type: ' || {v} || ' is not {_TYPE_WORDS[col.dtype]}'",
                )
            )
        if source is not None:
            cases += _code_cases(col, v, n, plan)
            if col.minimum is not None:
                cases.append(
                    (
                        f"{typed} < {col.minimum}",
                        f"'minimum: ' || {text} || {lit(f' is below {col.minimum:g}')}",
                    )
                )
            if col.maximum is not None:
                cases.append(
                    (
                        f"{typed} > {col.maximum}",
                        f"'maximum: ' || {text} || {lit(f' is above {col.maximum:g}')}",
                    )
                )
            if col.ref:
                ref_table, ref_col = col.ref.split(".")
                alias = f"r{n}"
                plan.joins.append(
                    f"LEFT JOIN (SELECT DISTINCT {q(ref_col)} AS k FROM "
                    f"{q(ref_table)}) {alias} ON {alias}.k = {v}"
                )
                cases.append(
                    (
                        f"{v} IS NOT NULL AND {alias}.k IS NULL",
                        f"'reference: ' || {v} || {lit(f' is not a known {ref_table}.{ref_col}')}",
                    )
                )
        plan.columns.append(ColumnPlan(col, source, text, typed, cases, is_raw_identifier, v))
    return plan


def _code_cases(col: Column, v: str, n: int, plan: CheckPlan) -> list[tuple[str, str]]:
    if col.codes in SMALL_CODE_SYSTEMS:
        codes = _in_list(list(SMALL_CODE_SYSTEMS[col.codes]))
        if col.is_list:
            # an empty element is an item without a value (no 手术级别 for a diagnostic
            # procedure), not a code
            bad = f"list_filter(string_split({v}, '|'), lambda x: x <> '' AND x NOT IN {codes})"
            return [
                (
                    f"{v} IS NOT NULL AND len({bad}) > 0",
                    f"'code: ' || array_to_string({bad}, ',') || "
                    f"{lit(f' not in code system {col.codes}')}",
                )
            ]
        return [
            (
                f"{v} IS NOT NULL AND {v} NOT IN {codes}",
                f"'code: ' || {v} || {lit(f' is not in code system {col.codes}')}",
            )
        ]
    if col.codes in NATIONAL_CODE_LISTS and not col.is_list:
        alias = f"c{n}"
        plan.joins.append(f"LEFT JOIN {code_table_name(col.codes)} {alias} ON {alias}.code = {v}")
        return [
            (
                f"{v} IS NOT NULL AND {alias}.code IS NULL",
                f"'code: ' || {v} || {lit(f' is not in {NATIONAL_CODE_LISTS[col.codes][1]}')}",
            )
        ]
    return []


def cross_row_error_queries(plan: CheckPlan) -> list[str]:
    """Queries yielding (_rowid, field, value, reason) for rules beyond one cell of one row.

    Duplicate natural keys need every row of the file at once: `load.py` finds them across
    batches, from the key values each batch returns.
    """
    table, out = plan.table, []
    for cp in plan.columns:
        col = cp.column
        if cp.source is None:
            continue
        if col.is_list and col.codes in NATIONAL_CODE_LISTS:
            title = NATIONAL_CODE_LISTS[col.codes][1]
            out.append(
                f"SELECT _rowid, {lit(col.name)}, string_agg(code, ','), "
                f"'code: ' || string_agg(code, ',') || {lit(f' not in {title}')} "
                f"FROM (SELECT s.rowid AS _rowid, unnest({cp.typed}) AS code FROM stg s) u "
                f"WHERE code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                f"{code_table_name(col.codes)} r WHERE r.code = u.code) GROUP BY _rowid"
            )
        if col.aligned_with and plan.by_name(col.aligned_with).source is not None:
            a, b = cp.typed, plan.by_name(col.aligned_with).typed
            out.append(
                f"SELECT s.rowid, {lit(col.name)}, {cp.raw}, "
                f"'list_alignment: ' || len({a}) || ' values but ' || coalesce(len({b}), 0) || "
                f"{lit(f' in {col.aligned_with}')} FROM stg s WHERE {a} IS NOT NULL "
                f"AND len({a}) <> coalesce(len({b}), 0)"
            )
    for order in table.date_orders:
        e, l_ = plan.by_name(order.earlier), plan.by_name(order.later)
        if e.source is None or l_.source is None:
            continue
        out.append(
            f"SELECT s.rowid, {lit(order.later)}, CAST({l_.typed} AS VARCHAR), "
            f"'date_order: {order.later} ' || CAST({l_.typed} AS VARCHAR) || ' is before "
            f"{order.earlier} ' || CAST({e.typed} AS VARCHAR) FROM stg s "
            f"WHERE {e.typed} > {l_.typed}"
        )
    return out


def _clean(plan: CheckPlan, columns: list[str]) -> str:
    """SQL true when none of `columns` broke a cell rule (`chk` holds the failing rows): a
    plausibility finding is made only about values that are themselves valid."""
    cells = " AND ".join(f"c.{q(name + '__e')} IS NULL" for name in columns)
    return f"(c._rowid IS NULL OR ({cells}))"


_FROM = "FROM stg s LEFT JOIN chk c ON c._rowid = s.rowid"


def _date_sql(cp: ColumnPlan) -> str:
    return f"CAST({cp.typed} AS DATE)" if cp.column.dtype is DType.TIMESTAMP else cp.typed


def _window(rules: PlausibilityRules, table: str, column: str, reference: date) -> tuple[date, str]:
    """(latest plausible date, how it reads in a reason) of one date column."""
    if rules.is_planned(table, column):
        years = rules.dates.planned_years
        return date(reference.year + years, 12, 31), f"the end of the year {years} years ahead"
    days = rules.dates.future_days
    return reference + timedelta(days=days), f"the ingest date {reference} + {days} day(s)"


def plausibility_queries(plan: CheckPlan, rules: PlausibilityRules, reference: date) -> list[str]:
    """Queries yielding (_rowid, field, value, reason) for the plausibility rules of a pack:
    date_window, los_bound, los_dates, part_total, parts_sum. `reference` is the ingest's
    reference date (the date of the run). Each finding is about values that passed their own
    cell rules (`chk`), so one wrong value is reported once."""
    table, out = plan.table.name, []
    earliest = rules.dates.earliest
    in_window: dict[str, str] = {}
    for cp in plan.columns:
        col = cp.column
        if cp.source is None or col.dtype not in (DType.DATE, DType.TIMESTAMP):
            continue
        d = _date_sql(cp)
        latest, said = _window(rules, table, col.name, reference)
        in_window[col.name] = f"{d} BETWEEN DATE '{earliest}' AND DATE '{latest}'"
        out.append(
            f"SELECT s.rowid, {lit(col.name)}, CAST({cp.typed} AS VARCHAR), "
            f"'date_window: {col.name} ' || CAST({d} AS VARCHAR) || CASE WHEN {d} < "
            f"DATE '{earliest}' THEN {lit(f' is before {earliest}, the earliest plausible date')}"
            f" ELSE {lit(f' is after {latest} ({said})')} END {_FROM} "
            f"WHERE {_clean(plan, [col.name])} AND NOT ({in_window[col.name]})"
        )
    for stay in rules.stays_of(table):
        los = plan.by_name(stay.length_of_stay)
        if los.source is None:
            continue
        n, most = los.typed, stay.maximum_days
        out.append(
            f"SELECT s.rowid, {lit(stay.length_of_stay)}, CAST({n} AS VARCHAR), "
            f"'los_bound: {stay.length_of_stay} ' || CAST({n} AS VARCHAR) || "
            f"{lit(f' is above {most} days, the longest plausible stay')} "
            f"{_FROM} WHERE {_clean(plan, [stay.length_of_stay])} AND {n} > {most}"
        )
        adm, dis = plan.by_name(stay.admission), plan.by_name(stay.discharge)
        if adm.source is None or dis.source is None:
            continue
        a, b, tol = _date_sql(adm), _date_sql(dis), stay.tolerance_days
        days = f"datediff('day', {a}, {b})"
        out.append(
            f"SELECT s.rowid, {lit(stay.length_of_stay)}, CAST({n} AS VARCHAR), "
            f"'los_dates: {stay.length_of_stay} ' || CAST({n} AS VARCHAR) || "
            f"' but {stay.discharge} ' || CAST({b} AS VARCHAR) || ' − {stay.admission} ' || "
            f"CAST({a} AS VARCHAR) || ' = ' || CAST({days} AS VARCHAR) || "
            f"{lit(f' days (tolerance ± {tol})')} {_FROM} "
            f"WHERE {_clean(plan, [stay.length_of_stay, stay.admission, stay.discharge])} "
            f"AND {n} <= {most} AND {a} <= {b} AND {in_window[stay.admission]} "
            f"AND {in_window[stay.discharge]} AND abs({n} - {days}) > {tol}"
        )
    for rule in rules.parts_of(table):
        total = plan.by_name(rule.total)
        if total.source is None:
            continue
        parts = [plan.by_name(p) for p in rule.parts if plan.by_name(p).source is not None]
        for part in parts:
            name = part.column.name
            out.append(
                f"SELECT s.rowid, {lit(name)}, CAST({part.typed} AS VARCHAR), "
                f"'part_total: {name} ' || CAST({part.typed} AS VARCHAR) || ' is above "
                f"{rule.total} ' || CAST({total.typed} AS VARCHAR) {_FROM} "
                f"WHERE {_clean(plan, [name, rule.total])} AND {part.typed} > {total.typed}"
            )
        summed = [p for p in parts if p.column.name in rule.sum_of]
        if len(summed) < 2:
            continue
        names = [p.column.name for p in summed]
        total_sql = " + ".join(f"coalesce({p.typed}, 0)" for p in summed)
        each = " AND ".join(f"coalesce({p.typed}, 0) <= {total.typed}" for p in summed)
        label = (
            " + ".join(names)
            if len(names) <= 3
            else f"the {len(names)} parts {names[0]} … {names[-1]}"
        )
        out.append(
            f"SELECT s.rowid, {lit(rule.total)}, CAST({total.typed} AS VARCHAR), "
            f"'parts_sum: {label} = ' || CAST({total_sql} AS VARCHAR) || ' is above "
            f"{rule.total} ' || CAST({total.typed} AS VARCHAR) {_FROM} "
            f"WHERE {_clean(plan, [*names, rule.total])} AND {each} "
            f"AND {total_sql} > {total.typed} + {rule.sum_tolerance}"
        )
    return out


def cell_error_query(plan: CheckPlan) -> str:
    """(_rowid, field, value, reason) for every failing cell, from the failing rows in `chk`."""
    parts = []
    for cp in plan.columns:
        if not cp.cases:
            continue
        name = cp.column.name
        shown = "'[pseudonymised identifier]'" if cp.is_raw_identifier else f"yg_mask({cp.raw})"
        parts.append(
            f"SELECT c._rowid, {lit(name)}, {shown}, c.{q(name + '__e')} FROM chk c "
            f"JOIN stg s ON s.rowid = c._rowid WHERE c.{q(name + '__e')} IS NOT NULL"
        )
    return "\nUNION ALL\n".join(parts) or "SELECT NULL::BIGINT, NULL, NULL, NULL WHERE false"
