"""The grouper file contract: ``cases.csv`` in, ``case_id,status,mdc,adrg,drg`` out.

Input columns (as in the reference ``drg-samples/cases.csv``): case_id, sex, age_years,
age_days, birth_weight_g, length_of_stay, discharge_mode, diagnoses, procedures; code
lists are ``|``-separated with the principal code first. Malformed values are reported
with file, row, field and reason (``InputError``); nothing is dropped silently: a row
whose sex/age is merely missing or out of range is kept and grouped as
``invalid_input``, as the algorithm prescribes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

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
    ids = table.column("case_id").to_pylist()
    errs = table.column("input_errors").to_pylist()
    return [
        f"row {i + 1} ({cid}): {e}"
        for i, (cid, es) in enumerate(zip(ids, errs, strict=True))
        for e in es or ()
    ]


def table_to_cases(table: pa.Table) -> list[Case]:
    """Arrow batch input -> ``Case`` records (for the per-case path)."""
    out = []
    d = table.to_pydict()
    n = table.num_rows
    get = lambda c: d.get(c, [None] * n)  # noqa: E731
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


def write_results_csv(result: pa.Table, path: Path | str) -> None:
    """Write the contract output: one row per input row, empty field for null."""
    cols = [result.column(c).to_pylist() for c in OUTPUT_COLUMNS]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(OUTPUT_COLUMNS)
        for row in zip(*cols, strict=True):
            w.writerow(["" if v is None else v for v in row])
