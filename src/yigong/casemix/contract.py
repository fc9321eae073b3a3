"""The grouper file contract: ``cases.csv`` in, ``case_id,status,mdc,adrg,drg`` out.

Input columns (as in the reference ``drg-samples/cases.csv``): case_id, sex, age_years,
age_days, birth_weight_g, length_of_stay, discharge_mode, diagnoses, procedures; code
lists are ``|``-separated with the principal code first. Malformed values are reported
with file, row, field and reason (``InputError``); nothing is dropped silently: a row
whose sex/age is merely missing or out of range is kept and grouped as
``invalid_input``, as the algorithm prescribes.

Files are read and written at engine speed: Arrow's multi-threaded CSV reader takes every
column as text (or block by block, `read_in_batches`), the checks run on whole columns
(problems are still listed per row and field), lists are split in one pass (or left as text
for the grouper, ``lists=False``), and the result is written by Arrow's CSV writer or, from
the grouper's raw result, line by line (`write_grouped_csv`, the same bytes). A file Arrow
cannot take as a rectangle (a row with more or fewer fields than the header) is read row by
row instead, with the same result. A front page in a national layout is read through
its layout profile (`from_discharge_columns`, used by `services.casemix.group_file`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from yigong.casemix.batch import Grouped
from yigong.casemix.case import Case

INPUT_COLUMNS = (
    "case_id",
    "sex",
    "age_years",
    "age_days",
    "birth_weight_g",
    "length_of_stay",
    "discharge_mode",
    "diagnoses",
    "procedures",
)
REQUIRED_COLUMNS = (
    "case_id",
    "sex",
    "age_years",
    "age_days",
    "birth_weight_g",
    "diagnoses",
    "procedures",
)
OUTPUT_COLUMNS = ("case_id", "status", "mdc", "adrg", "drg")
INT_COLUMNS = ("sex", "age_years", "age_days", "birth_weight_g", "length_of_stay")
SEP = "|"

INPUT_SCHEMA = pa.schema(
    [
        ("case_id", pa.string()),
        ("sex", pa.int8()),
        ("age_years", pa.int32()),
        ("age_days", pa.int32()),
        ("birth_weight_g", pa.int32()),
        ("length_of_stay", pa.int32()),
        ("discharge_mode", pa.string()),
        ("diagnoses", pa.list_(pa.string())),
        ("procedures", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class InputProblem:
    file: str
    row: int  # 1-based data row (header = row 0)
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, field {self.field}: {self.reason}"


class InputError(ValueError):
    """The input file is malformed; lists every problem found (file, row, field, reason)."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__("\n".join(map(str, problems[:20])) + more)


def _split(v: str) -> list[str]:
    return v.split(SEP) if v != "" else []


OUTPUT_SCHEMA = INPUT_SCHEMA.append(pa.field("input_errors", pa.list_(pa.string())))
#: as OUTPUT_SCHEMA with the code lists kept as the file's ``|``-joined text (`lists=False`)
TEXT_SCHEMA = pa.schema(
    [
        pa.field(f.name, pa.string()) if f.name in ("diagnoses", "procedures") else f
        for f in OUTPUT_SCHEMA
    ]
)
_INT_RANGE = {"sex": (-128, 127)}
_INT32 = (-(2**31), 2**31 - 1)
_NO_STRING = pa.nulls(1, pa.string())[0]  # (pa.scalar would make Arrow look for pandas)


def read_header(path: Path | str) -> list[str]:
    """The header line of a CSV file (UTF-8, with or without a byte-order mark)."""
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])


