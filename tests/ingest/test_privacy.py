"""Privacy of ingest (issue 17, item 1): no raw identity number is stored, echoed or reported,
whatever column it arrives in and however it is written; keys are real keys."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest import KEY, discharge_row, id_number, write_csv
from yigong.ingest import ingest_paths
from yigong.ingest.privacy import mask
from yigong.ingest.pseudonym import PseudonymKey, PseudonymKeyError
from yigong.schema.tables import table

RAW = id_number("13042320200716001")
SPACED = f"{RAW[:6]} {RAW[6:14]} {RAW[14:]}"
FULL = RAW.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


def _every_text(wh) -> str:
    out = []
    for name in wh.stored_tables():
        out.append(str(wh.to_arrow(name).to_pylist()))
    return "\n".join(out)


def _digits(text: str) -> str:
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"length_of_stay": RAW}, "length_of_stay"),  # a whole-number column
        ({"total_cost": RAW}, "total_cost"),  # a money column
        ({"department": f"内科 {SPACED}"}, "department"),  # spaced
        ({"department": f"内科{FULL}"}, "department"),  # full-width
        ({"case_no": RAW}, "case_no"),
    ],
    ids=["int", "decimal", "spaced", "fullwidth", "text"],
)
def test_raw_id_in_any_column_is_refused_and_never_stored(files, wh, tmp_path, override, field):
    ingest_paths(wh, [files], key=KEY)
    cols = list(table("discharges").file_columns())
    path = write_csv(
        tmp_path / "discharges.csv",
        [
            discharge_row(),
            discharge_row(**{"discharge_id": "H1-A2-1", "case_no": "A2", **override}),
        ],
        cols,
    )
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert report.rows_rejected == 1
    assert report.errors_by_rule.get("raw_id_number") == 1, report.errors_by_rule
    dump = _digits(_every_text(wh)).replace(" ", "")
    assert RAW not in dump and RAW[:17] not in dump


@pytest.mark.parametrize(
    "override",
    [
        {"age_years": RAW + "x"},  # type rule fires on the same cell
        {"sex": RAW},  # code rule
        {"institution_id": RAW},  # reference rule
        {"diagnosis_codes": f"I10.x00|{RAW}", "diagnosis_conditions": "1|1"},  # ICD list
        {"diagnosis_conditions": f"1|1|{RAW}"},  # list alignment
        {"admission_date": RAW},  # typed by the reader
    ],
    ids=["type", "code", "reference", "icd-list", "alignment", "reader-type"],
)
def test_raw_id_is_masked_in_quarantine_report_and_console(files, wh, tmp_path, override):
    ingest_paths(wh, [files], key=KEY)
    cols = list(table("discharges").file_columns())
    path = write_csv(tmp_path / "discharges.csv", [discharge_row(**override)], cols)
    (report,) = ingest_paths(wh, [path], key=KEY)
    assert report.rows_rejected == 1
    assert RAW not in _every_text(wh)
    assert RAW not in str(report.to_dict())
    assert RAW[:15] not in str(report.to_dict())


def test_cli_output_and_report_are_masked(files, tmp_path, monkeypatch):
    key = tmp_path / "key"
    key.write_text(os.urandom(32).hex())
    cols = list(table("discharges").file_columns())
    path = write_csv(tmp_path / "discharges.csv", [discharge_row(sex=RAW, age_years=RAW)], cols)
    out = tmp_path / "rejects.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "yigong.cli.entry",
            "ingest",
            str(files),
            str(path),
            "--db",
            str(tmp_path / "w.duckdb"),
            "--key-file",
            str(key),
            "--report",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert done.returncode == 0, done.stderr
    assert "rejected" in done.stdout
    for text in (done.stdout, done.stderr, out.read_text(encoding="utf-8")):
        assert RAW not in text and RAW[:15] not in text


def test_mask_covers_plain_spaced_fullwidth_and_float_forms():
    for form in (RAW, SPACED, FULL, "1.3042320200716002e+17", RAW[:17] + "0"):
        assert RAW[:12] not in _digits(mask(f"x {form} y")).replace(" ", ""), form
    assert mask("5230.50") == "5230.50"


@pytest.mark.parametrize("secret", [b"", b" ", b"k", b"short-key", b"a" * 40])
def test_weak_keys_are_refused(secret):
    with pytest.raises(PseudonymKeyError):
        PseudonymKey(secret)


def test_weak_key_file_is_refused_in_one_line(tmp_path):
    key = tmp_path / "key"
    key.write_text("\n")
    with pytest.raises(PseudonymKeyError, match=str(key)):
        PseudonymKey.from_env_or_file(key)


def test_hex_key_counts_its_bytes():
    with pytest.raises(PseudonymKeyError):
        PseudonymKey(b"0123456789abcdef" * 2)  # 32 hex characters: 16 bytes
    PseudonymKey(os.urandom(16).hex().encode() * 2 + os.urandom(16).hex().encode() * 2)


def test_keys_generate_writes_a_private_strong_key(tmp_path):
    path = tmp_path / "k" / "pseudonym.key"
    path.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "yigong.cli.entry", "keys", "generate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = PseudonymKey.from_env_or_file(path)
    assert key is not None and len(bytes.fromhex(key.secret.decode())) == 32
    again = subprocess.run(
        [sys.executable, "-m", "yigong.cli.entry", "keys", "generate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2 and "exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_no_plaintext_transcoded_copy_survives_a_killed_ingest(files, tmp_path, monkeypatch):
    """A killed GBK ingest's plaintext copy is in a private folder the next ingest cleans."""
    from yigong.ingest import encoding

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    root = encoding.private_root()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    stale = root / "999999999-dead"  # a killed run's folder: its process is gone
    stale.mkdir()
    (stale / "discharges.csv").write_text(RAW, encoding="utf-8")
    legacy = Path(tempfile.gettempdir()) / "yigong-transcode-old"
    legacy.mkdir()
    (legacy / "x.csv").write_text(RAW)
    path = tmp_path / "gbk.csv"
    path.write_bytes("a,b\n内科,1\n".encode("gbk"))
    with encoding.as_utf8(path) as (copy, enc):
        assert enc == "gb18030" and copy.parent.parent == root
    assert not stale.exists() and not legacy.exists()
    assert list(root.iterdir()) == []


