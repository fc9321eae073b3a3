"""The ``drg group`` fast path of `yigong.cli.entry`: a file is grouped without loading the
warehouse stack, and its options mean what they mean in the full command tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from yigong.cli import backend_flags, backend_opts, drg_group
from yigong.warehouse import BACKENDS, ENV_BACKEND, ENV_MASTER

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "case_id,sex,age_years,age_days,birth_weight_g,length_of_stay,discharge_mode,diagnoses,procedures\nc1,1,40,,,5,1,J18.900,\n"  # noqa: E501


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIGONG_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["YIGONG_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_the_fast_path_loads_no_warehouse_stack(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(SAMPLE, encoding="utf-8")
    code = (
        "import sys\n"
        "from yigong.cli.entry import _main\n"
        "try:\n"
        f"    _main(['drg', 'group', {str(src)!r}, '-o', {str(tmp_path / 'out.csv')!r}])\n"
        "finally:\n"
        "    bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ibis', 'duckdb', "
        "'sqlglot', 'pyspark') or m.startswith(('yigong.warehouse', 'yigong.ingest.load')))\n"
        "    sys.stderr.write('LOADED:' + ','.join(bad) + '\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "1 cases grouped" in done.stdout
    assert "LOADED:\n" in done.stderr, done.stderr
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == "case_id,status,mdc,adrg,drg"


def test_the_fast_path_still_refuses_an_unknown_backend(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(SAMPLE, encoding="utf-8")
    env = _env(tmp_path) | {ENV_BACKEND: "oracle"}
    done = subprocess.run(
        [sys.executable, "-m", "yigong.cli.entry", "drg", "group", str(src), "-o", "out.csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "unknown backend 'oracle'" in done.stderr
    assert not (tmp_path / "out.csv").exists()


def test_the_fast_paths_option_names_agree_with_the_warehouse() -> None:
    assert backend_flags.BACKENDS == drg_group.BACKENDS == BACKENDS
    assert backend_flags.ENV_BACKEND == ENV_BACKEND
    assert backend_flags.ENV_MASTER == ENV_MASTER
    assert backend_opts.BackendOpt.__metadata__[0].envvar == backend_flags.ENV_BACKEND