def missing_columns(header: list[str], path: Path | str) -> InputError | None:
    """The InputError for a header without the contract's required columns (or None)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not missing:
        return None
    name = Path(path).name
    return InputError([InputProblem(name, 0, c, "required column missing") for c in missing])


def read_cases_csv(path: Path | str, strict: bool = False, lists: bool = True) -> pa.Table:
    """Read a contract input file into the grouper's Arrow batch shape (``INPUT_SCHEMA``).

    A missing required column always raises ``InputError``. A malformed value (a
    non-integer age, a row with too many fields, an empty case_id) is a problem of that
    row: with ``strict`` the whole file is refused with every problem listed; otherwise,
    as README step 1 prescribes ("age_years missing or not an integer"), the row is kept
    and will be grouped as ``invalid_input``, its problems recorded in ``input_errors``
    (and listed by the CLI). No row is ever dropped.

    ``lists=False`` keeps the code lists as the file's ``|``-joined text (empty for none),
    which the grouper takes as it is (`batch.encode`), without splitting them first.
    """
    path = Path(path)
    error = missing_columns(read_header(path), path)
    if error is not None:
        raise error
    fast = _read_columns(path, typed=True) or _read_columns(path, typed=False)
    if fast is None:  # not a rectangle: read row by row (reports the rows with extra fields)
        return _read_rowwise(path, strict)
    table, problems = from_text_columns(fast, path.name, lists=lists)
    if problems and strict:
        raise InputError(problems)
    return table


class NotInBatches(Exception):
    """The file cannot be read batch by batch with its whole numbers parsed (a value that is
    not one, a row with another field count): read it whole (`read_cases_csv`)."""


def _arrow_options(
    header: list[str], typed: bool, invalid: list[object]
) -> tuple[pacsv.ParseOptions, pacsv.ConvertOptions]:
    """How Arrow reads the contract's columns (empty fields null; `typed`: the whole numbers
    parsed as read); a row with another field count than the header is skipped and added to
    `invalid`."""

    def keep_count(row: object) -> str:
        invalid.append(row)
        return "skip"

    types = {h: pa.string() for h in header}
    if typed:
        types |= {c: pa.int64() for c in INT_COLUMNS if c in header}
    convert = pacsv.ConvertOptions(
        column_types=types,
        include_columns=[c for c in INPUT_COLUMNS if c in header],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    return pacsv.ParseOptions(invalid_row_handler=keep_count), convert


def read_in_batches(path: Path | str, block_size: int = 8 << 20) -> Iterator[pa.Table]:
    """The contract's columns of a cases file, block after block of the file, whole numbers
    parsed, exactly as `_read_columns` reads them at once; `NotInBatches` where that fails
    (the batches read until then are to be dropped)."""
    path = Path(path)
    header = read_header(path)
    error = missing_columns(header, path)
    if error is not None:
        raise error
    invalid: list[object] = []
    parse, convert = _arrow_options(header, True, invalid)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block_size),
            parse_options=parse,
            convert_options=convert,
        )
        for batch in reader:
            if invalid:
                raise NotInBatches(path.name)
            yield pa.Table.from_batches([batch])
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise NotInBatches(path.name) from exc
    if invalid:
        raise NotInBatches(path.name)


def _read_columns(path: Path, typed: bool) -> pa.Table | None:
    """The contract's columns with Arrow's reader (empty fields null); `typed` parses the whole
    numbers as it reads (fails on any that is not). None if that fails or a row has another
    field count than the header."""
    header = read_header(path)
    invalid: list[object] = []
    parse, convert = _arrow_options(header, typed, invalid)
    try:
        table = pacsv.read_csv(path, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return None if invalid else table


def _ints(
    col: pa.ChunkedArray,
    name: str,
    file: str,
    problems: list[tuple[int, int, InputProblem]],
    order: int,
    first_row: int = 0,
) -> pa.ChunkedArray:
    """Whole numbers (parsed, or from text: blank → null; not a whole number or out of range →
    null and a problem of that row, rows numbered from 1)."""
    if pa.types.is_string(col.type):
        text = pc.utf8_trim_whitespace(col)
        blank = pc.fill_null(pc.equal(text, ""), True)
        ok = pc.fill_null(pc.match_substring_regex(text, r"^[+-]?[0-9]{1,18}$"), False)
        values = pc.cast(pc.if_else(ok, text, _NO_STRING), pa.int64())
        for i in np.flatnonzero(pc.invert(pc.or_(blank, ok)).to_numpy(zero_copy_only=False)):
            v = text[int(i)].as_py()
            problems.append(
                (
                    int(i),
                    order,
                    InputProblem(file, first_row + int(i) + 1, name, f"not an integer: {v!r}"),
                )
            )
    else:
        values = col
    low, high = _INT_RANGE.get(name, _INT32)
    outside = pc.or_(pc.less(values, low), pc.greater(values, high))
    if pc.any(outside).as_py():
        for i in np.flatnonzero(pc.fill_null(outside, False).to_numpy(zero_copy_only=False)):
            v = values[int(i)].as_py()
            problems.append(
                (
                    int(i),
                    order,
                    InputProblem(file, first_row + int(i) + 1, name, f"out of range: {v}"),
                )
            )
        values = pc.if_else(outside, pa.scalar(None, pa.int64()), values)
    return values


def _split_chunk(col: pa.Array) -> pa.Array:
    """``|``-joined codes → lists; an empty or null field is an empty list. Empty fields are
    made null first: a null splits into a null list that holds no values, so dropping the
    validity bitmap (offsets and values kept, no copy) leaves exactly the empty list."""
    empty = pc.equal(pc.binary_length(col), 0)  # from the offsets, no string scan
    if pc.any(empty).as_py():
        col = pc.if_else(empty, _NO_STRING, col)
    lists = pc.split_pattern(col, SEP)
    return pa.ListArray.from_arrays(lists.offsets, lists.values)


def split_lists(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """``|``-joined codes → lists (an empty field is an empty list), chunk by chunk on every
    core (Arrow's kernels release the interpreter lock)."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if len(chunks) > 1:
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            parts = list(pool.map(_split_chunk, chunks))
    else:
        parts = [_split_chunk(c) for c in chunks]
    return pa.chunked_array(parts, pa.list_(pa.string()))


def errors_column(n: int, problems: list[tuple[int, int, InputProblem]]) -> pa.Array:
    """``input_errors`` (``field: reason`` per problem, in field order) for `n` rows."""
    if not problems:
        return pa.ListArray.from_arrays(
            pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string())
        )
    problems.sort(key=lambda p: (p[0], p[1]))
    rows = np.array([p[0] for p in problems], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))].astype(np.int32)
    texts = pa.array([f"{p.field}: {p.reason}" for _, _, p in problems], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), texts)


