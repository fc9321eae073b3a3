"""The warehouse's layout version: a file of the previous layout (no version recorded, a child
table lacking the columns added since, rows in it) is refused on open — read-write and
read-only — until `yigong warehouse upgrade` rewrites it in one transaction; an upgrade that
fails half-way leaves the file as it was; a file of a newer layout is refused too."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.schema.tables import BY_NAME, TABLES
from yigong.warehouse import WarehouseError, open_warehouse
from yigong.warehouse import upgrade as up
from yigong.warehouse.backends.duckdb import file_layout as fl
from yigong.warehouse.types import sql_type

NEW = ("incision_class", "healing_grade", "anaesthesia")


def previous_layout(db: Path) -> list[tuple]:
    """A layout-1 warehouse as release 0.1 wrote it: every canonical table, no layout key, the
    procedure table without the three columns added since, and rows in it."""
    con = duckdb.connect(str(db))
    for tbl in TABLES:
        con.execute(
            f'CREATE TABLE "{tbl.name}" ('
            + ", ".join(f'"{c.name}" {sql_type(c)}' for c in tbl.columns)
            + ")"
        )
    old = [c for c in BY_NAME["discharge_procedures"].columns if c.name not in NEW]
    con.execute(
        "CREATE TABLE discharge_procedures ("
        + ", ".join(f'"{c.name}" {sql_type(c)}' for c in old)
        + ")"
    )
    con.execute("CREATE TABLE warehouse_meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO warehouse_meta VALUES ('pseudonym_key_fingerprint', 'abc')")
    con.execute(
        "INSERT INTO discharge_procedures SELECT 'D' || i, 1, '51.2300', DATE '2024-01-02', "
        "'3', false, true FROM range(100) t(i)"
    )
    rows = con.execute("SELECT * FROM discharge_procedures ORDER BY 1").fetchall()
    con.close()
    return rows


def test_the_previous_layout_is_refused_until_upgraded_and_keeps_every_row(tmp_path):
    db = tmp_path / "old.duckdb"
    rows = previous_layout(db)
    for read_only in (False, True):
        with pytest.raises(WarehouseError, match="yigong warehouse upgrade"):
            open_warehouse("duckdb", db, read_only=read_only)
    assert up.upgrade(db) == (1, fl.FILE_LAYOUT_VERSION, ["discharge_procedures"])
    with open_warehouse("duckdb", db, read_only=True) as wh:
        cols = [r[0] for r in wh.duck.execute("DESCRIBE discharge_procedures").fetchall()]
        got = wh.duck.execute("SELECT * FROM discharge_procedures ORDER BY 1").fetchall()
        meta = dict(wh.duck.execute("SELECT * FROM warehouse_meta").fetchall())
    assert cols == list(BY_NAME["discharge_procedures"].column_names)
    assert got == [(*r, None, None, None) for r in rows]
    assert meta == {
        "pseudonym_key_fingerprint": "abc",
        "layout_version": str(fl.FILE_LAYOUT_VERSION),
    }
    assert up.upgrade(db) == (
        fl.FILE_LAYOUT_VERSION,
        fl.FILE_LAYOUT_VERSION,
        [],
    )  # nothing left to do


def test_an_upgrade_failing_half_way_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "old.duckdb"
    rows = previous_layout(db)

    def rewrite_then_fail(con):
        fl.rebuild_to_declared(con)  # the table is rewritten inside the transaction …
        raise RuntimeError("disk full")  # … and the step fails

    monkeypatch.setitem(fl.STEPS, 1, rewrite_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        up.upgrade(db)
    con = duckdb.connect(str(db), read_only=True)
    assert fl.file_layout_version(con) == 1
    assert len(con.execute("DESCRIBE discharge_procedures").fetchall()) == 7
    assert con.execute("SELECT * FROM discharge_procedures ORDER BY 1").fetchall() == rows
    con.close()


def test_a_newer_layout_is_refused_and_not_downgraded(tmp_path):
    db = tmp_path / "new.duckdb"
    open_warehouse("duckdb", db, create=True).close()
    con = duckdb.connect(str(db))
    fl.stamp_file_layout(con, fl.FILE_LAYOUT_VERSION + 1)
    con.close()
    with pytest.raises(WarehouseError, match="newer yigong"):
        open_warehouse("duckdb", db)
    with pytest.raises(WarehouseError, match="newer yigong"):
        up.upgrade(db)


def test_a_new_warehouse_is_written_in_this_layout(tmp_path):
    with open_warehouse("duckdb", tmp_path / "w.duckdb", create=True) as wh:
        assert fl.file_layout_version(wh.duck) == fl.FILE_LAYOUT_VERSION


def test_the_command_upgrades_and_status_refuses_before(tmp_path):
    db = tmp_path / "old.duckdb"
    previous_layout(db)
    runner = CliRunner()
    refused = runner.invoke(app, ["status", "--db", str(db)])
    assert refused.exit_code == 2 and "yigong warehouse upgrade" in refused.output
    done = runner.invoke(app, ["warehouse", "upgrade", "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert f"layout 1 → {fl.FILE_LAYOUT_VERSION}" in done.output
    assert "discharge_procedures" in done.output
    assert runner.invoke(app, ["status", "--db", str(db)]).exit_code == 0


def test_layout_2_forgets_the_masked_keys_that_stood_for_many_rows(tmp_path):
    """Layout 2 stored natural keys masked: every visit number of a table became one key
    ``MZ[ID removed]``. The upgrade drops such origins and makes such quarantined rows keyless;
    every other key stays as it was."""
    db = tmp_path / "w.duckdb"
    open_warehouse("duckdb", db, create=True).close()
    con = duckdb.connect(str(db))
    con.execute(
        "INSERT INTO row_origins VALUES ('outpatient_visits', 'MZ[ID removed]', 'r1', 'a.csv', "
        "'s1', '/x/a.csv'), ('institutions', 'H1', 'r1', 'i.csv', 's2', '/x/i.csv')"
    )
    con.execute(
        "INSERT INTO quarantine_keys VALUES ('r1', 'outpatient_visits', 's1', 2, "
        "'MZ[ID removed]', '/x/a.csv'), ('r1', 'institutions', 's2', 3, 'H2', '/x/i.csv')"
    )
    fl.stamp_file_layout(con, 2)
    con.close()
    assert up.upgrade(db) == (2, fl.FILE_LAYOUT_VERSION, ["row_origins", "quarantine_keys"])
    with open_warehouse("duckdb", db, read_only=True) as wh:
        origins = wh.duck.execute("SELECT table_name, row_key FROM row_origins").fetchall()
        keys = wh.duck.execute(
            "SELECT table_name, row_key FROM quarantine_keys ORDER BY 1"
        ).fetchall()
    assert origins == [("institutions", "H1")]
    assert keys == [("institutions", "H2"), ("outpatient_visits", None)]
