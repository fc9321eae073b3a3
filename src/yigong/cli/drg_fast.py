"""``yigong drg group IN.csv -o OUT.csv`` without the command-line framework.

Grouping a file should cost the file: importing Typer and Click and building the command
costs a fifth of a second, as much as grouping 400 000 cases. So `entry.py` hands the
plain forms of the command line to `parse` here, and runs them with `run`; any other form —
an option this parser does not know, an option given twice, ``--``, a value that looks like
an option, a missing input or output, a backend taken from the environment — returns None and
goes to the Typer command (`drg_group.group_cmd`), which parses it and reports usage errors
as ever. Both run the same `group_into_file`, so the output, the messages and the exit codes
are the same; an error is turned into its one line by `errors.handle`, as for every command.

pandas is not loaded either for a file in the contract's columns (another fifth of a second):
Arrow imports pandas when it first converts a value (even ``Array.to_numpy``), only to tell
pandas objects apart; while pandas is not loaded there is none to tell apart, so `run` refuses
that import for the run (`pandas_refused`). Reading, grouping and writing such a file use Arrow,
NumPy and the standard library only; a front page (read through DuckDB) is run as before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from yigong.casemix.contract import InputError
from yigong.cli.backend_names import ENV_BACKEND, ENV_MASTER
from yigong.ingest.report import IngestError
from yigong.services.drg_files import group_file, reads_as_contract

DEFAULT_SCHEME = "chs-drg-1.1"

#: option spellings of `drg_group.group_cmd` this parser takes: name -> field (value options)
_VALUE_OPTIONS = {
    "--scheme": "scheme",
    "-s": "scheme",
    "--output": "output",
    "-o": "output",
    "--profile": "profile",
}
#: flags -> (field, value)
_FLAGS = {
    "--strict": ("strict", True),
    "--no-strict": ("strict", False),
    "--translate-codes": ("translate_codes", True),
    "--no-translate-codes": ("translate_codes", False),
}


@dataclass(frozen=True)
class GroupArgs:
    """A plain ``drg group`` command line: a cases file into a results file."""

    input_csv: Path
    output: Path
    scheme: str = DEFAULT_SCHEME
    translate_codes: bool = False
    strict: bool = False
    profile: str | None = None


def parse(args: Sequence[str], environ: Mapping[str, str]) -> GroupArgs | None:
    """The arguments after ``drg group`` in one of the plain forms, or None (Typer's turn)."""
    if environ.get(ENV_BACKEND) is not None or environ.get(ENV_MASTER) is not None:
        return None
    found: dict[str, object] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") and arg:
            positional.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _FLAGS and not eq:
            field, flag = _FLAGS[name]
            if field in found:
                return None
            found[field] = flag
            continue
        field_name = _VALUE_OPTIONS.get(name)
        if field_name is None or field_name in found:
            return None  # unknown here, or given twice (Click's rules decide)
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if not value or value.startswith("-"):
            return None
        found[field_name] = value
    if len(positional) != 1 or "output" not in found:
        return None
    return GroupArgs(
        input_csv=Path(positional[0]),
        output=Path(str(found["output"])),
        scheme=str(found.get("scheme", DEFAULT_SCHEME)),
        translate_codes=bool(found.get("translate_codes", False)),
        strict=bool(found.get("strict", False)),
        profile=str(found["profile"]) if "profile" in found else None,
    )


def _echo(message: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(message + "\n")
    stream.flush()


def group_into_file(a: GroupArgs, echo: Callable[..., None]) -> None:
    """Group ``a.input_csv`` into ``a.output`` and report, as ``yigong drg group`` does; a
    refused file or pack is its message on stderr and exit status 2."""
    try:
        summary = group_file(
            a.input_csv, a.scheme, a.output, a.translate_codes, a.strict, a.profile
        )
    except InputError as exc:
        echo(str(exc), err=True)
        raise SystemExit(2) from exc
    except IngestError as exc:
        echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    except Exception as exc:
        packs = sys.modules.get("yigong.casemix.packs")  # a PackError needs the pack loader
        if packs is not None and isinstance(exc, packs.PackError):
            echo(str(exc), err=True)
            raise SystemExit(2) from exc
        raise
    problems = summary.extra.get("input_problems", [])
    for line in problems[:20]:
        echo(f"warning: {a.input_csv.name}: {line} -> invalid_input", err=True)
    if len(problems) > 20:
        echo(f"warning: … and {len(problems) - 20} more malformed values", err=True)
    if summary.extra.get("keyed_by"):
        echo(
            f"read as a national front page; output keyed by {', '.join(summary.extra['keyed_by'])}"
        )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items()))
    echo(
        f"{summary.rows} cases grouped with {summary.scheme} {summary.pack_version} -> "
        f"{a.output}: {counts}; {summary.drgs} distinct DRGs"
    )


class _NoPandas:
    """An import finder that refuses pandas (see `pandas_refused`)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is not loaded to group a contract file", name=name)


@contextmanager
def pandas_refused() -> Iterator[None]:
    """``import pandas`` fails inside (unless pandas is loaded already): Arrow then takes it
    that no pandas object can come its way, which is true while pandas is not loaded."""
    if "pandas" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def run(a: GroupArgs) -> NoReturn:
    """Run a parsed command line and exit with its status (errors: `errors.handle`)."""
    try:
        if reads_as_contract(a.input_csv, a.profile):
            with pandas_refused():
                group_into_file(a, _echo)
        else:  # a front page goes through its layout profile (DuckDB; pandas as it likes)
            group_into_file(a, _echo)
    except BaseException as exc:  # noqa: BLE001  (handed to the one error handler)
        from yigong.cli.errors import handle  # lazy: start-up (only an error needs it)

        handle(exc)
    raise SystemExit(0)
