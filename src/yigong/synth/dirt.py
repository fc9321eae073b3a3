"""Plant the errors real extracts carry, in a seeded share of rows, so the demo shows quarantine.

Kinds planted (one per chosen row, each a rule ingest must catch):
discharges — an ICD-10 code the 医保版 list does not know, an empty department, a discharge
date before the admission date, a negative cost category, a resident ID number typed into the
case number; settlements — a negative fund payment, an unknown service area.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

Mutation = tuple[str, str]  # (column, kind)

PLANS: dict[str, tuple[Mutation, ...]] = {
    "discharges": (
        ("diagnosis_codes", "unknown_icd10"),
        ("department", "blank"),
        ("discharge_date", "before_admission"),
        ("cost_other", "negative"),
        ("case_no", "id_number"),
    ),
    "settlements": (("fund_paid", "negative"), ("service_area", "unknown_area")),
}


def _id_number(rng: np.random.Generator) -> str:
    body = (
        f"130423{rng.integers(1940, 2010)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
        f"{rng.integers(0, 1000):03d}"
    )
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _mutate(row: dict[str, str], column: str, kind: str, rng: np.random.Generator) -> None:
    match kind:
        case "unknown_icd10":
            codes = row[column].split("|")
            codes[0] = codes[0][:3] + ".Q99"
            row[column] = "|".join(codes)
        case "blank":
            row[column] = ""
        case "before_admission":
            year, month, day = row["admission_date"].split("-")
            row[column] = f"{int(year) - 1}-{month}-{min(int(day), 28):02d}"
        case "negative":
            row[column] = "-" + (row[column] or "1.00").lstrip("-")
        case "id_number":
            row[column] = _id_number(rng)
        case "unknown_area":
            row[column] = "139999"


def dirty_files(directory: Path, *, share: float, seed: int) -> dict[str, int]:
    """Corrupt about `share` of the rows of the planned CSV files in place; rows changed per file."""
    rng = np.random.default_rng(seed + 7919)
    changed: dict[str, int] = {}
    for name, plan in PLANS.items():
        path = directory / f"{name}.csv"
        if not path.exists() or share <= 0:
            continue
        header = path.open(encoding="utf-8").readline().strip().split(",")
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False
            ),
        )
        n = max(1, int(table.num_rows * share))
        picks = np.sort(rng.choice(table.num_rows, size=n, replace=False))
        needed = {c for c, _ in plan} | ({"admission_date"} & set(header))
        columns = {c: table.column(c).to_pylist() for c in needed}
        for i, row_index in enumerate(picks):
            column, kind = plan[i % len(plan)]
            row = {c: columns[c][row_index] for c in needed}
            _mutate(row, column, kind, rng)
            columns[column][row_index] = row[column]
        for c in needed:
            table = table.set_column(header.index(c), c, pa.array(columns[c], pa.string()))
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
        changed[name] = n
    return changed
