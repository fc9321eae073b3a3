"""`yigong serve --policy/--runs` reach the settings of every worker process."""

from __future__ import annotations

import json

from yigong.api.app import SERVE_ENV, app_from_env
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


def test_worker_settings_carry_policy_and_runs_dir(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    DuckDBWarehouse(db).close()
    monkeypatch.setenv(
        SERVE_ENV,
        json.dumps(
            {
                "warehouse": str(db),
                "users_db": str(tmp_path / "auth.sqlite"),
                "workflow_store": "",
                "settlement_policy": "my-policy.yaml",
                "runs_dir": str(tmp_path / "elsewhere"),
            }
        ),
    )
    settings = app_from_env().state.yigong.settings
    assert settings.settlement_policy == "my-policy.yaml"
    assert settings.runs_path == tmp_path / "elsewhere"


def test_serve_refuses_an_unknown_policy_before_starting(tmp_path):
    from typer.testing import CliRunner

    from yigong.cli.main import app

    db = tmp_path / "w.duckdb"
    DuckDBWarehouse(db).close()
    done = CliRunner().invoke(app, ["serve", "--db", str(db), "--policy", "no-such-policy"])
    assert done.exit_code == 2
    assert "no-such-policy" in done.output and "--policy" in done.output