def _export_with(tmp_path, files, wh, rows) -> Path:
    ingest_paths(wh, [files], key=KEY)
    cols = list(table("discharges").file_columns())
    ingest_paths(wh, [write_csv(tmp_path / "discharges.csv", rows, cols)], key=KEY)
    out = tmp_path / "export"
    wh.export_parquet(out)
    return out


def test_warehouse_import_goes_through_the_ingest_rules(files, wh, tmp_path, monkeypatch):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from yigong.ingest import IngestError
    from yigong.services.data import import_warehouse

    monkeypatch.setenv("YIGONG_PSEUDONYM_KEY", KEY.secret.decode())
    out = _export_with(tmp_path, files, wh, [discharge_row()])
    # a clean export comes back whole
    counts = import_warehouse(tmp_path / "copy.duckdb", out)
    assert counts["discharges"] == 1 and counts["institutions"] == 2
    # a raw ID number slipped into an export (edited by hand, another tool) is refused
    t = pq.read_table(out / "discharges.parquet")
    t = t.set_column(t.schema.get_field_index("department"), "department", pa_array([f"内科{RAW}"]))
    pq.write_table(t, out / "discharges.parquet")
    with pytest.raises(IngestError, match="raw_id_number") as exc:
        import_warehouse(tmp_path / "other.duckdb", out)
    assert RAW not in str(exc.value)
    # raw identifiers in an *_id_number column are pseudonymised, as ingest does
    t = t.drop_columns(["patient_key"]).append_column("patient_id_number", pa_array([RAW]))
    t = t.set_column(t.schema.get_field_index("department"), "department", pa_array(["内科"]))
    pq.write_table(t, out / "discharges.parquet")
    import_warehouse(tmp_path / "third.duckdb", out)
    from yigong.warehouse.backends.duckdb import DuckDBWarehouse

    with DuckDBWarehouse(tmp_path / "third.duckdb", read_only=True) as third:
        keys = third.to_arrow("discharges").column("patient_key")
        assert pc.all(pc.equal(keys, KEY.pseudonymise(RAW))).as_py()
        assert RAW not in _every_text(third)


def pa_array(values):
    import pyarrow as pa

    return pa.array(values, pa.string())
