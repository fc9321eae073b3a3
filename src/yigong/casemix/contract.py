"""The grouper file contract: ``cases.csv`` in, ``case_id,status,mdc,adrg,drg`` out.

Input columns (as in the reference ``drg-samples/cases.csv``): case_id, sex, age_years,
age_days, birth_weight_g, length_of_stay, discharge_mode, diagnoses, procedures; code
lists are ``|``-separated with the principal code first. Malformed values are reported
with file, row, field and reason (``InputError``); nothing is dropped silently: a row
whose sex/age is merely missing or out of range is kept and grouped as
``invalid_input``, as the algorithm prescribes.

Files are read and written at engine speed: Arrow's multi-threaded CSV reader takes every
column as text, the checks run on whole columns (problems are still listed per row and
field), lists are split in one pass, and the result is written by Arrow's CSV writer. A file
Arrow cannot take as a rectangle (a row with more or fewer fields than the header) is read
row by row instead, with the same result. A front page in a national layout is read through
its layout profile (`from_discharge_columns`, used by `services.casemix.group_file`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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
_INT_RANGE = {"sex": (-128, 127)}
_INT32 = (-(2**31), 2**31 - 1)
_NO_STRING = pa.scalar(None, pa.string())


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


def read_cases_csv(path: Path | str, strict: bool = False) -> pa.Table:
    """Read a contract input file into the grouper's Arrow batch shape (``INPUT_SCHEMA``).

    A missing required column always raises ``InputError``. A malformed value (a
    non-integer age, a row with too many fields, an empty case_id) is a problem of that
    row: with ``strict`` the whole file is refused with every problem listed; otherwise,
    as README step 1 prescribes ("age_years missing or not an integer"), the row is kept
    and will be grouped as ``invalid_input``, its problems recorded in ``input_errors``
    (and listed by the CLI). No row is ever dropped.
    """
    path = Path(path)
    error = missing_columns(read_header(path), path)
    if error is not None:
        raise error
    fast = _read_columns(path, typed=True) or _read_columns(path, typed=False)
    if fast is None:  # not a rectangle: read row by row (reports the rows with extra fields)
        return _read_rowwise(path, strict)
    table, problems = from_text_columns(fast, path.name)
    if problems and strict:
        raise InputError(problems)
    return table


def _read_columns(path: Path, typed: bool) -> pa.Table | None:
    """The contract's columns with Arrow's reader (empty fields null); `typed` parses the whole
    numbers as it reads (fails on any that is not). None if that fails or a row has another
    field count than the header."""
    header = read_header(path)
    invalid: list[object] = []

    def keep_count(row: object) -> str:
        invalid.append(row)
        return "skip"

    types = {h: pa.string() for h in header}
    if typed:
        types |= {c: pa.int64() for c in INT_COLUMNS if c in header}
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_count),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=[c for c in INPUT_COLUMNS if c in header],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return None if invalid else table


def _ints(
    col: pa.ChunkedArray,
    name: str,
    file: str,
    problems: list[tuple[int, int, InputProblem]],
    order: int,
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
                (int(i), order, InputProblem(file, int(i) + 1, name, f"not an integer: {v!r}"))
            )
    else:
        values = col
    low, high = _INT_RANGE.get(name, _INT32)
    outside = pc.or_(pc.less(values, low), pc.greater(values, high))
    if pc.any(outside).as_py():
        for i in np.flatnonzero(pc.fill_null(outside, False).to_numpy(zero_copy_only=False)):
            v = values[int(i)].as_py()
            problems.append(
                (int(i), order, InputProblem(file, int(i) + 1, name, f"out of range: {v}"))
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
    table: pa.Table, file: str, extra: list[tuple[int, int, InputProblem]] | None = None
) -> tuple[pa.Table, list[InputProblem]]:
    """The grouper's batch (``INPUT_SCHEMA`` + ``input_errors``) from contract columns (text, or
    whole numbers already parsed; empty fields null), with every problem (file, row, field,
    reason); `extra` adds problems found before (row index, order, problem)."""
    n = table.num_rows
    problems = list(extra or [])

    def get(c: str) -> pa.ChunkedArray:
        if c in table.column_names:
            return table.column(c)
        return pa.chunked_array([pa.nulls(n, pa.string())])

    ints = {c: _ints(get(c), c, file, problems, k) for k, c in enumerate(INT_COLUMNS, start=1)}
    case_id = get("case_id")
    if case_id.null_count:
        for i in np.flatnonzero(case_id.is_null().to_numpy(zero_copy_only=False)):
            problems.append(
                (int(i), 99, InputProblem(file, int(i) + 1, "case_id", "empty case_id"))
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
        "diagnoses": split_lists(get("diagnoses")),
        "procedures": split_lists(get("procedures")),
        "input_errors": errors_column(n, problems),
    }
    return pa.table(out, schema=OUTPUT_SCHEMA), [p for _, _, p in problems]


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


def input_problems(table: pa.Table) -> list[str]:
    """``case_id: field: reason`` for every row that carries input errors."""
    if "input_errors" not in table.column_names:
        return []
    counts = pc.fill_null(pc.list_value_length(table.column("input_errors")), 0)
    rows = np.flatnonzero(counts.to_numpy(zero_copy_only=False))  # only rows with problems
    ids = table.column("case_id").take(pa.array(rows)).to_pylist()
    errs = table.column("input_errors").take(pa.array(rows)).to_pylist()
    return [
        f"row {int(i) + 1} ({cid}): {e}"
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
