"""The DRG file contract as a user action: a cases file (the contract's columns, or a front page
in a national layout) in, a results file out, at engine speed.

Kept apart from `services.casemix` so that `yigong drg group IN.csv -o OUT.csv` imports only the
grouper and Arrow (no warehouse, no Ibis, no DuckDB: the layout profiles are loaded only for a
front page in a national layout): start-up time counts when a file is grouped. A file in the
contract's columns is grouped block by block (`group_in_batches`), anything else read whole.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.casemix.batch import Grouped, group
from yigong.casemix.compiled import compiled_pack
from yigong.casemix.contract import (
    InputError,
    InputProblem,
    NotInBatches,
    from_text_columns,
    input_problems,
    missing_columns,
    read_cases_csv,
    read_header,
    read_in_batches,
    result_lines,
    write_grouped_csv,
    write_lines,
    write_results_csv,
)
from yigong.ingest.report import IngestError


@dataclass
class GroupRunSummary:
    """What a grouping run did: rows in/out and the status counts."""

    scheme: str
    pack_version: str
    rows: int
    statuses: dict[str, int]
    output: str = ""
    drgs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def summarise(result: pa.Table, output: str = "") -> GroupRunSummary:
    meta = result.schema.metadata or {}
    counts = pc.value_counts(result.column("status")).to_pylist()
    return GroupRunSummary(
        meta.get(b"scheme", b"").decode(),
        meta.get(b"pack_version", b"").decode(),
        result.num_rows,
        {c["values"]: c["counts"] for c in counts},
        output,
        pc.count_distinct(result.column("drg")).as_py(),
    )


def summary_of(grouped: Grouped, output: str = "") -> GroupRunSummary:
    """`summarise` of ``grouped.table(…)``, from the raw result."""
    return GroupRunSummary(
        grouped.cp.pack_id,
        grouped.cp.version,
        grouped.rows,
        grouped.status_counts(),
        output,
        grouped.distinct_drgs(),
    )


#: canonical front-page column → contract column.
FROM_DISCHARGES = {
    "case_no": "case_id",
    "sex": "sex",
    "age_years": "age_years",
    "age_days": "age_days",
    "birth_weight_g": "birth_weight_g",
    "length_of_stay": "length_of_stay",
    "discharge_mode": "discharge_mode",
    "diagnosis_codes": "diagnoses",
    "procedure_codes": "procedures",
}


def _header(path: Path) -> list[str]:
    from yigong.ingest.profiles.detect import file_header  # lazy: start-up (drg group fast path)

    return file_header(path, str(path))


def reads_as_contract(path: Path, profile: str | None = None) -> bool:
    """Whether `read_cases` reads `path` by the contract (a CSV with the contract's columns,
    no layout profile asked for) rather than through a layout profile."""
    if profile or path.suffix.lower() != ".csv":
        return False
    try:
        return missing_columns(read_header(path), path) is None
    except (OSError, UnicodeDecodeError):
        return False


def read_cases(
    path: Path | str, strict: bool = False, profile: str | None = None, lists: bool = True
) -> tuple[pa.Table, list[tuple[str, pa.Array]] | None]:
    """The grouper's input from a cases file, and the key columns its output carries
    (None: ``case_id``). A file with the contract's columns is read as such (``lists=False``:
    its code lists left as text, see `read_cases_csv`); a front page in a national layout
    through its layout profile (case_id = 病案号; the output keeps 病案号 and 住院次数 under the
    file's own headers)."""
    path = Path(path)
    header = _header(path) if path.suffix.lower() != ".csv" or profile else None
    if header is None:
        try:
            header = read_header(path)
        except UnicodeDecodeError:
            header = _header(path)
    contract_error = missing_columns(header, path)
    if contract_error is None and not profile and path.suffix.lower() == ".csv":
        return read_cases_csv(path, strict=strict, lists=lists), None

    # the profiles load DuckDB; a file in the contract's columns needs none of it
    from yigong.ingest.profiles.detect import detect  # lazy: start-up (drg group fast path)
    from yigong.ingest.profiles.frame import read_frame

    try:
        found = detect(header, str(path), table="discharges", profile=profile)
    except IngestError:
        if contract_error is not None:
            raise contract_error from None
        raise
    if found.binding is None:  # the warehouse's own discharges layout
        raise InputError(
            [
                InputProblem(
                    path.name,
                    0,
                    "*",
                    "a canonical discharges file: ingest it, then "
                    "group the warehouse (--warehouse)",
                )
            ]
        )
    frame = read_frame(path, found.binding)
    cols = {
        FROM_DISCHARGES[c]: frame.table.column(c)
        for c in FROM_DISCHARGES
        if c in frame.table.column_names
    }
    # the profile's own problems (a value its maps do not know) make the row invalid_input
    extra = [(r, 0, InputProblem(path.name, r + 1, f, reason)) for r, f, reason in frame.problems]
    table, problems = from_text_columns(pa.table(cols), path.name, extra)
    if problems and strict:
        raise InputError(problems)
    return table, frame.keys or None


@dataclass
class _Batch:
    """One block of a contract file, grouped: its problems, its output lines, its results."""

    problems: list[InputProblem]
    listed: list[str]  # `input_problems`
    lines: list[pa.Array] | None  # None: a value to quote
    statuses: dict[str, int]
    drgs: set[str]


def _group_batch(raw: pa.Table, first_row: int, name: str, scheme: str, translate: bool) -> _Batch:
    cases, problems = from_text_columns(raw, name, lists=False, first_row=first_row)
    grouped = group(cases, scheme, translate_codes=translate, threads=1)
    names = grouped.cp.drg_names.to_pylist()
    return _Batch(
        problems,
        input_problems(cases, first_row),
        result_lines(cases.column("case_id"), grouped, threads=1),
        grouped.status_counts(),
        {names[i] for i in np.unique(grouped.drg_index()[grouped.r["found"]])},
    )


def group_in_batches(
    input_csv: Path,
    scheme: str,
    output_csv: Path | str,
    translate_codes: bool = False,
    strict: bool = False,
    block_size: int = 8 << 20,
) -> GroupRunSummary | None:
    """`group_file` for a file in the contract's columns, block by block of the file: while
    Arrow reads a block, the blocks read before are checked, grouped and turned into output
    lines on the other cores, and memory holds a few blocks rather than the whole file. The
    output (the same bytes) is written at the end, only if the file is grouped. None where the
    file is to be read whole (a value that is not a whole number, a row with another field
    count, a value to quote in the output, a pack that cannot be loaded): `group_file` then
    does, with its own order of errors."""
    try:
        cp = compiled_pack(scheme)
    except Exception:  # noqa: BLE001  (group_file reports it, after the file's own problems)
        return None
    done: list[_Batch] = []
    try:
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            pending: deque[Future[_Batch]] = deque()
            first_row = 0
            for raw in read_in_batches(input_csv, block_size):
                pending.append(
                    pool.submit(
                        _group_batch, raw, first_row, input_csv.name, scheme, translate_codes
                    )
                )
                first_row += raw.num_rows
                while len(pending) > 2 * (os.cpu_count() or 1):  # read no further ahead
                    done.append(pending.popleft().result())
            done += [f.result() for f in pending]
    except NotInBatches:
        return None
    if not done or any(b.lines is None for b in done):
        return None
    problems = [p for b in done for p in b.problems]
    if problems and strict:
        raise InputError(problems)
    write_lines(output_csv, [line for b in done for line in b.lines or ()])
    statuses: dict[str, int] = {}
    for b in done:  # in the order each status first occurs in the file, as `summarise`
        for k, v in b.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    summary = GroupRunSummary(
        cp.pack_id,
        cp.version,
        first_row,
        statuses,
        str(output_csv),
        len(set().union(*(b.drgs for b in done))),
    )
    summary.extra["input_problems"] = [line for b in done for line in b.listed]
    return summary


def group_file(
    input_csv: Path | str,
    scheme: str,
    output_csv: Path | str,
    translate_codes: bool = False,
    strict: bool = False,
    profile: str | None = None,
) -> GroupRunSummary:
    """The file contract: group ``input_csv`` under ``scheme`` and write ``output_csv``.

    Rows with malformed values are grouped as ``invalid_input`` and listed in
    ``summary.extra["input_problems"]``; with ``strict`` the file is refused instead. A front
    page in a national layout is grouped directly (`read_cases`); its output rows carry the
    export's own case number.
    """
    if reads_as_contract(Path(input_csv), profile):
        streamed = group_in_batches(Path(input_csv), scheme, output_csv, translate_codes, strict)
        if streamed is not None:
            return streamed
    cases, keys = read_cases(input_csv, strict=strict, profile=profile, lists=False)
    grouped = group(cases, scheme, translate_codes=translate_codes)
    if keys:
        write_results_csv(grouped.table(cases.column("case_id")), output_csv, keys=keys)
    else:
        write_grouped_csv(cases.column("case_id"), grouped, output_csv)
    summary = summary_of(grouped, str(output_csv))
    summary.extra["input_problems"] = input_problems(cases)
    if keys:
        summary.extra["keyed_by"] = [h for h, _ in keys]
    return summary
