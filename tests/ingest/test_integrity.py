"""Idempotence, atomicity, privacy and the three file formats."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from tests.ingest.conftest import KEY, discharge_row, id_number, write_csv
from yigong.ingest import ingest_paths
from yigong.schema.tables import table
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

COLS = list(table("discharges").file_columns())


def _rows(n: int) -> list[dict[str, str]]:
    return [
        discharge_row(
            discharge_id=f"H1-C{i}-1",
            case_no=f"C{i}",
            patient_id_number=id_number(f"130423195001{i:02d}{i:03d}"[:17]),
        )
        for i in range(1, n + 1)
    ]


def _snapshot(wh: DuckDBWarehouse) -> dict[str, list]:
    out = {}
    for name in ("discharges", "discharge_diagnoses", "discharge_procedures", "quarantine"):
        cols = "* EXCLUDE (run_id)" if name == "quarantine" else "*"
        out[name] = sorted(map(repr, wh.duck.execute(f"SELECT {cols} FROM {name}").fetchall()))
    return out


def test_reingesting_the_same_file_changes_nothing(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    rows = _rows(5) + [discharge_row(discharge_id="H1-X-1", case_no="X", sex="M")]
    path = write_csv(tmp_path / "discharges.csv", rows, COLS)
    ingest_paths(wh, [path], key=KEY)
    first = _snapshot(wh)
    (again,) = ingest_paths(wh, [path], key=KEY)
    assert _snapshot(wh) == first
    assert (again.rows_accepted, again.rows_replaced, again.rows_rejected) == (5, 5, 1)


def test_a_changed_row_replaces_the_old_one_by_natural_key(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    ingest_paths(wh, [write_csv(tmp_path / "discharges.csv", _rows(3), COLS)], key=KEY)
    changed = _rows(3)
    changed[0]["diagnosis_codes"], changed[0]["diagnosis_conditions"] = "J18.900", "1"
    (rep,) = ingest_paths(wh, [write_csv(tmp_path / "discharges.csv", changed, COLS)], key=KEY)
    assert rep.rows_replaced == 3 and wh.count("discharges") == 3
    dx = wh.duck.execute("SELECT code FROM discharge_diagnoses WHERE discharge_id = 'H1-C1-1'")
    assert dx.fetchall() == [("J18.900",)]


def test_an_ingest_killed_inside_its_write_leaves_the_previous_state(files, tmp_path):
    db = tmp_path / "wh.duckdb"
    with DuckDBWarehouse(db) as wh:
        ingest_paths(wh, [files], key=KEY)
        ingest_paths(
            wh, [write_csv(tmp_path / "d1.csv", _rows(2), COLS)], table="discharges", key=KEY
        )
        before = _snapshot(wh)
    bigger = write_csv(tmp_path / "discharges.csv", _rows(8), COLS)
    script = (
        "import sys; from yigong.warehouse.backends.duckdb import DuckDBWarehouse;"
        "from yigong.ingest import ingest_paths;"
        "from yigong.ingest import PseudonymKey;"
        f"wh = DuckDBWarehouse({str(db)!r}); ingest_paths(wh, [{str(bigger)!r}], key=PseudonymKey(b'test-key-not-secret-0123456789abcdefghijklmnopqrstuv'))"
    )
    env = {**os.environ, "YIGONG_TEST_CRASH_BEFORE_COMMIT": "discharges"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert proc.returncode == 99, proc.stderr.decode()
    with DuckDBWarehouse(db) as wh:
        assert _snapshot(wh) == before
        assert wh.count("discharges") == 2
        (rep,) = ingest_paths(wh, [bigger], key=KEY)  # and the same file then loads normally
        assert rep.rows_accepted == 8 and wh.count("discharges") == 8


def test_no_raw_identifier_is_stored_and_keys_link(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    raw = id_number("13042319500101001")
    persons = [
        {
            "id_number": raw,
            "name": "王小明",
            "sex": "1",
            "birth_date": "1950-01-01",
            "division_code": "130423",
        }
    ]
    write_csv(tmp_path / "persons.csv", persons, [*table("persons").file_columns(), "name"])
    write_csv(tmp_path / "discharges.csv", [discharge_row(patient_id_number=raw)], COLS)
    reports = ingest_paths(wh, [tmp_path / "persons.csv", tmp_path / "discharges.csv"], key=KEY)
    assert [r.rows_accepted for r in reports] == [1, 1]
    person_key = wh.duck.execute("SELECT person_key FROM persons").fetchone()[0]
    assert person_key == KEY.pseudonymise(raw)  # the SQL HMAC equals Python's hmac module
    assert wh.duck.execute("SELECT patient_key FROM discharges").fetchone()[0] == person_key
    tables = [r[0] for r in wh.duck.execute("SHOW TABLES").fetchall()]
    for name in tables:
        dump = repr(wh.duck.execute(f'SELECT * FROM "{name}"').fetchall())
        assert raw not in dump and "王小明" not in dump, name


def test_a_different_key_is_refused(files, wh, tmp_path):
    from yigong.ingest import IngestError, PseudonymKey

    ingest_paths(wh, [files], key=KEY)
    path = write_csv(tmp_path / "discharges.csv", _rows(1), COLS)
    try:
        ingest_paths(wh, [path], key=PseudonymKey(b"another-0123456789abcdefghijklmnopqrstuv"))
    except IngestError as exc:
        assert "another pseudonymisation key" in str(exc)
    else:
        raise AssertionError("a second key was accepted")


def test_parquet_and_xlsx_give_the_same_result_as_csv(files, tmp_path):
    rows = _rows(4) + [discharge_row(discharge_id="H1-X-1", case_no="X", total_cost="-1")]
    csv_path = write_csv(tmp_path / "discharges.csv", rows, COLS)
    arrow = pa.table({c: [r.get(c) or None for r in rows] for c in COLS})
    pq.write_table(arrow, tmp_path / "discharges.parquet")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(COLS)
    for r in rows:
        ws.append([r.get(c) or None for c in COLS])
    wb.save(tmp_path / "discharges.xlsx")
    results = {}
    for suffix in ("csv", "parquet", "xlsx"):
        with DuckDBWarehouse(tmp_path / f"{suffix}.duckdb") as wh:
            ingest_paths(wh, [files], key=KEY)
            (rep,) = ingest_paths(wh, [tmp_path / f"discharges.{suffix}"], key=KEY)
            results[suffix] = (
                rep.rows_read,
                rep.rows_accepted,
                rep.errors_by_rule,
                _snapshot(wh)["discharges"],
            )
    assert csv_path.exists()
    assert results["csv"] == results["parquet"] == results["xlsx"]
    assert results["csv"][:3] == (5, 4, {"minimum": 1})


def test_parquet_export_and_import_round_trip(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    ingest_paths(wh, [write_csv(tmp_path / "discharges.csv", _rows(3), COLS)], key=KEY)
    wh.create_table("wf_referrals", pa.table({"referral_id": ["R1"], "status": ["requested"]}))
    before = _snapshot(wh)
    wh.export_parquet(tmp_path / "export")
    with DuckDBWarehouse(tmp_path / "copy.duckdb") as other:
        counts = other.import_parquet(tmp_path / "export")
        assert counts["discharges"] == 3 and counts["institutions"] == 2
        assert _snapshot(other) == before
        assert other.to_arrow("wf_referrals").to_pylist() == [
            {"referral_id": "R1", "status": "requested"}
        ]  # derived tables travel too
        assert other.count("ref_icd10") > 30_000  # code lists are rebuilt, not exchanged


def test_a_locked_warehouse_is_a_clear_error(tmp_path):
    from yigong.warehouse import WarehouseError

    db = tmp_path / "locked.duckdb"
    DuckDBWarehouse(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, time; c = duckdb.connect("
            f"{str(db)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        try:
            DuckDBWarehouse(db)
        except WarehouseError as exc:
            assert "cannot open the warehouse" in str(exc)
        else:
            raise AssertionError("a locked warehouse opened")
    finally:
        holder.kill()
        holder.wait()


def test_gbk_extracts_are_transcoded_and_other_bytes_refused(files, tmp_path):
    from yigong.ingest import IngestError

    rows = _rows(3)
    (tmp_path / "utf8").mkdir()
    utf8 = write_csv(tmp_path / "utf8" / "discharges.csv", rows, COLS)
    gbk = tmp_path / "gbk" / "discharges.csv"
    gbk.parent.mkdir()
    gbk.write_bytes(utf8.read_text(encoding="utf-8").encode("gb18030"))
    assert gbk.read_bytes() != utf8.read_bytes()  # 内科 differs between the encodings
    results = []
    for path in (utf8, gbk):
        with DuckDBWarehouse(tmp_path / f"{path.parent.name}.duckdb") as wh:
            ingest_paths(wh, [files], key=KEY)
            (rep,) = ingest_paths(wh, [path], key=KEY)
            results.append((rep.rows_accepted, _snapshot(wh)["discharges"]))
            notices = rep.notices
    assert results[0] == results[1] and results[0][0] == 3
    assert any("GB18030" in n for n in notices)
    binary = tmp_path / "bin" / "discharges.csv"
    binary.parent.mkdir()
    binary.write_bytes(b"discharge_id\n\xff\xfe\x00\x81\x30\xff\xff\n")
    with DuckDBWarehouse(tmp_path / "bin.duckdb") as wh:
        try:
            ingest_paths(wh, [binary], key=KEY)
        except IngestError as exc:
            assert "neither UTF-8 nor GB18030" in str(exc) and str(binary) in str(exc)
        else:
            raise AssertionError("binary bytes were ingested")