def from_text_columns(
    table: pa.Table,
    file: str,
    extra: list[tuple[int, int, InputProblem]] | None = None,
    lists: bool = True,
    first_row: int = 0,
) -> tuple[pa.Table, list[InputProblem]]:
    """The grouper's batch (``INPUT_SCHEMA`` + ``input_errors``) from contract columns (text, or
    whole numbers already parsed; empty fields null), with every problem (file, row, field,
    reason); `extra` adds problems found before (row index, order, problem). ``lists=False``
    leaves the code lists as text (``TEXT_SCHEMA``); `first_row`: the rows before this table's
    first (its problems are numbered in the file)."""
    n = table.num_rows
    problems = list(extra or [])

    def get(c: str) -> pa.ChunkedArray:
        if c in table.column_names:
            return table.column(c)
        return pa.chunked_array([pa.nulls(n, pa.string())])

    ints = {
        c: _ints(get(c), c, file, problems, k, first_row)
        for k, c in enumerate(INT_COLUMNS, start=1)
    }
    case_id = get("case_id")
    if case_id.null_count:
        for i in np.flatnonzero(case_id.is_null().to_numpy(zero_copy_only=False)):
            problems.append(
                (int(i), 99, InputProblem(file, first_row + int(i) + 1, "case_id", "empty case_id"))
            )
        case_id = pc.fill_null(case_id, "")
    out = {
        "case_id": case_id,
        "sex": ints["sex"],
        "age_years": ints["age_years"],
        "age_days": ints["age_days"],
        "birth_weight_g": ints["birth_weight_g"],
        "length_of_stay": ints["length_of_stay"],
        "discharge_mode": get("discharge_mode"),
        "diagnoses": split_lists(get("diagnoses")) if lists else get("diagnoses"),
        "procedures": split_lists(get("procedures")) if lists else get("procedures"),
        "input_errors": errors_column(n, problems),
    }
    schema = OUTPUT_SCHEMA if lists else TEXT_SCHEMA
    return pa.table(out, schema=schema), [p for _, _, p in problems]


