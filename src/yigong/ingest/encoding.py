"""Text encodings of extracts: UTF-8 is read as is; GB18030 (GBK) is transcoded first.

Hospital information systems in China often export CSV in GBK. The warehouse's CSV reader
takes UTF-8 only, so a file whose first megabyte is not UTF-8 but is GB18030 (a superset of
GBK and GB2312) is transcoded, streamed, into a temporary UTF-8 copy; lines and row numbers
stay the same. Anything else is refused with a clear error.

The copy is plaintext with every ID number and name of the extract, so it lives only in a
private folder (`private_root`: ``yigong-transcode-<uid>`` in the temporary folder, mode 0700),
one sub-folder per process named by its pid. A process killed mid-ingest cannot remove its
copy, so every transcoding first removes the sub-folders of processes that are gone (and the
``yigong-transcode-*`` folders of earlier versions).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

SAMPLE = 1 << 20


class EncodingError(ValueError):
    """The file is neither UTF-8 nor GB18030 text."""


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect(path: Path) -> str:
    """``utf-8`` or ``gb18030``, judged on the first megabyte; EncodingError if neither."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE)
    if _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "gb18030"):
        return "gb18030"
    raise EncodingError("the file is neither UTF-8 nor GB18030/GBK text")


@contextlib.contextmanager
def as_utf8(path: Path) -> Iterator[tuple[Path, str]]:
    """Yield (a UTF-8 path with the file's content, the encoding it was read in)."""
    encoding = detect(path)
    if encoding == "utf-8":
        yield path, encoding
        return
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=clean_private_root()))
    try:
        copy = folder / path.name
        with (
            path.open("r", encoding=encoding, newline="") as src,
            copy.open("w", encoding="utf-8", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 22)
        yield copy, encoding
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def private_root() -> Path:
    """The folder of transcoded copies: this user's only (mode 0700), created if absent."""
    root = Path(tempfile.gettempdir()) / f"yigong-transcode-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    if root.is_symlink() or root.stat().st_uid != os.getuid():
        raise EncodingError(f"{root} is not this user's own folder: refusing to transcode there")
    os.chmod(root, 0o700)
    return root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_private_root() -> Path:
    """`private_root`, without the copies of processes that are gone; returns it."""
    root = private_root()
    for folder in root.iterdir():
        pid = folder.name.split("-", 1)[0]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    for legacy in Path(tempfile.gettempdir()).glob("yigong-transcode-*"):
        # the shared-folder copies of earlier versions (not the private roots of users)
        if legacy != root and not legacy.name.removeprefix("yigong-transcode-").isdigit():
            with contextlib.suppress(OSError):
                if legacy.stat().st_uid == os.getuid():
                    shutil.rmtree(legacy, ignore_errors=True)
    return root
