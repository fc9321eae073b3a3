"""Compiled grouper packs kept on disk, so a command does not compile the pack every time.

Compiling a pack (reading its tables, building the model, packing the bit tables) takes about
a second; loading the compiled result takes a tenth of that. The cache file is named by the
pack id and a digest of everything the compiled pack depends on: the pack's files (and its
base pack's, for an overlay) by name, size and modification time, and the versions of yigong,
Python, NumPy and Arrow. A changed pack or upgrade therefore compiles afresh; a cache that
cannot be read or written is ignored (the pack is compiled as before). The folder is
``$YIGONG_CACHE_DIR`` or ``$XDG_CACHE_HOME/yigong`` (``~/.cache/yigong``); the files are
pickles written and read only by yigong for the same user.

This module is light (no pack loader, no Pydantic): with a current cache file, grouping loads
nothing of the pack machinery. A pack id is found as a folder under the shipped packs (or a
folder path holding ``manifest.toml``) directly; anything else goes to
`packs.resolve_folder`, which names the problem.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
import pyarrow as pa

import yigong

T = TypeVar("T")
CACHE_ENV = "YIGONG_CACHE_DIR"
#: the layout of what is cached (bumped when `compiled.CompiledPack` changes shape)
FORMAT = "compiled-pack-2"
PACKS_DIR = Path(__file__).parent / "packs"  # the shipped packs (`packs.PACKS_DIR` is this)
MANIFEST = "manifest.toml"


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "yigong"


def resolve_folder(pack: str) -> Path:
    """The folder of a pack id or path, as `packs.resolve_folder` finds it."""
    if "/" not in pack and (PACKS_DIR / pack / MANIFEST).is_file():
        return PACKS_DIR / pack
    if (Path(pack) / MANIFEST).is_file():
        return Path(pack)
    from yigong.casemix.packs import (  # lazy: start-up (only for a pack that is not found)
        resolve_folder as resolve,
    )

    return resolve(pack)


def _folders(pack: str) -> list[Path]:
    folders, seen = [], set()
    current: str | None = pack
    while current and current not in seen:
        seen.add(current)
        folder = resolve_folder(current).resolve()
        folders.append(folder)
        with (folder / MANIFEST).open("rb") as fh:
            current = tomllib.load(fh).get("pack", {}).get("base") or None
    return folders


def digest(pack: str) -> str:
    """What the compiled pack depends on, as a short hex digest."""

    h = hashlib.sha256()
    for part in (FORMAT, yigong.__version__, sys.version, np.__version__, pa.__version__):
        h.update(part.encode())
    for folder in _folders(pack):
        h.update(str(folder).encode())
        for f in sorted(folder.iterdir()):
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def cached(pack: str, build: Callable[[], T]) -> T:
    """The compiled pack from the cache, or `build()` it and store it."""
    try:
        key = digest(pack)
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        return build()
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(pack).name)
    path = cache_dir() / "packs" / f"{safe}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            return cast(T, pickle.load(fh))  # noqa: S301 - our own file, keyed by content
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    value = build()
    import tempfile  # lazy: start-up (only when the cache is written)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            pickle.dump(value, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp.name, path)
    except OSError:
        pass
    return value
