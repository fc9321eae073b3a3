"""One error handler for the whole command line (`yigong.cli.errors`), and the findings of
issue 17 that are about commands: each one line and exit 2, Ctrl-C exit 130, read-only
commands that open read-only and never create a warehouse, a settlement output directory held
for the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

from yigong.cli.errors import EXIT_INTERRUPTED, EXIT_KNOWN, run
from yigong.warehouse.backends.duckdb import DuckDBWarehouse


def yigong(*args: str, cwd: Path | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "yigong.cli.entry", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **kw.pop("env", {})},
        **kw,
    )


def _one_line(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    return lines[0]


def _app(raiser):
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raiser()

    @app.command()
    def other() -> None:
        pass

    return typer.main.get_command(app)


def _run(command, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        run(command, ["boom"])
    captured = capsys.readouterr()
    return exc.value.code, captured.err + captured.out


def test_ctrl_c_is_one_line_and_exit_130(capsys):
    def interrupted():
        raise KeyboardInterrupt

    code, err = _run(_app(interrupted), capsys)
    assert code == EXIT_INTERRUPTED and err.strip() == "interrupted"


def test_known_error_is_one_line_naming_the_file_and_exit_2(capsys):
    def missing():
        open("/nonexistent-yigong/x.csv")  # noqa: SIM115

    code, err = _run(_app(missing), capsys)
    assert code == EXIT_KNOWN
    assert err.strip() == "error: /nonexistent-yigong/x.csv: No such file or directory"


def test_a_bug_is_one_line_too_but_not_exit_2(capsys, monkeypatch):
    monkeypatch.delenv("YIGONG_DEBUG", raising=False)

    def bug():
        raise TypeError("unsupported operand")

    code, err = _run(_app(bug), capsys)
    assert code == 1 and err.startswith("internal error (TypeError)") and "\n" not in err.strip()


def test_messages_are_masked(capsys):
    def leak():
        raise ValueError("bad value 130423202007160012 in age")

    code, err = _run(_app(leak), capsys)
    assert code == EXIT_KNOWN and "130423202007160012" not in err and "[ID removed]" in err


@pytest.mark.parametrize("after", [0.2, 4.0], ids=["while-starting", "under-way"])
def test_ctrl_c_during_a_real_command(tmp_path, after):
    proc = subprocess.Popen(
        [sys.executable, "-m", "yigong.cli.entry", "synth", "county", "-o", str(tmp_path / "s")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a test run in the background has SIGINT ignored, and children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(after)  # importing the command tree, or generating (whichever it is doing)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err + out


def test_status_of_a_mistyped_warehouse_creates_nothing(tmp_path):
    done = yigong("status", "--db", str(tmp_path / "typo.duckdb"))
    assert done.returncode == EXIT_KNOWN
    assert "typo.duckdb" in _one_line(done)
    assert not (tmp_path / "typo.duckdb").exists()


def test_read_only_commands_run_beside_a_reader(tiny_db, tmp_path):
    """The cockpit (several workers) holds the warehouse read-only: status and indicators run
    beside it, and beside each other."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(tiny_db.read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom yigong.warehouse.backends.duckdb import DuckDBWarehouse\n"
            f"w = DuckDBWarehouse({str(db)!r}, read_only=True)\nprint('open', flush=True)\n"
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        done = yigong("status", "--db", str(db), "--json")
        assert done.returncode == 0, done.stderr
        with DuckDBWarehouse(db, read_only=True) as wh:
            county = wh.duck.execute(
                "SELECT min(division_code) FROM admin_divisions WHERE level = 'county'"
            ).fetchone()[0]
        done = yigong(
            "indicators", "compute", "--db", str(db), "--node", f"division:{county}",
            "--period", "2024", "--id", "no-such-indicator",
        )  # fmt: skip
        assert done.returncode == EXIT_KNOWN and "no-such-indicator" in done.stderr, done.stderr
        done = yigong(
            "indicators", "compute", "--db", str(db), "--node", f"division:{county}",
            "--period", "2024",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        holder.communicate("", timeout=60)


def test_a_settlement_output_directory_is_held_for_the_run(tmp_path):
    from yigong.payment.run_output import RunBusy, run_lock

    out = tmp_path / "run"
    with run_lock(out), pytest.raises(RunBusy, match=str(out)), run_lock(out):
        pass
    with run_lock(out):  # released at the end of the run
        pass


def test_a_second_settlement_run_to_the_same_directory_is_refused(tiny_db, tmp_path):
    from yigong.payment.run_output import run_lock

    out = tmp_path / "run"
    with run_lock(out):  # a run in progress
        done = yigong(
            "settle", "bed-day", "--out", str(out), "--db", str(tiny_db), "--county", "130423",
            "--year", "2024",
        )  # fmt: skip
    assert done.returncode == EXIT_KNOWN
    assert "another settlement run" in _one_line(done)
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("serve", "--port", "99999"), "--port"),
        (("referral", "list", "--limit", "-1"), "--limit"),
        (("referral", "synth", "--residents", "999999999"), "--residents"),
    ],
)
def test_out_of_range_options_are_refused(args, words, tmp_path):
    done = yigong(*args, cwd=tmp_path)
    assert done.returncode == EXIT_KNOWN
    assert words in done.stderr and "Traceback" not in done.stderr


def test_drg_explain_of_an_invalid_case_is_not_success():
    done = yigong("drg", "explain", "--sex", "7", "--age-years", "40", "--dx", "I10.x00")
    assert done.returncode == EXIT_KNOWN and "invalid" in done.stdout


def test_a_missing_store_folder_is_one_line(tmp_path):
    done = yigong("referral", "list", "--store", str(tmp_path / "no" / "such" / "w.sqlite"))
    assert done.returncode == EXIT_KNOWN
    assert str(tmp_path / "no" / "such") in _one_line(done)


def test_unwritable_ingest_report_is_refused_before_loading(tmp_path):
    from tests.ingest.conftest import INSTITUTIONS, write_csv

    files = tmp_path / "in"
    files.mkdir()
    write_csv(files / "institutions.csv", INSTITUTIONS)
    db = tmp_path / "w.duckdb"
    done = yigong("ingest", str(files), "--db", str(db), "--report", "/proc/yigong-no/rejects.csv")
    assert done.returncode == EXIT_KNOWN
    assert "/proc/yigong-no" in _one_line(done)
    assert not db.exists()  # refused before anything was written


def test_a_missing_profile_folder_is_refused_and_leaves_the_search_path(tmp_path):
    """`ingest --profiles` names a folder that does not exist: one line, exit 2, and the
    profile search path of the process is as it was (a later national ingest in the same
    process found the missing folder on it and failed)."""
    import os

    from tests.cli.walk import invoke
    from yigong.ingest.profiles.packs import ENV_VAR

    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    before = os.environ.get(ENV_VAR)
    done = invoke(("ingest", "x.csv", "--profiles", "no-such-folder"), tmp_path)
    assert done.code == EXIT_KNOWN and "no-such-folder: no such profile folder" in done.output
    assert os.environ.get(ENV_VAR) == before
