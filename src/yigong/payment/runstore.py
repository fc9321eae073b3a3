"""Atomic output of a settlement run: all files or nothing.

Files are written into a temporary sibling directory, each file fsynced, the directory
fsynced, then renamed onto the target path in one ``rename`` (atomic on POSIX within a file
system). A run killed at any point leaves at most a ``.tmp-*`` directory, never a partial
output directory. An existing output directory is only replaced with ``replace=True``: it is
first renamed aside, the new one renamed in, then the old one removed.

For tests only: the environment variable ``YIGONG_SETTLE_PAUSE_AFTER_FILE`` (seconds) makes
the writer sleep after each file, so a test can kill the process half-way.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PAUSE_ENV", "write_run_atomically"]

PAUSE_ENV = "YIGONG_SETTLE_PAUSE_AFTER_FILE"


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
    if target.exists() and not replace:
        raise FileExistsError(f"output directory {target} exists (use --replace to overwrite it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent.joinpath(f".tmp-{target.name}-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
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
    old = None
    if target.exists():
        old = target.parent.joinpath(f".old-{target.name}-{os.getpid()}")
        os.rename(target, old)
    os.rename(tmp, target)
    _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old)
    return target
