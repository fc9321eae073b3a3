"""Synthetic resident identity numbers (公民身份号码, GB 11643-1999), vectorised.

Layout: 6-digit address code (the person's county, GB/T 2260), 8-digit birth date YYYYMMDD,
3-digit sequence (odd for men, even for women) and a check character computed with ISO 7064
MOD 11-2. The generator hands out sequences so that no two persons of one county share a
number: residents use sequences below 800, staff 800 and above.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))

#: first sequence number used for health workers (residents stay below it).
STAFF_SEQUENCE_BASE = 800


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * int(w) for d, w in zip(first17, _WEIGHTS, strict=True))
    return str(_CHECK[total % 11])


def is_valid(number: str) -> bool:
    """True if `number` has 17 digits followed by the right check character."""
    return (
        len(number) == 18 and number[:17].isdigit() and check_character(number[:17]) == number[17]
    )


def sequences(birth_days: np.ndarray, male: np.ndarray, base: int = 0) -> np.ndarray:
    """Sequence numbers, unique within (birth date, sex), odd for men and even for women.

    Args:
        birth_days: birth dates as integer days (any integer encoding of the date).
        male: boolean array, True for men.
        base: first sequence number (0 for residents, `STAFF_SEQUENCE_BASE` for staff).
    """
    n = len(birth_days)
    keys = birth_days.astype(np.int64) * 2 + male.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_keys)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - run_start
    seq = base + 2 * rank + np.where(male, 1, 2)
    if n and seq.max() > 999:
        raise ValueError("more than 500 persons share a birth date and sex in one county")
    return seq


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Dates as integers YYYYMMDD."""
    d = days.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    year = month_start.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (d - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def id_numbers(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> pa.Array:
    """18-character identity numbers.

    Args:
        area: six-digit area codes as integers.
        birth: birth dates as numpy ``datetime64[D]``.
        seq: three-digit sequence numbers.
    """
    ymd_int = yyyymmdd(birth)
    body = area.astype(np.int64) * 10**11 + ymd_int * 1000 + seq.astype(np.int64)
    digits = np.empty((len(body), 17), dtype=np.int64)
    rest = body.copy()
    for pos in range(16, -1, -1):
        digits[:, pos] = rest % 10
        rest //= 10
    check = _CHECK[(digits @ _WEIGHTS) % 11]
    body_str = pc.cast(pa.array(body), pa.string())
    return pc.binary_join_element_wise(body_str, pa.array(check), "")
