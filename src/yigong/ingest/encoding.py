"""Text encodings of extracts: UTF-8 is read as is; GB18030 (GBK) is transcoded first.

Hospital information systems in China often export CSV in GBK. The warehouse's CSV reader
takes UTF-8 only, so a file whose first megabyte is not UTF-8 but is GB18030 (a superset of
GBK and GB2312) is transcoded, streamed, into a temporary UTF-8 copy; lines and row numbers
stay the same. The encoding is judged on the whole file, and a file GB18030 decodes only into
implausible text (UTF-8 and GBK lines mixed, private-use characters, mostly rare characters:
Latin-1 or Big5 bytes) is refused rather than stored as mojibake. Anything else is refused with
a clear error.

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

SAMPLE = 1 << 20  # what a layout is sniffed from
CHUNK = 1 << 22


class EncodingError(ValueError):
    """The file is neither UTF-8 nor GB18030 text."""


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes in `encoding` (streamed)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk, final=False)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_text(line: bytes) -> bool:
    """Whether a line is UTF-8 text: it decodes as UTF-8 *and* reads as ordinary Chinese
    there. GBK bytes sometimes form valid UTF-8 by chance (a lead byte C2–DF before a trail
    byte 80–BF), but then decode to Latin, Greek or Cyrillic letters (U+0080–U+07FF), not to
    the CJK characters and punctuation (from U+2E80) of real Chinese text."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in text if ord(ch) >= 128]
    cjk = sum(1 for ch in wide if ord(ch) >= 0x2E80)
    return 2 * cjk >= len(wide)


def _implausible_gbk(path: Path) -> str | None:
    """Why a file that decodes as GB18030 is not GBK text, or None: some of its lines are
    UTF-8 (a file pasted together from two exports), private-use characters (bytes of another
    encoding that GB18030 maps there), or most of its Chinese characters outside GB 2312 (Latin-1
    or Big5 bytes read as GBK give rare characters such as 閐, not the common ones of real
    text)."""
    utf8_line = other_line = None
    rare = common = 0
    with path.open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            if _utf8_text(line):
                utf8_line = utf8_line or n
            else:
                other_line = other_line or n
            for ch in line.decode("gb18030", "replace"):
                if ord(ch) < 128:
                    continue
                if 0xE000 <= ord(ch) <= 0xF8FF:
                    return f"line {n} holds a private-use character: not GBK text"
                try:
                    ch.encode("gb2312")
                    common += 1
                except UnicodeEncodeError:
                    rare += 1
    if utf8_line and other_line:
        return (
            f"line {utf8_line} is UTF-8 but line {other_line} is not: the file mixes two "
            "encodings; export it again in one"
        )
    if rare > common:
        return (
            f"read as GBK, {rare} of its {rare + common} characters are rare ones: the file "
            "is in another encoding (Latin-1, Big5?); export it as UTF-8"
        )
    return None


def detect(path: Path) -> str:
    """``utf-8`` or ``gb18030``, judged on the whole file; EncodingError if neither, or if
    GB18030 decodes it only into implausible text (`_implausible_gbk`)."""
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "gb18030"):
        why = _implausible_gbk(path)
        if why:
            raise EncodingError(why)
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
