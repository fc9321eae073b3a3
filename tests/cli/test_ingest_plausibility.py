"""`yigong ingest --plausibility PATH_OR_ID`: another plausibility pack (a built-in id or a
county's copy) decides what ingest rejects; a missing or invalid pack is refused in one line
(exit 2) before the warehouse is opened."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.test_errors import _one_line, yigong
from tests.ingest.conftest import DIVISIONS, INSTITUTIONS, discharge_row, write_csv
from yigong.ingest.plausibility import PACKS_DIR
from yigong.rulepacks import seal
from yigong.schema.tables import table

KEY_ENV = {"YIGONG_PSEUDONYM_KEY": "cli-plausibility-key-not-secret-0123456789abcdef"}


def _files(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir(parents=True)
    write_csv(d / "admin_divisions.csv", DIVISIONS, list(table("admin_divisions").file_columns()))
    write_csv(d / "institutions.csv", INSTITUTIONS, list(table("institutions").file_columns()))
    rows = [
        discharge_row(discharge_id="H1-P1-1", case_no="P1"),
        discharge_row(
            discharge_id="H1-P2-1",
            case_no="P2",
            discharge_date="2024-09-01",
            length_of_stay="184",
        ),
    ]
    write_csv(d / "discharges.csv", rows, list(table("discharges").file_columns()))
    return d


def _county_pack(tmp_path: Path) -> Path:
    """A copy of the built-in pack whose stays may last at most 90 days."""
    folder = tmp_path / "county-plausibility"
    shutil.copytree(PACKS_DIR / "plausibility-2021", folder)
    path = folder / "plausibility-2021.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("maximum_days: 47580") == 2
    path.write_text(text.replace("maximum_days: 47580", "maximum_days: 90"), encoding="utf-8")
    seal(folder)
    return folder


def _ingest(tmp_path: Path, *extra: str):
    db = tmp_path / "wh.duckdb"
    return db, yigong("ingest", str(_files(tmp_path)), "--db", str(db), *extra, env=KEY_ENV)


def test_a_county_pack_decides_what_is_rejected(tmp_path):
    db, done = _ingest(tmp_path / "default")
    assert done.returncode == 0, done.stderr
    assert "los_bound" not in done.stdout
    db, done = _ingest(tmp_path, "--plausibility", str(_county_pack(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert "los_bound" in done.stdout


def test_a_built_in_pack_by_id(tmp_path):
    _, done = _ingest(tmp_path, "--plausibility", "plausibility-2021")
    assert done.returncode == 0, done.stderr


def test_a_missing_pack_is_refused_in_one_line_before_anything_is_written(tmp_path):
    db, done = _ingest(tmp_path, "--plausibility", str(tmp_path / "no-such-pack"))
    assert done.returncode == 2
    line = _one_line(done)
    assert "--plausibility" in line and "no-such-pack" in line
    assert not db.exists()


def test_an_invalid_pack_is_refused_in_one_line(tmp_path):
    folder = _county_pack(tmp_path)
    yaml = folder / "plausibility-2021.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("length_of_stay", "stay_len", 1))
    seal(folder)
    db, done = _ingest(tmp_path, "--plausibility", str(folder))
    assert done.returncode == 2
    assert "--plausibility" in _one_line(done)
    assert not db.exists()
