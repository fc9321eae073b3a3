"""The command line reports a warehouse it cannot open in one line, not with a traceback."""

from __future__ import annotations

import subprocess
import sys

from yigong.warehouse.backends.duckdb import DuckDBWarehouse


def test_locked_warehouse_is_one_clear_line(tmp_path):
    db = tmp_path / "held.duckdb"
    with DuckDBWarehouse(db):  # this process holds the write lock, as a running ingest would
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from yigong.cli.main import app; app()",
                "status",
                "--db",
                str(db),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert "cannot open the warehouse" in done.stderr and str(db) in done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