def _read_rowwise(path: Path, strict: bool) -> pa.Table:
    """The row-by-row reader: for files whose rows do not all have the header's field count."""
    problems: list[InputProblem] = []
    cols: dict[str, list[object]] = {c: [] for c in (*INPUT_COLUMNS, "input_errors")}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise InputError(
                [InputProblem(path.name, 0, c, "required column missing") for c in missing]
            )
        for row_no, rec in enumerate(reader, start=1):
            row_problems: list[InputProblem] = []
            if None in rec:
                row_problems.append(
                    InputProblem(path.name, row_no, "*", "more fields than the header")
                )
            for c in INT_COLUMNS:
                v = (rec.get(c) or "").strip()
                value: int | None = None
                if v:
                    try:
                        value = int(v)
                    except ValueError:
                        row_problems.append(
                            InputProblem(path.name, row_no, c, f"not an integer: {v!r}")
                        )
                    else:
                        if c == "sex" and not -128 <= value <= 127:
                            row_problems.append(
                                InputProblem(path.name, row_no, c, f"out of range: {v}")
                            )
                            value = None
                cols[c].append(value)
            if not rec.get("case_id"):
                row_problems.append(InputProblem(path.name, row_no, "case_id", "empty case_id"))
            cols["case_id"].append(rec.get("case_id") or "")
            cols["discharge_mode"].append(rec.get("discharge_mode") or None)
            cols["diagnoses"].append(_split(rec.get("diagnoses") or ""))
            cols["procedures"].append(_split(rec.get("procedures") or ""))
            cols["input_errors"].append([f"{q.field}: {q.reason}" for q in row_problems])
            problems += row_problems
    if problems and strict:
        raise InputError(problems)
    return pa.table(
        cols, schema=INPUT_SCHEMA.append(pa.field("input_errors", pa.list_(pa.string())))
    )


def input_problems(table: pa.Table, first_row: int = 0) -> list[str]:
    """``case_id: field: reason`` for every row that carries input errors (rows numbered
    from `first_row` + 1)."""
    if "input_errors" not in table.column_names:
        return []
    counts = pc.fill_null(pc.list_value_length(table.column("input_errors")), 0)
    rows = np.flatnonzero(counts.to_numpy(zero_copy_only=False))  # only rows with problems
    ids = table.column("case_id").take(pa.array(rows)).to_pylist()
    errs = table.column("input_errors").take(pa.array(rows)).to_pylist()
    return [
        f"row {first_row + int(i) + 1} ({cid}): {e}"
        for i, cid, es in zip(rows, ids, errs, strict=True)
        for e in es or ()
    ]


def table_to_cases(table: pa.Table) -> list[Case]:
    """Arrow batch input -> ``Case`` records (for the per-case path)."""
    out = []
    d = table.to_pydict()
    n = table.num_rows

    def get(column: str) -> list[Any]:
        return list(d.get(column, [None] * n))

    for i in range(n):
        out.append(
            Case(
                case_id=str(d["case_id"][i]),
                sex=d["sex"][i],
                age_years=d["age_years"][i],
                age_days=get("age_days")[i],
                birth_weight_g=get("birth_weight_g")[i],
                diagnoses=tuple(d["diagnoses"][i] or ()),
                procedures=tuple(d["procedures"][i] or ()),
                length_of_stay=get("length_of_stay")[i],
                discharge_mode=get("discharge_mode")[i],
                input_errors=tuple(get("input_errors")[i] or ()),
            )
        )
    return out


def cases_to_table(cases: Iterable[Case]) -> pa.Table:
    rows = list(cases)
    return pa.table(
        {
            "case_id": [c.case_id for c in rows],
            "sex": [c.sex for c in rows],
            "age_years": [c.age_years for c in rows],
            "age_days": [c.age_days for c in rows],
            "birth_weight_g": [c.birth_weight_g for c in rows],
            "length_of_stay": [c.length_of_stay for c in rows],
            "discharge_mode": [c.discharge_mode for c in rows],
            "diagnoses": [list(c.diagnoses) for c in rows],
            "procedures": [list(c.procedures) for c in rows],
            "input_errors": [list(c.input_errors) for c in rows],
        },
        schema=INPUT_SCHEMA.append(pa.field("input_errors", pa.list_(pa.string()))),
    )


def write_grouped_csv(
    case_id: pa.ChunkedArray, grouped: Grouped, path: Path | str, threads: int | None = None
) -> None:
    """`write_results_csv` of ``grouped.table(case_id)``, the same bytes, made line by line:
    a row's ``status,mdc,adrg,drg`` is one of a few thousand (`Grouped.outcomes`), so each line
    is its case_id joined to one of those texts, on every core, and the lines are written as
    they lie in memory. A value that needs quoting goes to `write_results_csv`."""
    case_id = pc.cast(case_id, pa.string())
    made = result_lines(case_id, grouped, threads)
    if made is None:
        write_results_csv(grouped.table(case_id), path)
    else:
        write_lines(path, made)


