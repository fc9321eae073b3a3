"""What the API keeps between requests: a bounded LRU of computed results, keyed by what they
depend on, and the version of the data they were computed from.

A result (indicator results of a node and period, a drill-down, the JSON bytes of a response)
is keyed by its own arguments **and** `DataVersion`: the warehouse file's and its write-ahead
log's modification time and size, the last ingest run id, the indicator catalog's digest and
today's date (scopes resolve "as of today"). Any ingest or write to the warehouse changes the
version, so a stale value is never served; old entries simply age out of the LRU.

`LruCache.get_or_compute` is single-flight: when 100 clients ask for the same cold key at once,
one computes and the others wait for its value instead of computing it 100 times.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from yigong.indicators.loader import builtin_paths

__all__ = ["MISSING", "DataVersion", "LruCache", "catalog_digest", "file_token"]

MISSING: Any = object()


class LruCache:
    """A thread-safe LRU of at most ``max_entries`` values and ``max_bytes`` bytes of
    ``bytes`` values (the JSON answers; other values count 0), each optionally expiring after
    ``ttl`` seconds (given per call)."""

    def __init__(self, max_entries: int, max_bytes: int = 128 * 2**20) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be ≥ 1, not {max_entries}")
        self.max_entries, self.max_bytes, self.bytes = max_entries, max_bytes, 0
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def peek(self, key: Hashable, ttl: float | None = None) -> Any:
        """The value under ``key`` if present and fresh, else `MISSING` (never computes)."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None or (ttl is not None and time.monotonic() - entry[0] >= ttl):
                return MISSING
            self._data.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= _size(old[1])
            self._data[key] = (time.monotonic(), value)
            self.bytes += _size(value)
            while len(self._data) > 1 and (
                len(self._data) > self.max_entries or self.bytes > self.max_bytes
            ):
                self.bytes -= _size(self._data.popitem(last=False)[1][1])

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], Any], ttl: float | None = None
    ) -> Any:
        """The cached value, or ``compute()`` — run once however many threads ask at once."""
        value = self.peek(key, ttl)
        if value is not MISSING:
            return value
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            value = self.peek(key, ttl)  # computed by the thread we waited for
            if value is not MISSING:
                return value
            try:
                self.misses += 1
                value = compute()
                self.put(key, value)
            finally:
                with self._lock:
                    self._flights.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0


def _size(value: Any) -> int:
    return len(value) if isinstance(value, bytes) else 0


def file_token(path: Path | str) -> tuple[int, int]:
    """(modification time in ns, size) of a file; (0, 0) when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def _files(path: str) -> tuple[tuple[int, int], tuple[int, int]]:
    return (file_token(path), file_token(path + ".wal"))  # DuckDB's write-ahead log


@cache
def catalog_digest() -> str:
    """SHA-256 (first 16 hex digits) of the built-in indicator catalog files, in name order."""

    h = hashlib.sha256()
    for path in sorted(builtin_paths(), key=lambda p: p.name):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class DataVersion:
    """What every cached result depends on besides its own arguments."""

    warehouse: tuple[tuple[int, int], tuple[int, int]]  # file and WAL (mtime ns, size)
    ingest_run: str  # the last ingest run id ("" before any)
    catalog: str
    day: str  # scopes resolve as of today

    @staticmethod
    def files(path: Path | None) -> tuple[tuple[int, int], tuple[int, int]]:
        if path is None:  # an in-memory warehouse never changes behind the app's back
            return ((0, 0), (0, 0))
        return _files(str(path))

    @staticmethod
    def today() -> str:
        return date.today().isoformat()
