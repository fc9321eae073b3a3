"""Atomic output of a settlement run: all files or nothing.

Files are written into a temporary sibling directory, each file fsynced, the directory
fsynced, then renamed onto the target path in one ``rename`` (atomic on POSIX within a file
system). A run killed at any point leaves at most a ``.tmp-*`` directory, never a partial
output directory. An existing output directory is only replaced with ``replace=True``: on Linux
the new and the old directory are swapped in one ``renameat2(RENAME_EXCHANGE)`` call, so the
target path always names a complete run, and the old one is removed afterwards. Where the kernel
or file system cannot exchange, the old run is renamed aside to ``.old-<name>-<pid>`` before the
new one is renamed in; a crash between the two renames is repaired by the next write to the same
target, which restores that old run first (`recover`). A run killed while writing leaves its
``.tmp-<name>-<pid>`` directory behind; the next write to the same target removes every such
directory whose process is gone (`clean_stale`).

For tests only: the environment variable ``YIGONG_SETTLE_PAUSE_AFTER_FILE`` (seconds) makes
the writer sleep after each file, so a test can kill the process half-way.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["PAUSE_ENV", "RunBusy", "clean_stale", "recover", "run_lock", "write_run_atomically"]

PAUSE_ENV = "YIGONG_SETTLE_PAUSE_AFTER_FILE"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class RunBusy(RuntimeError):
    """Another run is writing to the same output directory."""


@contextlib.contextmanager
def run_lock(target: Path) -> Iterator[None]:
    """Hold the output directory `target` for one whole run (from reading the inputs to the
    last rename): a second run to the same directory is refused at once, naming it, instead
    of both computing and both reporting success. The lock is an advisory `flock` on
    ``.lock-<name>`` beside the directory, released by the kernel when the process ends, so a
    killed run never leaves the directory locked."""
    target = Path(target).absolute()
    if not target.parent.is_dir():
        raise FileNotFoundError(2, "no such folder for the output directory", str(target.parent))
    lock = target.with_name(f".lock-{target.name}")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise RunBusy(
                f"{target}: another settlement run (process {holder}) is writing this output "
                "directory; wait for it or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (Linux renameat2); False where not supported."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return bool(fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0)


def recover(target: Path) -> Path | None:
    """Restore a run left renamed aside by a crash between the two fallback renames: if
    ``target`` is missing and an ``.old-<name>-*`` sibling exists, rename it back."""
    target = target.resolve()
    if target.exists() or not target.parent.is_dir():
        return None
    olds = sorted(target.parent.glob(f".old-{target.name}-*"), key=lambda p: p.stat().st_mtime)
    if not olds:
        return None
    os.rename(olds[-1], target)
    for extra in olds[:-1]:
        shutil.rmtree(extra)
    return target


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OverflowError:
        return False
    return True


def clean_stale(target: Path) -> list[Path]:
    """Remove the temporary directories of runs to ``target`` that were killed half-way
    (``.tmp-<name>-<pid>`` whose process is gone, or that is this process's own leftover);
    a directory of a run still writing is left alone. Returns what was removed."""
    removed = []
    for tmp in sorted(target.parent.glob(f".tmp-{target.name}-*")):
        tail = tmp.name.removeprefix(f".tmp-{target.name}-")
        pid = int(tail.split("-")[0]) if tail.split("-")[0].isdigit() else None
        if pid is None or pid == os.getpid() or not _alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_run_atomically(
    target: Path, files: Mapping[str, bytes], *, replace: bool = False
) -> Path:
    """Write ``files`` (name → bytes) as directory ``target``, atomically."""
    target = target.resolve()
    recover(target)
    if target.exists() and not replace:
        raise FileExistsError(f"output directory {target} exists (use --replace to overwrite it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = target.parent.joinpath(f".tmp-{target.name}-{os.getpid()}")
    tmp.mkdir()
    pause = os.environ.get(PAUSE_ENV, "")
    for name in sorted(files):
        path = tmp.joinpath(name)
        with open(path, "wb") as fh:
            fh.write(files[name])
            fh.flush()
            os.fsync(fh.fileno())
        if pause:
            time.sleep(int(pause))
    _fsync_dir(tmp)
    if target.exists() and _exchange(tmp, target):
        _fsync_dir(target.parent)
        shutil.rmtree(tmp)  # now holds the old run
        return target
    old = None
    if target.exists():
        old = target.parent.joinpath(f".old-{target.name}-{os.getpid()}")
        os.rename(target, old)
    os.rename(tmp, target)
    _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old)
    return target