def result_lines(
    case_id: pa.ChunkedArray, grouped: Grouped, threads: int | None = None
) -> list[pa.Array] | None:
    """The output lines of these rows (one string array per chunk of ``case_id``, each line
    with its ``\\n``), or None if a value needs quoting (`write_results_csv`'s turn)."""
    key = grouped.outcome_keys()
    tail_text = _tails(grouped)
    if tail_text is None:
        return None
    bounds = np.cumsum([0, *(len(c) for c in case_id.chunks)])
    keys = pa.array(key.astype(np.int32))
    options = pc.JoinOptions(null_handling="replace", null_replacement="")

    def lines(i: int) -> pa.Array | None:
        ids = case_id.chunk(i)
        if _holds_quotable(ids):
            return None
        own = keys.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i]))
        return pc.binary_join_element_wise(ids, tail_text.take(own), ",", options=options)

    if threads == 1:
        made = [lines(i) for i in range(case_id.num_chunks)]
    else:
        with ThreadPoolExecutor(threads or os.cpu_count() or 1) as pool:
            made = list(pool.map(lines, range(case_id.num_chunks)))
    return None if any(m is None for m in made) else [m for m in made if m is not None]


def write_lines(path: Path | str, parts: Iterable[pa.Array]) -> None:
    """The contract's header, then the lines of `result_lines` as they lie in memory."""
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(OUTPUT_COLUMNS)
    with Path(path).open("wb") as fh:
        fh.write(head.getvalue().encode("utf-8"))
        for part in parts:
            if len(part):
                off = np.frombuffer(part.buffers()[1], np.int32, len(part) + 1, part.offset * 4)
                fh.write(part.buffers()[2][int(off[0]) : int(off[-1])])


def _tails(grouped: Grouped) -> pa.Array | None:
    """``status,mdc,adrg,drg`` and a line end for each of `Grouped.outcomes` (None if a value
    needs quoting); kept per pack, as a file grouped block by block asks once a block."""
    cp = grouped.cp
    kept = _TAILS.get(id(cp))
    if kept is None or kept[0] is not cp:
        outcomes = grouped.outcomes()[1]
        tails = None
        if not any(_NEEDS_QUOTES.search(v or "") for names in outcomes for v in names):
            tails = pa.array([",".join(v or "" for v in o) + "\n" for o in outcomes], pa.string())
        kept = _TAILS[id(cp)] = (cp, tails)
    return kept[1]


_TAILS: dict[int, tuple[object, pa.Array | None]] = {}
_QUOTABLE = np.zeros(256, dtype=bool)
_QUOTABLE[[ord(c) for c in ',"\r\n']] = True


def _holds_quotable(text: pa.Array) -> bool:
    """Whether a string array holds a comma, quote or line break (its bytes, nulls included:
    Arrow's reader gives a null no bytes)."""
    if not len(text):
        return False
    off = np.frombuffer(text.buffers()[1], np.int32, len(text) + 1, text.offset * 4)
    if off[-1] == off[0]:
        return False
    data = np.frombuffer(text.buffers()[2], np.uint8, int(off[-1] - off[0]), int(off[0]))
    return bool(_QUOTABLE[data].any())


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def write_results_csv(
    result: pa.Table, path: Path | str, keys: list[tuple[str, pa.Array]] | None = None
) -> None:
    """Write the contract output: one row per input row, empty field for null.

    `keys` replace ``case_id`` by the input's own key columns (header, values), e.g. 病案号 and
    住院次数 of a national front page, so the output joins back to the export."""
    names = [h for h, _ in keys] if keys else ["case_id"]
    columns = [v for _, v in keys] if keys else [result.column("case_id")]
    columns += [result.column(c) for c in OUTPUT_COLUMNS[1:]]
    names += list(OUTPUT_COLUMNS[1:])
    out = pa.table(columns, names=[f"c{i}" for i in range(len(names))])
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(names)
    with Path(path).open("wb") as fh:
        fh.write(head.getvalue().encode("utf-8"))
        try:
            pacsv.write_csv(out, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
            return
        except pa.ArrowInvalid:  # a value that needs quoting: write it as the csv module does
            fh.seek(0)
            fh.truncate()
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(names)
        for row in zip(*(c.to_pylist() for c in out.columns), strict=True):
            w.writerow(["" if v is None else v for v in row])
