"""The command line's one error handler: every error a user can cause is one line, never a
traceback.

Every command line runs through `run` (the root app's ``__call__`` and the fast ``drg group``
path of `entry.py`): Click runs without its standalone mode, so usage errors, Ctrl-C and every
exception a command raises come back here, to `handle` (which the plain ``drg group`` command
lines that run without Click, `drg_fast`, call too).

* usage errors (a missing argument, a bad option value): Click's own message box, exit 2;
* a known error — a file, option or value the user gave that cannot be used (`KNOWN`: ingest,
  warehouse, backend, key, store errors, files that are missing or not writable, bad values
  such as an unknown period, node or indicator) — one line ``error: …`` naming it, exit 2;
* Ctrl-C: one line ``interrupted``, exit 130 (128 + SIGINT); a declined confirmation or the
  end of input at a prompt: ``aborted``, exit 1;
* anything else is a bug: one line ``internal error`` naming the exception, exit 1; with
  ``YIGONG_DEBUG=1`` the traceback is shown too.

Every message is masked (`yigong.ingest.privacy.mask`): an error quoting a value never shows
an identity number.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer

DEBUG_ENV = "YIGONG_DEBUG"
EXIT_KNOWN = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A command refuses what it was given; the message names the option or value."""


def _known() -> tuple[type[BaseException], ...]:
    """The exception types a user's input can cause (imported lazily: the fast path of
    ``drg group`` must not load the warehouse stack)."""
    import sqlite3  # lazy: start-up (drg group fast path; only a store error needs it)

    found: list[type[BaseException]] = [CliError, OSError, ValueError, LookupError, sqlite3.Error]
    for module, names in (
        ("yigong.ingest.report", ("IngestError",)),
        ("yigong.warehouse.errors", ("WarehouseError",)),
        ("yigong.warehouse", ("BackendError",)),
        ("yigong.ingest.pseudonym", ("PseudonymKeyError", "PseudonymKeyMissing")),
        ("sqlalchemy.exc", ("SQLAlchemyError",)),
        ("duckdb", ("Error",)),
    ):
        mod = sys.modules.get(module)
        for name in names:
            if mod is not None and hasattr(mod, name):
                found.append(getattr(mod, name))
    return tuple(found)


def writable(path: Path, option: str) -> Path:
    """`path` if a file can be written there; CliError naming the option otherwise. For the
    outputs a command writes after its work (a report after an ingest has committed)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CliError(f"{path} is a folder, not a file ({option})")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise CliError(f"{path}: cannot write there: no such folder or no permission ({option})")
    if path.exists() and not os.access(path, os.W_OK):
        raise CliError(f"{path}: cannot write there: no permission ({option})")
    return path


def is_known(exc: BaseException) -> bool:
    """Whether `exc` is an error a user's input causes: the types of `_known`, and every
    exception yigong itself defines (they are raised to tell the user something)."""
    own = any(c.__module__.startswith("yigong.") for c in type(exc).__mro__[:-1])
    return own or isinstance(exc, _known())


#: issue codes of a validator that mean "nothing to check": the named pack or policy is absent.
NOT_FOUND_CODES = frozenset({"pack.unknown", "policy.missing"})


def validator_exit(issues: list) -> int:
    """A validator's exit status: 0 clean, 2 when what it was asked to check does not exist
    (a known error: a bad value), 1 when it was checked and has errors."""
    errors = [i for i in issues if getattr(getattr(i, "level", None), "name", "ERROR") == "ERROR"]
    if not errors:
        return 0
    return EXIT_KNOWN if all(getattr(i, "code", "") in NOT_FOUND_CODES for i in errors) else 1


def one_line(exc: BaseException) -> str:
    """The exception as one line: an OS error by its file and reason, anything else by its
    message's first line (SQLAlchemy and DuckDB append pages of context)."""
    from yigong.ingest.privacy import (
        mask,  # lazy: start-up (drg group fast path; only an error message needs it)
    )

    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or exc}"
    elif isinstance(exc, KeyError) and exc.args:
        text = f"unknown {exc.args[0]}" if isinstance(exc.args[0], str) else str(exc)
    else:
        orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
        text = str(orig if orig is not None else exc).strip() or type(exc).__name__
    first = text.splitlines()[0] if text else type(exc).__name__
    return mask(first) or ""


#: Typer's Click (Typer vendors its own copy): its exceptions, found through the public ones.
ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise SystemExit(code)


def _usage(exc: Any) -> NoReturn:
    try:
        from typer import (
            rich_utils,  # lazy: start-up (drg group fast path; only a usage error needs it)
        )

        rich_utils.rich_format_error(exc)
    except Exception:  # noqa: BLE001  (no rich: Click's plain message)
        exc.show()
    raise SystemExit(exc.exit_code)


def run(command: Any, args: Sequence[str] | None = None, **extra: Any) -> NoReturn:
    """Run `command` (a Click command built by Typer) and exit with its status; every error
    handled as the module docstring says."""
    try:
        rv = command.main(args=args, standalone_mode=False, **extra)
    except BaseException as exc:  # noqa: BLE001  (each kind handled, the rest re-raised)
        handle(exc)
    # without standalone mode Click returns the code of `typer.Exit`, or the command's value;
    # Typer turns Ctrl-C into the code 130, silently
    if rv == EXIT_INTERRUPTED:
        _fail("interrupted", EXIT_INTERRUPTED)
    raise SystemExit(rv if isinstance(rv, int) else 0)


def handle(exc: BaseException) -> NoReturn:
    """Exit as the module docstring says for `exc`, raised by a command (from `run`, or from
    the ``drg group`` fast path that runs without Click); a kind not listed there (a
    `GeneratorExit`) is raised again."""
    if isinstance(exc, typer.Exit):
        raise SystemExit(exc.exit_code) from None
    if isinstance(exc, typer.Abort):  # a declined confirmation, or end of input at a prompt
        _fail("aborted", EXIT_BUG)
    if isinstance(exc, ClickException):
        _usage(exc)
    if isinstance(exc, KeyboardInterrupt):
        _fail("interrupted", EXIT_INTERRUPTED)
    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, BrokenPipeError):  # `yigong … | head`: the reader left
        sys.stderr.close()
        raise SystemExit(EXIT_BUG) from None
    if not isinstance(exc, Exception):
        raise exc
    if os.environ.get(DEBUG_ENV):
        raise exc
    if is_known(exc):
        _fail(f"error: {one_line(exc)}", EXIT_KNOWN)
    _fail(
        f"internal error ({type(exc).__name__}): {one_line(exc)} "
        f"(set {DEBUG_ENV}=1 for the traceback)",
        EXIT_BUG,
    )
