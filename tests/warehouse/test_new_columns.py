"""A warehouse written before columns were added gets them, empty, with its rows kept, when
`yigong warehouse upgrade` rewrites it (tests/warehouse/test_upgrade.py: the refusal before)."""

from __future__ import annotations

import duckdb

from yigong.schema.tables import BY_NAME
from yigong.warehouse.backends.duckdb import DuckDBWarehouse
from yigong.warehouse.types import sql_type
from yigong.warehouse.upgrade import FILE_LAYOUT_VERSION, upgrade

NEW = ("incision_class", "healing_grade", "anaesthesia")


def test_old_child_table_gains_new_columns(tmp_path):
    db = tmp_path / "old.duckdb"
    old = [c for c in BY_NAME["discharge_procedures"].columns if c.name not in NEW]
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE discharge_procedures ("
        + ", ".join(f'"{c.name}" {sql_type(c)}' for c in old)
        + ")"
    )
    con.execute(
        "INSERT INTO discharge_procedures VALUES ('D1', 1, '51.2300', DATE '2024-01-02', '3', "
        "false, true)"
    )
    con.close()
    assert upgrade(db)[:2] == (1, FILE_LAYOUT_VERSION)
    with DuckDBWarehouse(db) as wh:
        cols = [r[0] for r in wh.duck.execute("DESCRIBE discharge_procedures").fetchall()]
        assert cols == list(BY_NAME["discharge_procedures"].column_names)
        row = wh.duck.execute("SELECT * FROM discharge_procedures").fetchall()
    assert row == [("D1", 1, "51.2300", row[0][3], "3", False, True, None, None, None)]
