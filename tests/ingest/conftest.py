"""Small hand-written files for ingest tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from yigong.ingest import PseudonymKey
from yigong.schema.tables import table
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

KEY = PseudonymKey(b"test-key-not-secret-0123456789abcdefghijklmnopqrstuv")

DIVISIONS = [
    {
        "division_code": "130000",
        "name_zh": "河北省",
        "level": "province",
        "valid_from": "2000-01-01",
    },
    {
        "division_code": "130400",
        "name_zh": "邯郸市",
        "level": "city",
        "parent_code": "130000",
        "valid_from": "2000-01-01",
    },
    {
        "division_code": "130423",
        "name_zh": "临漳县",
        "level": "county",
        "parent_code": "130400",
        "valid_from": "2000-01-01",
    },
]
INSTITUTIONS = [
    {
        "institution_id": "H1",
        "name_zh": "临漳县医院",
        "institution_type": "county_general",
        "level": "2",
        "grade": "A",
        "ownership": "public",
        "division_code": "130423",
        "approved_beds": "500",
        "open_beds": "520",
        "emr_level": "4",
    },
    {
        "institution_id": "T1",
        "name_zh": "某镇卫生院",
        "institution_type": "township_centre",
        "level": "1",
        "grade": "N",
        "ownership": "public",
        "division_code": "130423",
        "open_beds": "40",
    },
]


def id_number(body17: str) -> str:
    """A valid resident ID number from its first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]
    )


def discharge_row(**over: str) -> dict[str, str]:
    row = {
        "discharge_id": "H1-A1-1",
        "institution_id": "H1",
        "case_no": "A1",
        "admission_seq": "1",
        "patient_id_number": id_number("13042319500101001"),
        "sex": "1",
        "age_years": "74",
        "admission_route": "2",
        "admission_date": "2024-03-01",
        "discharge_date": "2024-03-08",
        "length_of_stay": "7",
        "department": "内科",
        "discharge_mode": "1",
        "payer": "2",
        "diagnosis_codes": "I10.x00|E11.900",
        "diagnosis_conditions": "1|1",
        "procedure_codes": "",
        "total_cost": "5230.50",
        "cost_western_drugs": "2000.00",
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in columns})
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    write_csv(d / "admin_divisions.csv", DIVISIONS, list(table("admin_divisions").file_columns()))
    write_csv(d / "institutions.csv", INSTITUTIONS, list(table("institutions").file_columns()))
    return d


@pytest.fixture
def wh(tmp_path: Path):
    w = DuckDBWarehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()
