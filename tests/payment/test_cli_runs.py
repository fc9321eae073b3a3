"""End to end through the CLI: reproducible runs, explain, validation errors, atomic output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.payment.run_output import PAUSE_ENV

from ._support import WORKED, copied_pack

runner = CliRunner()


def _budget(out: Path, *extra: str) -> None:
    result = runner.invoke(
        app,
        [
            "settle",
            "budget",
            "-i",
            str(WORKED),
            "-o",
            str(out),
            "--county",
            "示例县",
            "--year",
            "2025",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    _budget(tmp_path / "one")
    _budget(tmp_path / "two", "--json")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == ["assessments.csv", "balances.csv", "communities.csv", "ledger.csv", "next_year_basis.csv",
                     "quota_basis.csv", "run.json", "statements.csv"]  # fmt: skip
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )
    run = json.loads((tmp_path / "one" / "run.json").read_text(encoding="utf-8"))
    assert len(run["inputs_sha256"]) == 64 and run["policy"]["id"] == "henan-default"


def test_different_policy_different_hash(tmp_path: Path) -> None:
    policy = copied_pack(
        tmp_path, "prepayment.yaml", "withhold_share: 0.10", "withhold_share: 0.20"
    )
    _budget(tmp_path / "a")
    _budget(tmp_path / "b", "--policy", str(policy))
    ra, rb = (json.loads((tmp_path / d / "run.json").read_text(encoding="utf-8")) for d in "ab")
    assert (
        ra["inputs_sha256"] == rb["inputs_sha256"]
        and ra["policy"]["sha256"] != rb["policy"]["sha256"]
    )


def test_refuses_to_overwrite_without_replace(tmp_path: Path) -> None:
    _budget(tmp_path / "out")
    again = runner.invoke(app, ["settle", "budget", "-i", str(WORKED), "-o", str(tmp_path / "out")])
    assert again.exit_code == 2 and "exists" in again.output
    _budget(tmp_path / "out", "--replace")


def test_wrong_year_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["settle", "budget", "-i", str(WORKED), "-o", str(tmp_path / "x"), "--year", "2024"]
    )
    assert result.exit_code == 2 and "bundle.yaml" in result.output and "2025" in result.output
    assert not (tmp_path / "x").exists()


def test_explain_a_line(tmp_path: Path) -> None:
    _budget(tmp_path / "out")
    ledger = (tmp_path / "out" / "ledger.csv").read_text(encoding="utf-8").splitlines()
    line_id = next(row.split(",")[0] for row in ledger if ",reconcile.overspend_share," in row)
    result = runner.invoke(app, ["settle", "explain", line_id, "--run", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["rule"]["name_zh"] == "超支分担" and info["inputs"]["tiered_share"] == "161880.00"
    assert (
        info["line"]["amount"] in ("161880.00", "-161880.00")
        and "结余留用" in info["line"]["clause"]
    )


def test_validate_policy_command(tmp_path: Path) -> None:
    assert runner.invoke(app, ["settle", "validate", "henan-default"]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\n", encoding="utf-8")
    result = runner.invoke(app, ["settle", "validate", str(bad)])
    assert result.exit_code == 1 and f"{bad}:1 [id]" in result.output


def test_killed_run_leaves_nothing(tmp_path: Path) -> None:
    """Kill the settlement half-way through writing: no output directory appears."""
    out = tmp_path / "out"
    env = {**os.environ, PAUSE_ENV: "30"}
    cmd = [
        sys.executable,
        "-c",
        "from yigong.cli.main import app; app()",
        "settle",
        "budget",
        "-i",
        str(WORKED),
        "-o",
        str(out),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            partial = [p for p in tmp_path.glob(".tmp-out-*/*")]
            if partial:
                break
            time.sleep(0.05)
        assert partial, "the run never started writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not out.exists()
    _budget(out)  # a fresh run afterwards succeeds and is complete
    assert len(list(out.iterdir())) == 8
