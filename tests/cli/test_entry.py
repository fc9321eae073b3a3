"""The ``drg group`` fast path of `yigong.cli.entry`: a file is grouped without loading the
warehouse stack, and its options mean what they mean in the full command tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from yigong.cli import backend_flags, backend_opts, drg_fast, drg_group
from yigong.warehouse import BACKENDS, ENV_BACKEND, ENV_MASTER

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "case_id,sex,age_years,age_days,birth_weight_g,length_of_stay,discharge_mode,diagnoses,procedures\nc1,1,40,,,5,1,J18.900,\n"  # noqa: E501


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIGONG_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["YIGONG_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def _grouped_in_a_new_process(tmp_path: Path, loaded: str, tail: str = "") -> str:
    """The program that groups a sample file through `entry._main` in a fresh interpreter and
    writes ``LOADED:`` and the modules the expression `loaded` picks from ``sys.modules`` (then
    `tail`, more lines of the ``finally`` block) to stderr."""
    src = tmp_path / "in.csv"
    src.write_text(SAMPLE, encoding="utf-8")
    return (
        "import sys\n"
        "from yigong.cli.entry import _main\n"
        "try:\n"
        f"    _main(['drg', 'group', {str(src)!r}, '-o', {str(tmp_path / 'out.csv')!r}])\n"
        "finally:\n"
        f"    bad = sorted(m for m in sys.modules if {loaded})\n"
        "    sys.stderr.write('LOADED:' + ','.join(bad) + '\\n')\n" + tail
    )


def test_the_fast_path_loads_no_warehouse_stack(tmp_path: Path) -> None:
    code = _grouped_in_a_new_process(
        tmp_path,
        "m.split('.')[0] in ('ibis', 'duckdb', 'sqlglot', 'pyspark') "
        "or m.startswith(('yigong.warehouse', 'yigong.ingest.load'))",
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
    assert drg_fast.ENV_BACKEND == ENV_BACKEND and drg_fast.ENV_MASTER == ENV_MASTER
    assert backend_flags.ENV_BACKEND == ENV_BACKEND
    assert backend_flags.ENV_MASTER == ENV_MASTER
    assert backend_opts.BackendOpt.__metadata__[0].envvar == backend_flags.ENV_BACKEND


def test_plain_command_lines_are_parsed_and_every_other_goes_to_typer() -> None:
    parse = drg_fast.parse
    got = parse(["in.csv", "-o", "out.csv"], {})
    assert got == drg_fast.GroupArgs(Path("in.csv"), Path("out.csv"))
    got = parse(["--scheme=x", "in.csv", "--output", "o.csv", "--strict", "--translate-codes"], {})
    assert got == drg_fast.GroupArgs(Path("in.csv"), Path("o.csv"), "x", True, True)
    got = parse(["in.csv", "-o", "o.csv", "-s", "y", "--no-strict", "--profile", "p"], {})
    assert got == drg_fast.GroupArgs(Path("in.csv"), Path("o.csv"), "y", False, False, "p")
    for argv in (
        ["in.csv"],  # no output: Typer's usage error
        ["-o", "o.csv"],
        ["a.csv", "b.csv", "-o", "o.csv"],
        ["in.csv", "-o", "o.csv", "-o", "p.csv"],  # twice: Click's rule
        ["in.csv", "-oo.csv"],  # Click's attached short value
        ["in.csv", "-o", "-x.csv"],
        ["in.csv", "-o"],
        ["in.csv", "-o", "o.csv", "--strict=1"],
        ["in.csv", "-o", "o.csv", "--unknown"],
        ["--", "in.csv", "-o", "o.csv"],
        ["in.csv", "--output=", "x"],
        ["-", "-o", "o.csv"],
    ):
        assert parse(argv, {}) is None, argv
    assert parse(["in.csv", "-o", "o.csv"], {backend_flags.ENV_BACKEND: "duckdb"}) is None
    assert parse(["in.csv", "-o", "o.csv"], {backend_flags.ENV_MASTER: "local[2]"}) is None


def _run(argv: list[str], tmp_path: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "yigong.cli.entry", "drg", "group", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    return done.returncode, done.stdout, done.stderr


def test_the_plain_path_answers_as_the_typer_command(tmp_path: Path) -> None:
    """Output file, messages and exit status agree with the Typer command (reached here by
    naming the backend in the environment): a file with a malformed row, --strict, a missing
    file, an unknown pack, an unwritable output."""
    src = tmp_path / "in.csv"
    src.write_text(SAMPLE + "c2,1,x,,,5,1,J18.900,\nc3,2,70,,,5,1,I21.000|E11.900,\n")
    plain = _env(tmp_path)
    typer_env = plain | {ENV_BACKEND: "duckdb"}
    for argv in (
        [str(src), "-o", "out.csv"],
        [str(src), "-o", "out.csv", "--strict"],
        [str(src), "-o", "out.csv", "--translate-codes", "-s", "chs-drg-1.1-handan-2022"],
        [str(tmp_path / "missing.csv"), "-o", "out.csv"],
        [str(src), "-o", "out.csv", "--scheme", "no-such-pack"],
        [str(src), "-o", str(tmp_path / "no" / "dir" / "out.csv")],
    ):
        (tmp_path / "out.csv").unlink(missing_ok=True)
        fast = _run(argv, tmp_path, plain)
        fast_out = (tmp_path / "out.csv").read_bytes() if (tmp_path / "out.csv").exists() else None
        (tmp_path / "out.csv").unlink(missing_ok=True)
        slow = _run(argv, tmp_path, typer_env)
        slow_out = (tmp_path / "out.csv").read_bytes() if (tmp_path / "out.csv").exists() else None
        assert fast == slow, argv
        assert fast_out == slow_out, argv
        assert "Traceback" not in fast[2]


def test_the_plain_path_loads_neither_typer_nor_pandas_nor_the_pack_loader(tmp_path: Path) -> None:
    code = _grouped_in_a_new_process(
        tmp_path,
        "m.split('.')[0] in ('typer', 'click', 'pandas', 'pydantic') or m in "
        "('yigong.casemix.model', 'yigong.casemix.packs', 'yigong.rulepacks')",
        "    import os\n"
        "    sys.stderr.write('HUGEPAGE:' + os.environ.get('NUMPY_MADVISE_HUGEPAGE', '') + '\\n')\n",
    )
    for _attempt in ("fills the pack cache", "reads it"):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=_env(tmp_path)
        )
        assert done.returncode == 0, done.stderr
    assert "1 cases grouped" in done.stdout
    assert "LOADED:\n" in done.stderr, done.stderr
    assert "HUGEPAGE:0\n" in done.stderr  # set before NumPy is imported (see entry.py)


def test_the_plain_parsers_options_are_the_typer_commands() -> None:
    """Every spelling `drg_fast` takes is an option of `drg_group.group_cmd` meaning the same,
    and the default pack is the same."""
    import inspect

    import typer

    app = typer.Typer()
    app.command()(drg_group.group_cmd)
    command = typer.main.get_command(app)
    names = {}
    for p in command.params:
        for spelling in [*p.opts, *getattr(p, "secondary_opts", [])]:
            names[spelling] = p.name
    for spelling, field in drg_fast._VALUE_OPTIONS.items():
        assert names[spelling] == field, spelling
    for spelling, (field, _) in drg_fast._FLAGS.items():
        assert names[spelling] == field, spelling
    default = inspect.signature(drg_group.group_cmd).parameters["scheme"].default
    assert default == drg_fast.DEFAULT_SCHEME
