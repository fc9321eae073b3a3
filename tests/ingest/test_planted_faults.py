"""The synthetic generator's broken files: ingest finds every planted error and nothing else."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.ingest.conftest import KEY
from yigong.ingest import ingest_paths
from yigong.schema.tables import table
from yigong.synth import write_faults
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


def _normalise(file: str, row_no: str, field: str, rule: str, rows_in_file: int) -> set[tuple]:
    name = Path(file).name
    if (
        rule == "malformed"
    ):  # the reader names the first column it could not fill; the manifest none
        return {(name, row_no, "", rule)}
    if rule == "missing_column" and row_no == "":  # a file-level error: every row carries it
        return {(name, str(r), field, rule) for r in range(1, rows_in_file + 1)}
    if rule == "date_order":  # the pair is the error; the manifest names the date it moved
        tbl = table(name.split(".")[0])
        pair = next(o for o in tbl.date_orders if field in (o.earlier, o.later))
        return {(name, row_no, f"{pair.earlier}<={pair.later}", rule)}
    return {(name, row_no, field, rule)}


def test_every_planted_error_is_found_and_nothing_else(tmp_path):
    expected_csv = write_faults(tmp_path / "faults", seed=7)
    with DuckDBWarehouse(tmp_path / "wh.duckdb") as wh:
        reports = ingest_paths(wh, [expected_csv.parent], key=KEY)
        counts = {Path(r.file).name: r.rows_read for r in reports}
        got = set()
        for file, row_no, field, rule in wh.duck.execute(
            "SELECT file, row_no, field, rule FROM quarantine"
        ).fetchall():
            got |= _normalise(file, str(row_no), field, rule, counts[Path(file).name])
    expected = set()
    with expected_csv.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            expected |= _normalise(r["file"], r["row_no"], r["field"], r["rule"], counts[r["file"]])
    assert got == expected
    rules = {e[3] for e in expected}
    assert rules >= {
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
        "malformed",
    }
    for r in reports:
        assert r.rows_accepted + r.rows_rejected == r.rows_read
