"""Ingest on every backend: the planted faults give the same quarantine (file, row, field,
value, rule, reason), the same accepted rows, child rows, run records and re-ingest replacements
as on DuckDB; accepted + rejected = read; the pseudonyms are the same HMAC keys. (The tiny
county, ingested on every backend including the cluster, is in `test_tiny_county.py`.)

The planted-fault files are CSV (with malformed lines, a CSV reader rule). For the backends that
read Parquet only they are also converted to all-text Parquet (cells as written, empty cells
null, malformed lines left out), so that every other rule is planted on every backend.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.warehouse.compliance.conftest import KEY, LOCAL_BACKENDS
from tests.warehouse.compliance.support import assert_same_rows, rows
from yigong.ingest import IngestError, PseudonymKey, ingest_paths
from yigong.schema.tables import BY_NAME
from yigong.synth import write_faults
from yigong.warehouse import open_warehouse

# the planted faults run on the local backends; the cluster runs the tiny county (below)
pytestmark = pytest.mark.parametrize("backend", LOCAL_BACKENDS, indirect=True)
QUARANTINE = ["table_name", "file", "row_no", "field", "value", "rule", "reason"]
RUNS = ["table_name", "file", "file_sha256", "rows_read", "rows_accepted", "rows_rejected"]
RULES = {
    "required",
    "type",
    "code",
    "date_order",
    "minimum",
    "maximum",
    "reference",
    "raw_id_number",
    "list_alignment",
    "duplicate_key",
    "missing_column",
}


def _as_parquet(csv_folder: Path, out: Path) -> Path:
    out.mkdir()
    for path in sorted(csv_folder.glob("*.csv")):
        if path.name == "expected.csv":
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header, *lines = list(csv.reader(fh))
        lines = [line for line in lines if len(line) == len(header)]  # malformed: not in Parquet
        cols = {
            h: pa.array([line[i] or None for line in lines], pa.string())
            for i, h in enumerate(header)
        }
        pq.write_table(pa.table(cols), out / f"{path.stem}.parquet")
    return out


@pytest.fixture(scope="session")
def fault_files(tmp_path_factory) -> tuple[Path, Path]:
    """The planted faults: (CSV folder, the same as Parquet)."""
    folder = tmp_path_factory.mktemp("faults")
    expected = write_faults(folder / "csv", seed=7)
    return expected.parent, _as_parquet(expected.parent, folder / "parquet")


@pytest.fixture(scope="module")
def fault_reference(backend, fault_files, tmp_path_factory):
    """The Parquet faults ingested into DuckDB: the reference (one per backend under test,
    since the re-ingest test loads a file again into both)."""
    wh = open_warehouse("duckdb", tmp_path_factory.mktemp("ref") / "faults.duckdb", create=True)
    reports = ingest_paths(wh, [fault_files[1]], key=KEY)
    yield wh, reports
    wh.close()


@pytest.fixture(scope="module")
def faults(backend, fault_files, tmp_path_factory):
    wh = backend.open(tmp_path_factory.mktemp(f"faults-{backend.name}") / "warehouse")
    reports = ingest_paths(wh, [fault_files[1]], key=KEY)
    yield wh, reports
    wh.close()


def test_same_counts_per_file(faults, fault_reference):
    (_, got), (_, want) = faults, fault_reference
    assert len(got) == len(want) == len(BY_NAME) - 2  # every ingestable table
    for a, b in zip(want, got, strict=True):
        assert (a.table, a.file, a.rows_read, a.rows_accepted, a.rows_rejected) == (
            b.table,
            b.file,
            b.rows_read,
            b.rows_accepted,
            b.rows_rejected,
        )
        assert a.rows_replaced == b.rows_replaced == 0
        assert a.errors_by_rule == b.errors_by_rule, a.file
        assert a.notices == b.notices
        assert [(s.row_no, s.field, s.rule) for s in a.samples] == [
            (s.row_no, s.field, s.rule) for s in b.samples
        ]
        assert b.rows_accepted + b.rows_rejected == b.rows_read
    assert sum(r.rows_rejected for r in got) > 30


def test_same_quarantine(faults, fault_reference):
    a, b = fault_reference[0].to_arrow("quarantine"), faults[0].to_arrow("quarantine")
    assert a.num_rows == b.num_rows > 30
    assert rows(a, QUARANTINE) == rows(b, QUARANTINE)
    assert set(b.column("rule").to_pylist()) >= RULES


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_same_accepted_rows(faults, fault_reference, name):
    a, b = fault_reference[0].to_arrow(name), faults[0].to_arrow(name)
    assert a.column_names == b.column_names
    assert_same_rows(a, b)


def test_same_run_records_and_key(faults, fault_reference):
    a, b = fault_reference[0].to_arrow("ingest_runs"), faults[0].to_arrow("ingest_runs")
    assert rows(a, RUNS) == rows(b, RUNS)
    assert faults[0].meta("pseudonym_key_fingerprint") == KEY.fingerprint


def test_reingest_replaces_by_key_and_quarantine(faults, fault_reference, fault_files):
    path = fault_files[1] / "discharges.parquet"
    (wh, _), (wanted, _) = faults, fault_reference
    for w in (wanted, wh):
        again = ingest_paths(w, [path], key=KEY)[0]
        assert again.rows_replaced == again.rows_accepted > 0
    for name in ("discharges", "discharge_diagnoses", "discharge_procedures", "quarantine"):
        drop = ["run_id"] if name == "quarantine" else []
        assert_same_rows(
            wanted.to_arrow(name).drop_columns(drop), wh.to_arrow(name).drop_columns(drop)
        )
    assert wh.count("ingest_runs") == wanted.count("ingest_runs") == len(BY_NAME) - 1


def test_another_key_is_refused(faults, fault_files):
    with pytest.raises(IngestError, match="another pseudonymisation key"):
        ingest_paths(
            faults[0],
            [fault_files[1] / "persons.parquet"],
            key=PseudonymKey(b"other-0123456789abcdefghijklmnopqrstuv"),
        )


@pytest.mark.needs("ingest:csv", "ingest:malformed")
def test_csv_faults_with_malformed_lines(backend, fault_files, tmp_path):
    """The CSV files as written: the reader's own rules (malformed lines, cells of the wrong
    type) join the others, at the right file rows."""
    wh = backend.open(tmp_path / "warehouse")
    try:
        reports = ingest_paths(wh, [fault_files[0]], key=KEY)
        q = wh.to_arrow("quarantine")
    finally:
        wh.close()
    assert {"malformed", *RULES} <= set(q.column("rule").to_pylist())
    assert all(r.rows_accepted + r.rows_rejected == r.rows_read for r in reports)


@pytest.mark.needs("ingest:xlsx")
def test_xlsx_file(backend, fault_files, tmp_path):
    """An Excel export loads as its Parquet twin does (cells read as text)."""
    from openpyxl import Workbook

    source = pq.read_table(fault_files[1] / "institutions.parquet")
    wb = Workbook()
    sheet = wb.active
    sheet.append(source.column_names)
    for r in source.to_pylist():
        sheet.append(list(r.values()))
    wb.save(tmp_path / "institutions.xlsx")
    wh = backend.open(tmp_path / "warehouse")
    try:
        (rep,) = ingest_paths(wh, [tmp_path / "institutions.xlsx"], key=KEY)
    finally:
        wh.close()
    assert rep.rows_read == source.num_rows and rep.rows_rejected > 0


def test_two_warehouses_on_one_backend_stay_apart(faults, fault_reference, tiny):
    """The planted faults and the tiny county, open at once on one backend (on Spark: one
    session), each keep their own tables."""
    assert faults[0].count("discharges") == fault_reference[0].count("discharges")
    assert tiny[0].count("discharges") != faults[0].count("discharges")
    assert faults[0].location != tiny[0].location
