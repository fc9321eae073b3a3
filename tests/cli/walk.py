"""Walk the whole command tree and run every leaf command with hostile arguments, in this
process, through the CLI's one error handler (`yigong.cli.errors.run`)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import typer

from yigong.cli.errors import run
from yigong.cli.main import app

#: commands that do real, long work with no argument at all (a demo, a synthetic county, a
#: server): run only with the hostile arguments, never bare.
WORKS_BARE = {"demo", "synth", "serve", "referral synth"}
#: relative to the folder each command runs in, and removed after every run: a command told to
#: write there (``schema-docs -o``) makes the folder, which must not turn the next command's
#: "missing" input into a file that exists (as it did with an absolute path run as root)
MISSING = "nonexistent-yigong/missing.file"
UNWRITABLE = "/proc/yigong-unwritable/out.file"


@dataclass(frozen=True)
class Outcome:
    argv: tuple[str, ...]
    code: int
    output: str

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.output or "internal error" in self.output

    @property
    def ok(self) -> bool:
        """No traceback, and exit 0, 2 or a declined prompt's 1 (``aborted``)."""
        last = [line for line in self.output.splitlines() if line.strip()][-1:]
        declined = self.code == 1 and last and last[0].endswith("aborted")
        return not self.traceback and (self.code in (0, 2) or bool(declined))


def leaves(cmd=None, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """(command path, Click command) for every leaf of the tree."""
    cmd = cmd or typer.main.get_command(app)
    subs = getattr(cmd, "commands", None)
    if not subs:
        yield prefix, cmd
        return
    for name, sub in sorted(subs.items()):
        yield from leaves(sub, (*prefix, name))


def _annotation(param) -> str:
    return str(param.type_descriptor.annotation)


def _is_path(param) -> bool:
    return "Path" in _annotation(param) or param.name in {"store", "warehouse", "db"}


def _is_output(param) -> bool:
    names = set(getattr(param, "opts", ()))
    return bool(names & {"-o", "--out", "--output", "--report", "--out-dir", "--json-out"})


def argvs(path: tuple[str, ...], cmd) -> Iterator[tuple[str, ...]]:
    """The hostile command lines for one leaf command."""
    works_bare = path[0] in WORKS_BARE or " ".join(path) in WORKS_BARE
    if not works_bare:
        yield path
    yield (*path, "--no-such-option-xyz")
    yield (*path, "§garbage§", "--", "-1")
    required_args = [p for p in cmd.params if p.param_type_name == "argument" and p.required]
    filler = ["§garbage§"] * len(required_args)
    for p in cmd.params:
        if works_bare and p.param_type_name == "option" and _is_path(p):
            continue  # a missing folder is where they create their output
        if p.param_type_name == "option" and _is_path(p) and p.opts:
            yield (*path, *filler, p.opts[0], MISSING)
        if p.param_type_name == "option" and _is_output(p):
            yield (*path, *filler, p.opts[0], UNWRITABLE)
        if p.param_type_name != "option" or getattr(p, "is_flag", False):
            continue
        if works_bare and "str" not in _annotation(p):
            continue  # a valid other number is a run of several minutes
        kind = _annotation(p)
        if "int" in kind:
            yield (*path, *filler, p.opts[0], "-1")
            yield (*path, *filler, p.opts[0], "99999999")
        elif "str" in kind and not _is_path(p) and p.opts[0] not in {"--backend"}:
            yield (*path, *filler, p.opts[0], "§bad§")
        elif "Decimal" in kind or "float" in kind:
            yield (*path, *filler, p.opts[0], "1,5")
    if required_args:
        yield (*path, *[MISSING] * len(required_args))


def invoke(argv: tuple[str, ...], cwd: Path) -> Outcome:
    """Run one command line in this process; its exit code and everything it printed."""
    out = io.StringIO()
    old, stdin, environ = Path.cwd(), sys.stdin, dict(os.environ)
    os.chdir(cwd)
    sys.stdin = io.StringIO("n\n")  # a prompt (confirm a deletion, a password) is declined
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
            warnings.catch_warnings(),  # getpass warns that it cannot hide the typing
        ):
            warnings.simplefilter("ignore")
            try:
                run(typer.main.get_command(app), list(argv), prog_name="yigong")
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001  (escaped the handler: a traceback)
                import traceback

                out.write("Traceback (escaped the handler)\n" + traceback.format_exc())
                code = -1
            else:
                code = 0
    finally:
        os.chdir(old)
        sys.stdin = stdin
        os.environ.clear()  # a command may set a variable for its process (ingest --profiles)
        os.environ.update(environ)
        shutil.rmtree(cwd / MISSING.split("/")[0], ignore_errors=True)
    return Outcome(argv, code, out.getvalue())
