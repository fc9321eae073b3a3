"""Text encodings of extracts: UTF-8 is read as is; GB18030 (GBK) is transcoded first.

Hospital information systems in China often export CSV in GBK. The warehouse's CSV reader
takes UTF-8 only, so a file whose first megabyte is not UTF-8 but is GB18030 (a superset of
GBK and GB2312) is transcoded, streamed, into a temporary UTF-8 copy; lines and row numbers
stay the same. Anything else is refused with a clear error.
"""

from __future__ import annotations

import codecs
import contextlib
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
    folder = Path(tempfile.mkdtemp(prefix="yigong-transcode-"))
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
