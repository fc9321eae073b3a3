"""The DRG file contract as a user action: a cases file (the contract's columns, or a front page
in a national layout) in, a results file out, at engine speed.

Kept apart from `services.casemix` so that `yigong drg group IN.csv -o OUT.csv` imports only the
grouper and Arrow (no warehouse, no Ibis, no DuckDB: the layout profiles are loaded only for a
front page in a national layout): start-up time counts when a file is grouped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from yigong.casemix.batch import group_cases
from yigong.casemix.contract import (
    InputError,
    InputProblem,
    from_text_columns,
    input_problems,
    missing_columns,
    read_cases_csv,
    read_header,
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


def read_cases(
    path: Path | str, strict: bool = False, profile: str | None = None
) -> tuple[pa.Table, list[tuple[str, pa.Array]] | None]:
    """The grouper's input from a cases file, and the key columns its output carries
    (None: ``case_id``). A file with the contract's columns is read as such; a front page in
    a national layout through its layout profile (case_id = 病案号; the output keeps 病案号 and
    住院次数 under the file's own headers)."""
    path = Path(path)
    header = _header(path) if path.suffix.lower() != ".csv" or profile else None
    if header is None:
        try:
            header = read_header(path)
        except UnicodeDecodeError:
            header = _header(path)
    contract_error = missing_columns(header, path)
    if contract_error is None and not profile and path.suffix.lower() == ".csv":
        return read_cases_csv(path, strict=strict), None

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
    cases, keys = read_cases(input_csv, strict=strict, profile=profile)
    result = group_cases(cases, scheme, translate_codes=translate_codes)
    write_results_csv(result, output_csv, keys=keys)
    summary = summarise(result, str(output_csv))
    summary.extra["input_problems"] = input_problems(cases)
    if keys:
        summary.extra["keyed_by"] = [h for h, _ in keys]
    return summary
